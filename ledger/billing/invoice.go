package billing

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dezura/dezura/ledger"
)

// Invoice is a stored qualified invoice (適格請求書) or credit note
// (適格返還請求書, Kind == KindCredit, negative amounts).
type Invoice struct {
	ID                 int64
	Number             string
	IssuerName         string
	IssuerRegistration string
	IssuerVersion      int64 // the issuer settings it was issued under (0: before they were stored)
	SubscriptionID     int64
	ContractorID       string
	Recipient          string
	Kind               Kind
	Period             Period // credit notes: the period of the invoice they credit
	IssueDate          Date
	DueDate            Date
	Lines              []Line
	Rates              []RateTotal
	Subtotal, Tax      Yen
	Total              Yen
	Note               string // the reason, on a credit note
	CreditOf           string // credit notes: the number of the invoice credited
	CreditOfDate       Date   // credit notes: that invoice's issue date
	VoidedBy           string // invoices: the number of the credit note that took back the rest
	Payments           []Payment
	// Paid is the money received less the money refunded; WrittenOff the
	// short payments forgiven; Credited the sum of the credit notes
	// against the invoice (zero or negative).
	Paid, WrittenOff, Credited Yen
}

// Voided reports whether credit notes take back the whole invoice.
func (in Invoice) Voided() bool { return in.VoidedBy != "" }

// Balance is what is still owed: the total less credit notes, payments
// and write-offs; zero for credit notes. A negative balance is money to
// give back (a refund due): the money received beyond what the credit
// notes left standing. A write-off is not money: once credit notes take
// back what it forgave, it is moot, never a refund.
func (in Invoice) Balance() Yen {
	if in.Kind == KindCredit {
		return 0
	}
	standing := in.Total + in.Credited
	if in.Paid > standing {
		return standing - in.Paid
	}
	return max(standing-in.Paid-in.WrittenOff, 0)
}

const invoiceColumns = `i.id, i.number, i.issuer_name, i.issuer_registration, i.issuer_version, i.subscription_id, i.contractor_id,
	i.recipient, i.kind, COALESCE(c.period_start, i.period_start), COALESCE(c.period_end, i.period_end), i.issue_date, i.due_date,
	i.subtotal, i.tax, i.total, i.rates, i.note, COALESCE(c.number, ''), COALESCE(c.issue_date, ''), COALESCE(v.number, ''),
	COALESCE((SELECT SUM(p.amount) FROM billing_payments p WHERE p.invoice_id = i.id AND p.kind <> 'write-off'), 0),
	COALESCE((SELECT SUM(p.amount) FROM billing_payments p WHERE p.invoice_id = i.id AND p.kind = 'write-off'), 0),
	COALESCE((SELECT SUM(x.total) FROM billing_invoices x WHERE x.credit_of = i.id AND x.credit_of <> 0), 0)`

const invoiceFrom = ` FROM billing_invoices i
	LEFT JOIN billing_invoices c ON c.id = i.credit_of
	LEFT JOIN billing_invoices v ON v.id = i.voided_by`

func scanInvoice(sc interface{ Scan(...any) error }) (Invoice, error) {
	var in Invoice
	var kind, ps, pe, issued, due, rates, creditOfDate string
	var sub, tax, total, paid, writtenOff, credited int64
	if err := sc.Scan(&in.ID, &in.Number, &in.IssuerName, &in.IssuerRegistration, &in.IssuerVersion, &in.SubscriptionID,
		&in.ContractorID, &in.Recipient, &kind, &ps, &pe, &issued, &due, &sub, &tax, &total, &rates, &in.Note,
		&in.CreditOf, &creditOfDate, &in.VoidedBy, &paid, &writtenOff, &credited); err != nil {
		return Invoice{}, err
	}
	in.Subtotal, in.Tax, in.Total = Yen(sub), Yen(tax), Yen(total)
	in.Paid, in.WrittenOff, in.Credited = Yen(paid), Yen(writtenOff), Yen(credited)
	var err error
	if in.Kind, err = ParseKind(kind); err != nil {
		return Invoice{}, err
	}
	if in.Rates, err = parseRates(rates); err != nil {
		return Invoice{}, err
	}
	if err := parseDates(dateCol{&in.Period.Start, ps}, dateCol{&in.Period.End, pe}, dateCol{&in.IssueDate, issued},
		dateCol{&in.DueDate, due}, dateCol{&in.CreditOfDate, creditOfDate}); err != nil {
		return Invoice{}, err
	}
	return in, nil
}

