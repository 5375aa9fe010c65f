package billing

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/dezura/dezura/ledger"
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
	Rates                []RateTotal // nil: TaxByRate(Lines)
	Subtotal, Tax, Total Yen
	Note                 string
}

// FormatNumber formats an invoice number: the year and a sequence without
// gaps per year, e.g. 2024-000001.
func FormatNumber(year int, seq int64) string { return fmt.Sprintf("%04d-%06d", year, seq) }

// FormatRates writes amounts and tax per rate as stored and exported:
// "10:15000:1500", rates separated by a space.
func FormatRates(rates []RateTotal) string {
	parts := make([]string, len(rates))
	for i, r := range rates {
		parts[i] = fmt.Sprintf("%d:%d:%d", r.Rate, r.Subtotal, r.Tax)
	}
	return strings.Join(parts, " ")
}

// parseRates is the inverse of FormatRates.
func parseRates(s string) ([]RateTotal, error) {
	var out []RateTotal
	for _, f := range strings.Fields(s) {
		p := strings.Split(f, ":")
		if len(p) != 3 {
			return nil, fmt.Errorf("billing: stored rates %q", s)
		}
		var n [3]int64
		for i := range p {
			v, err := strconv.ParseInt(p[i], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("billing: stored rates %q: %w", s, err)
			}
			n[i] = v
		}
		out = append(out, RateTotal{Rate: int(n[0]), Subtotal: Yen(n[1]), Tax: Yen(n[2])})
	}
	return out, nil
}

// insertInvoices allocates consecutive numbers for the drafts from the
// sequence of year and inserts the invoices and their lines, all in tx:
// if tx does not commit, neither the invoices nor the numbers exist, so
// numbers have no gaps. There is one sequence per year whatever the
// issuer's registration number, so a number names one invoice. Numbers
// follow dates: a draft dated before the newest document already numbered
// is refused (ErrBackdated). A draft whose key already exists aborts the
// whole batch with ErrConcurrentIssue (runs are serialised, so that means
// another writer bypassed the lock).
func (b *Billing) insertInvoices(ctx context.Context, tx *sql.Tx, iss IssuerSettings, year int, drafts []draft) ([]string, error) {
	var last int64
	// The sequence's row stays locked until tx ends, so the check of dates
	// below sees every document numbered before this one.
	if err := tx.QueryRowContext(ctx, b.q(`INSERT INTO billing_sequences (year, last) VALUES (?, ?)
		ON CONFLICT (year) DO UPDATE SET last = billing_sequences.last + excluded.last
		RETURNING last`), year, len(drafts)).Scan(&last); err != nil {
		return nil, fmt.Errorf("billing: allocate invoice numbers: %w", err)
	}
	earliest := drafts[0].IssueDate
	for _, d := range drafts[1:] {
		if d.IssueDate.Before(earliest) {
			earliest = d.IssueDate
		}
	}
	if err := b.checkAfterNewest(ctx, tx, earliest); err != nil {
		return nil, err
	}
	first := last - int64(len(drafts)) + 1
	numbers := make([]string, len(drafts))
	const cols = 19
	var sb strings.Builder
	sb.WriteString(`INSERT INTO billing_invoices (issuer_registration, issuer_name, issuer_version, number, subscription_id, contractor_id,
		recipient, kind, period_start, period_end, credit_of, issue_date, due_date, subtotal, tax, total, rates, note, created_at) VALUES `)
	args := make([]any, 0, cols*len(drafts))
	now := b.stamp()
	for i, d := range drafts {
		numbers[i] = FormatNumber(year, first+int64(i))
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
		rates := d.Rates
		if rates == nil {
			rates = TaxByRate(d.Lines)
		}
		args = append(args, iss.Registration, iss.Name, iss.Version, numbers[i], d.SubscriptionID, d.ContractorID,
			d.Recipient, d.Kind.String(), d.Period.Start.String(), d.Period.End.String(), d.CreditOf,
			d.IssueDate.String(), d.DueDate.String(), int64(d.Subtotal), int64(d.Tax), int64(d.Total), FormatRates(rates), d.Note, now)
	}
	sb.WriteString(` ON CONFLICT DO NOTHING RETURNING id, number`)
	ids, err := b.insertReturning(ctx, tx, sb.String(), args)
	if err != nil {
		return nil, err
	}
	if len(ids) != len(drafts) {
		return nil, fmt.Errorf("%w: %d of %d invoices already existed", ErrConcurrentIssue, len(drafts)-len(ids), len(drafts))
	}
	if b.testHookAfterInsert != nil {
		if err := b.testHookAfterInsert(); err != nil {
			return nil, err
		}
	}
	if err := b.insertLines(ctx, tx, drafts, numbers, ids); err != nil {
		return nil, err
	}
	return numbers, nil
}

// insertReturning runs a multi-row insert and maps the returned numbers to
// their IDs.
func (b *Billing) insertReturning(ctx context.Context, tx *sql.Tx, query string, args []any) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, b.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("billing: insert invoices: %w", err)
	}
	defer rows.Close()
	ids := map[string]int64{}
	for rows.Next() {
		var id int64
		var number string
		if err := rows.Scan(&id, &number); err != nil {
			return nil, fmt.Errorf("billing: insert invoices: %w", err)
		}
		ids[number] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: insert invoices: %w", err)
	}
	return ids, nil
}

func (b *Billing) insertLines(ctx context.Context, tx *sql.Tx, drafts []draft, numbers []string, ids map[string]int64) error {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO billing_invoice_lines (invoice_id, line_no, description, quantity, unit_price, amount, tax_rate) VALUES `)
	var args []any
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
	if n == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, b.q(sb.String()), args...); err != nil {
		return fmt.Errorf("billing: insert invoice lines: %w", err)
	}
	return nil
}

// checkAfterNewest refuses a document dated before the newest one already
// numbered: numbers must follow dates, or a later number would carry an
// earlier date (a back-dated run, or a credit note dated in the past).
func (b *Billing) checkAfterNewest(ctx context.Context, db queryer, on Date) error {
	var newest sql.NullString
	// MAX reads one end of the issue_date index, however many invoices
	// share the newest date (a run issues them all on one).
	if err := db.QueryRowContext(ctx, `SELECT MAX(issue_date) FROM billing_invoices`).Scan(&newest); err != nil {
		return fmt.Errorf("billing: newest invoice: %w", err)
	}
	if !newest.Valid || on.String() >= newest.String {
		return nil
	}
	var number string
	if err := db.QueryRowContext(ctx, b.q(`SELECT MAX(number) FROM billing_invoices WHERE issue_date = ?`), newest.String).Scan(&number); err != nil {
		return fmt.Errorf("billing: newest invoice: %w", err)
	}
	earliest, err := ParseDate(newest.String)
	if err != nil {
		return err
	}
	return adviseDate(ledger.NewError(ErrBackdated,
		"%s is before %s, the date of %s, the newest invoice or credit note: numbers must follow dates, so date it %s or later",
		on, newest.String, number, newest.String), earliest, Date{})
}
