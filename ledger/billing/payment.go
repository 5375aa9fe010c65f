package billing

import (
	"context"
	"fmt"
	"strings"
)

// Payment is money received against an invoice.
type Payment struct {
	ID        int64
	InvoiceID int64
	Number    string // invoice number
	Amount    Yen
	PaidOn    Date
	Method    string // e.g. "transfer", "account-transfer", "cash"
	Reference string
}

// Pay records a (possibly partial) payment against an invoice. Overpaying is
// refused: a payment larger than the balance is almost always a typing error.
func (b *Billing) Pay(ctx context.Context, number, issuer string, amount Yen, on Date, method, reference string) (Payment, error) {
	method = strings.TrimSpace(method)
	if amount <= 0 || on.IsZero() || method == "" {
		return Payment{}, fmt.Errorf("%w: amount must be positive and date and method given", ErrInvalidPayment)
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return Payment{}, fmt.Errorf("billing: pay %s: %w", number, err)
	}
	defer tx.Rollback()
	if err := b.txLock(ctx, tx, "invoice:"+number); err != nil {
		return Payment{}, fmt.Errorf("billing: pay %s: %w", number, err)
	}
	in, err := b.invoiceWhere(ctx, tx, number, issuer)
	if err != nil {
		return Payment{}, err
	}
	p, err := b.insertPayment(ctx, tx, in, amount, on, method, reference, false)
	if err != nil {
		return Payment{}, err
	}
	if err := tx.Commit(); err != nil {
		return Payment{}, fmt.Errorf("billing: pay %s: %w", number, err)
	}
	return p, nil
}

// insertPayment records a payment. received is true for money the bank has
// already collected: it is recorded even on a voided or already paid
// invoice (the balance goes negative: a refund is due), because refusing
// it would hide money that is in the account.
func (b *Billing) insertPayment(ctx context.Context, tx queryer, in Invoice, amount Yen, on Date, method, reference string, received bool) (Payment, error) {
	switch {
	case received && in.Kind != KindCredit:
	case in.Kind == KindCredit:
		return Payment{}, fmt.Errorf("%w: %s is a credit note", ErrInvalidPayment, in.Number)
	case in.Voided():
		return Payment{}, fmt.Errorf("%w: %s was voided by %s", ErrInvalidPayment, in.Number, in.VoidedBy)
	case amount > in.Balance():
		return Payment{}, fmt.Errorf("%w: %d yen exceeds the balance of %s (%d yen)", ErrInvalidPayment, amount, in.Number, in.Balance())
	}
	p := Payment{InvoiceID: in.ID, Number: in.Number, Amount: amount, PaidOn: on, Method: method, Reference: reference}
	if err := tx.QueryRowContext(ctx, b.q(`INSERT INTO billing_payments (invoice_id, amount, paid_on, method, reference, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), in.ID, int64(amount), on.String(), method, reference, b.stamp()).Scan(&p.ID); err != nil {
		return Payment{}, fmt.Errorf("billing: pay %s: %w", in.Number, err)
	}
	return p, nil
}

func (b *Billing) payments(ctx context.Context, db queryer, invoiceID int64) ([]Payment, error) {
	return b.queryPayments(ctx, db, b.q(`SELECT p.id, p.invoice_id, i.number, p.amount, p.paid_on, p.method, p.reference
		FROM billing_payments p JOIN billing_invoices i ON i.id = p.invoice_id WHERE p.invoice_id = ? ORDER BY p.id`), invoiceID)
}

// Payments lists payments received from from to to (inclusive; zero Dates
// are open ends).
func (b *Billing) Payments(ctx context.Context, from, to Date) ([]Payment, error) {
	hi := to.String()
	if hi == "" {
		hi = "9999-12-31"
	}
	return b.queryPayments(ctx, b.db, b.q(`SELECT p.id, p.invoice_id, i.number, p.amount, p.paid_on, p.method, p.reference
		FROM billing_payments p JOIN billing_invoices i ON i.id = p.invoice_id
		WHERE p.paid_on >= ? AND p.paid_on <= ? ORDER BY p.paid_on, p.id`), from.String(), hi)
}

func (b *Billing) queryPayments(ctx context.Context, db queryer, query string, args ...any) ([]Payment, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("billing: payments: %w", err)
	}
	defer rows.Close()
	var out []Payment
	for rows.Next() {
		var p Payment
		var amount int64
		var on string
		if err := rows.Scan(&p.ID, &p.InvoiceID, &p.Number, &amount, &on, &p.Method, &p.Reference); err != nil {
			return nil, fmt.Errorf("billing: payments: %w", err)
		}
		p.Amount = Yen(amount)
		if p.PaidOn, err = parseStoredDate(on); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: payments: %w", err)
	}
	return out, nil
}