// dateCol is a stored date column's text and where it goes.
type dateCol struct {
	dst  *Date
	text string
}

// parseDates reads stored date columns.
func parseDates(cols ...dateCol) error {
	for _, c := range cols {
		d, err := parseStoredDate(c.text)
		if err != nil {
			return err
		}
		*c.dst = d
	}
	return nil
}

// InvoiceByNumber returns an invoice or credit note with its lines and
// payments. Numbers are unique; issuer ("" for any, the registration
// number) tells apart only the invoices of databases that numbered one
// sequence per registration number before the issuer was stored once.
func (b *Billing) InvoiceByNumber(ctx context.Context, number, issuer string) (Invoice, error) {
	return b.invoiceWhere(ctx, b.db, number, issuer)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (b *Billing) invoiceWhere(ctx context.Context, db queryer, number, issuer string) (Invoice, error) {
	query := `SELECT ` + invoiceColumns + invoiceFrom + ` WHERE i.number = ?`
	args := []any{number}
	if issuer != "" {
		query += ` AND i.issuer_registration = ?`
		args = append(args, issuer)
	}
	rows, err := db.QueryContext(ctx, b.q(query), args...)
	if err != nil {
		return Invoice{}, fmt.Errorf("billing: invoice %s: %w", number, err)
	}
	var found []Invoice
	for rows.Next() {
		in, err := scanInvoice(rows)
		if err != nil {
			rows.Close()
			return Invoice{}, fmt.Errorf("billing: invoice %s: %w", number, err)
		}
		found = append(found, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Invoice{}, fmt.Errorf("billing: invoice %s: %w", number, err)
	}
	switch len(found) {
	case 0:
		return Invoice{}, ledger.NewError(ErrUnknownInvoice, "invoice %s does not exist (list them with: dezura billing invoice list)", number)
	case 1:
	default:
		return Invoice{}, ledger.NewError(ErrAmbiguousInvoice, "invoice number %s was issued by more than one issuer: say which with --issuer T...", number)
	}
	in := found[0]
	if in.Lines, err = b.lines(ctx, db, in.ID); err != nil {
		return Invoice{}, err
	}
	if in.Rates == nil { // issued before rates were stored
		in.Rates = TaxByRate(in.Lines)
	}
	if in.Payments, err = b.payments(ctx, db, in.ID); err != nil {
		return Invoice{}, err
	}
	return in, nil
}

func (b *Billing) lines(ctx context.Context, db queryer, id int64) ([]Line, error) {
	rows, err := db.QueryContext(ctx, b.q(`SELECT description, quantity, unit_price, amount, tax_rate
		FROM billing_invoice_lines WHERE invoice_id = ? ORDER BY line_no`), id)
	if err != nil {
		return nil, fmt.Errorf("billing: invoice lines: %w", err)
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		var l Line
		var unit, amount int64
		if err := rows.Scan(&l.Description, &l.Quantity, &unit, &amount, &l.TaxRate); err != nil {
			return nil, fmt.Errorf("billing: invoice lines: %w", err)
		}
		l.UnitPrice, l.Amount = Yen(unit), Yen(amount)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: invoice lines: %w", err)
	}
	return out, nil
}

// Invoices lists invoices and credit notes issued from from to to
// (inclusive; zero Dates are open ends), by issue date and number, without
// lines or payments.
func (b *Billing) Invoices(ctx context.Context, from, to Date) ([]Invoice, error) {
	lo, hi := from.String(), to.String()
	if hi == "" {
		hi = "9999-12-31"
	}
	rows, err := b.db.QueryContext(ctx, b.q(`SELECT `+invoiceColumns+invoiceFrom+`
		WHERE i.issue_date >= ? AND i.issue_date <= ? ORDER BY i.issue_date, i.issuer_registration, i.number`), lo, hi)
	if err != nil {
		return nil, fmt.Errorf("billing: list invoices: %w", err)
	}
	defer rows.Close()
	var out []Invoice
	for rows.Next() {
		in, err := scanInvoice(rows)
		if err != nil {
			return nil, fmt.Errorf("billing: list invoices: %w", err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: list invoices: %w", err)
	}
	return out, nil
}
