package billing

import (
	"context"
	"fmt"
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

// Receivable is an invoice with money still owed (or, if voided after a
// payment, owed back: a negative balance).
type Receivable struct {
	Invoice
	Balance     Yen
	DaysOverdue int // 0 if not yet due
	Age         Age
}

// Receivables lists invoices issued on or before asOf whose balance is not
// zero, oldest due date first, with their ageing as of asOf.
func (b *Billing) Receivables(ctx context.Context, asOf Date) ([]Receivable, error) {
	rows, err := b.db.QueryContext(ctx, b.q(`SELECT `+invoiceColumns+invoiceFrom+`
		WHERE i.kind <> 'credit' AND i.issue_date <= ?
		AND (i.voided_by <> 0 OR i.total <> COALESCE((SELECT SUM(p.amount) FROM billing_payments p WHERE p.invoice_id = i.id), 0))
		ORDER BY i.due_date, i.number`), asOf.String())
	if err != nil {
		return nil, fmt.Errorf("billing: receivables: %w", err)
	}
	defer rows.Close()
	var out []Receivable
	for rows.Next() {
		in, err := scanInvoice(rows)
		if err != nil {
			return nil, fmt.Errorf("billing: receivables: %w", err)
		}
		bal := in.Balance()
		if bal == 0 {
			continue
		}
		r := Receivable{Invoice: in, Balance: bal, Age: AgeOf(in.DueDate, asOf)}
		if late := in.DueDate.DaysUntil(asOf); late > 0 {
			r.DaysOverdue = late
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: receivables: %w", err)
	}
	return out, nil
}
