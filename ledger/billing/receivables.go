package billing

import (
	"context"
	"fmt"
	"sort"
)

// Age is an ageing bucket of a receivable.
type Age uint8

const (
	AgeUnknown Age = iota
	AgeNotDue      // due date not yet passed
	Age1to30       // 1–30 days overdue
	Age31to60
	Age61to90
	AgeOver90
)

var ageNames = [...]string{"unknown", "not-due", "1-30", "31-60", "61-90", "90+"}

// String names the bucket.
func (a Age) String() string {
	if int(a) < len(ageNames) {
		return ageNames[a]
	}
	return fmt.Sprintf("Age(%d)", a)
}

// ParseAge is the inverse of Age.String.
func ParseAge(s string) (Age, error) {
	for i, n := range ageNames {
		if i > 0 && n == s {
			return Age(i), nil
		}
	}
	return AgeUnknown, fmt.Errorf("billing: unknown age bucket %q", s)
}

// AgeOf returns the bucket of an invoice due on due, seen on asOf.
func AgeOf(due, asOf Date) Age {
	switch late := due.DaysUntil(asOf); {
	case late <= 0:
		return AgeNotDue
	case late <= 30:
		return Age1to30
	case late <= 60:
		return Age31to60
	case late <= 90:
		return Age61to90
	default:
		return AgeOver90
	}
}

// Receivable is an invoice as it stood on a report date: owed (a debt,
// Balance > 0) or owed back (a credit, Balance < 0: a refund is due). Its
// Paid, WrittenOff and Credited count only what was dated by then.
type Receivable struct {
	Invoice
	Balance     Yen
	DaysOverdue int // debts only; 0 if not yet due
	Age         Age // debts only; AgeUnknown for credits
}

// ReceivablesReport is who owes what on a date, and to whom money is owed
// back, kept apart: a refund due is not a negative debt.
type ReceivablesReport struct {
	AsOf     Date
	Debts    []Receivable // oldest due date first
	Credits  []Receivable // refunds due, by invoice number
	ByAge    map[Age]Yen  // the debts per ageing bucket
	Owed     Yen          // the sum of the debts
	OwedBack Yen          // the sum of the credits, as a positive amount
}

// Receivables lists the debts of ReceivablesAsOf.
func (b *Billing) Receivables(ctx context.Context, asOf Date) ([]Receivable, error) {
	r, err := b.ReceivablesAsOf(ctx, asOf)
	return r.Debts, err
}

// ReceivablesAsOf reports the invoices that, on asOf, were owed or owed
// back: a true point-in-time report. It counts the invoices issued by
// asOf and the payments, refunds, write-offs and credit notes dated by
// asOf; nothing recorded later changes it.
func (b *Billing) ReceivablesAsOf(ctx context.Context, asOf Date) (ReceivablesReport, error) {
	on := asOf.String()
	rows, err := b.db.QueryContext(ctx, b.q(`SELECT i.id, i.number, i.issuer_registration, i.contractor_id, i.recipient, i.kind,
			i.period_start, i.period_end, i.issue_date, i.due_date, i.subtotal, i.tax, i.total,
			COALESCE(p.paid, 0), COALESCE(p.written_off, 0), COALESCE(c.credited, 0), COALESCE(v.number, '')
		FROM billing_invoices i
		LEFT JOIN (SELECT invoice_id, SUM(CASE WHEN kind = 'write-off' THEN 0 ELSE amount END) AS paid,
				SUM(CASE WHEN kind = 'write-off' THEN amount ELSE 0 END) AS written_off
			FROM billing_payments WHERE paid_on <= ? GROUP BY invoice_id) p ON p.invoice_id = i.id
		LEFT JOIN (SELECT credit_of, SUM(total) AS credited FROM billing_invoices
			WHERE credit_of <> 0 AND issue_date <= ? GROUP BY credit_of) c ON c.credit_of = i.id
		LEFT JOIN billing_invoices v ON v.id = i.voided_by AND v.issue_date <= ?
		WHERE i.kind <> 'credit' AND i.issue_date <= ?
		AND i.total + COALESCE(c.credited, 0) - COALESCE(p.paid, 0) - COALESCE(p.written_off, 0) <> 0
		ORDER BY i.due_date, i.number`), on, on, on, on)
	if err != nil {
		return ReceivablesReport{}, fmt.Errorf("billing: receivables: %w", err)
	}
	defer rows.Close()
	rep := ReceivablesReport{AsOf: asOf, ByAge: map[Age]Yen{}}
	for rows.Next() {
		in, err := scanReceivable(rows)
		if err != nil {
			return ReceivablesReport{}, fmt.Errorf("billing: receivables: %w", err)
		}
		r := Receivable{Invoice: in, Balance: in.Balance()}
		switch {
		case r.Balance == 0: // a write-off the credit notes made moot
			continue
		case r.Balance < 0:
			rep.Credits = append(rep.Credits, r)
			rep.OwedBack -= r.Balance
			continue
		}
		r.Age = AgeOf(in.DueDate, asOf)
		r.DaysOverdue = max(in.DueDate.DaysUntil(asOf), 0)
		rep.Debts = append(rep.Debts, r)
		rep.ByAge[r.Age] += r.Balance
		rep.Owed += r.Balance
	}
	if err := rows.Err(); err != nil {
		return ReceivablesReport{}, fmt.Errorf("billing: receivables: %w", err)
	}
	sort.SliceStable(rep.Credits, func(i, j int) bool { return rep.Credits[i].Number < rep.Credits[j].Number })
	return rep, nil
}

func scanReceivable(sc interface{ Scan(...any) error }) (Invoice, error) {
	var in Invoice
	var kind, ps, pe, issued, due string
	var sub, tax, total, paid, writtenOff, credited int64
	if err := sc.Scan(&in.ID, &in.Number, &in.IssuerRegistration, &in.ContractorID, &in.Recipient, &kind, &ps, &pe,
		&issued, &due, &sub, &tax, &total, &paid, &writtenOff, &credited, &in.VoidedBy); err != nil {
		return Invoice{}, err
	}
	in.Subtotal, in.Tax, in.Total = Yen(sub), Yen(tax), Yen(total)
	in.Paid, in.WrittenOff, in.Credited = Yen(paid), Yen(writtenOff), Yen(credited)
	var err error
	if in.Kind, err = ParseKind(kind); err != nil {
		return Invoice{}, err
	}
	return in, parseDates(dateCol{&in.Period.Start, ps}, dateCol{&in.Period.End, pe}, dateCol{&in.IssueDate, issued}, dateCol{&in.DueDate, due})
}
