package billing

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// draft is an invoice or credit note about to be numbered and stored.
type draft struct {
	SubscriptionID       int64
	ContractorID         string
	Recipient            string
	Kind                 Kind
	Period               Period
	CreditOf             int64
	IssueDate, DueDate   Date
	Lines                []Line
	Subtotal, Tax, Total Yen
	Note                 string
}

// FormatNumber formats an invoice number: the year and a sequence without
// gaps per issuer and year, e.g. 2024-000001.
func FormatNumber(year int, seq int64) string { return fmt.Sprintf("%04d-%06d", year, seq) }

// insertInvoices allocates consecutive numbers for the drafts from the
// issuer's counter for year and inserts the invoices and their lines, all in
// tx: if tx does not commit, neither the invoices nor the numbers exist, so
// numbers have no gaps. A draft whose key already exists aborts the whole
// batch with ErrConcurrentIssue (runs are serialised, so that means another
// writer bypassed the lock).
func (b *Billing) insertInvoices(ctx context.Context, tx *sql.Tx, issuer Issuer, year int, drafts []draft) ([]string, error) {
	var last int64
	if err := tx.QueryRowContext(ctx, b.q(`INSERT INTO billing_invoice_counters (issuer, year, last) VALUES (?, ?, ?)
		ON CONFLICT (issuer, year) DO UPDATE SET last = billing_invoice_counters.last + excluded.last
		RETURNING last`), issuer.Registration, year, len(drafts)).Scan(&last); err != nil {
		return nil, fmt.Errorf("billing: allocate invoice numbers: %w", err)
	}
	first := last - int64(len(drafts)) + 1
	numbers := make([]string, len(drafts))
	const cols = 17
	var sb strings.Builder
	sb.WriteString(`INSERT INTO billing_invoices (issuer_registration, issuer_name, number, subscription_id, contractor_id,
		recipient, kind, period_start, period_end, credit_of, issue_date, due_date, subtotal, tax, total, note, created_at) VALUES `)
	args := make([]any, 0, cols*len(drafts))
	now := b.stamp()
	for i, d := range drafts {
		numbers[i] = FormatNumber(year, first+int64(i))
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
		args = append(args, issuer.Registration, issuer.Name, numbers[i], d.SubscriptionID, d.ContractorID,
			d.Recipient, d.Kind.String(), d.Period.Start.String(), d.Period.End.String(), d.CreditOf,
			d.IssueDate.String(), d.DueDate.String(), int64(d.Subtotal), int64(d.Tax), int64(d.Total), d.Note, now)
	}
	sb.WriteString(` ON CONFLICT DO NOTHING RETURNING id, number`)
	rows, err := tx.QueryContext(ctx, b.q(sb.String()), args...)
	if err != nil {
		return nil, fmt.Errorf("billing: insert invoices: %w", err)
	}
	ids := make(map[string]int64, len(drafts))
	for rows.Next() {
		var id int64
		var number string
		if err := rows.Scan(&id, &number); err != nil {
			rows.Close()
			return nil, fmt.Errorf("billing: insert invoices: %w", err)
		}
		ids[number] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: insert invoices: %w", err)
	}
	if len(ids) != len(drafts) {
		return nil, fmt.Errorf("%w: %d of %d invoices already existed", ErrConcurrentIssue, len(drafts)-len(ids), len(drafts))
	}
	if b.testHookAfterInsert != nil {
		if err := b.testHookAfterInsert(); err != nil {
			return nil, err
		}
	}
	sb.Reset()
	sb.WriteString(`INSERT INTO billing_invoice_lines (invoice_id, line_no, description, quantity, unit_price, amount, tax_rate) VALUES `)
	args = args[:0]
	n := 0
	for i, d := range drafts {
		for j, l := range d.Lines {
			if n > 0 {
				sb.WriteByte(',')
			}
			n++
			sb.WriteString("(?,?,?,?,?,?,?)")
			args = append(args, ids[numbers[i]], j+1, l.Description, l.Quantity, int64(l.UnitPrice), int64(l.Amount), l.TaxRate)
		}
	}
	if n > 0 {
		if _, err := tx.ExecContext(ctx, b.q(sb.String()), args...); err != nil {
			return nil, fmt.Errorf("billing: insert invoice lines: %w", err)
		}
	}
	return numbers, nil
}
