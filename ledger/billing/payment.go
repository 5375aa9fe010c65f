package billing

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// Payment is money received against an invoice, money refunded
// (Kind PaymentRefund, a negative amount) or a short payment forgiven
// (Kind PaymentWriteOff).
type Payment struct {
	ID           int64
	InvoiceID    int64
	Number       string // invoice number
	ContractorID string
	Recipient    string
	Kind         PaymentKind
	Amount       Yen
	PaidOn       Date
	Method       string // e.g. 振込, 口座振替, 現金
	Reference    string
	CreditNote   string // refunds: the credit note refunded ("" for an overpayment)
	Reason       string // write-offs: why
}

// PaymentKind is what a payment row records.
type PaymentKind uint8

const (
	PaymentKindUnknown PaymentKind = iota
	PaymentReceived                // money in
	PaymentRefund                  // money back out, against a credit note or an overpayment
	PaymentWriteOff                // a short payment forgiven (e.g. 振込手数料差引), no money
)

var paymentKindNames = [...]string{"unknown", "payment", "refund", "write-off"}

// String returns the name stored in the database and shown in exports.
func (k PaymentKind) String() string {
	if int(k) < len(paymentKindNames) {
		return paymentKindNames[k]
	}
	return fmt.Sprintf("PaymentKind(%d)", k)
}

// ParsePaymentKind is the inverse of PaymentKind.String.
func ParsePaymentKind(s string) (PaymentKind, error) {
	for i, n := range paymentKindNames {
		if i > 0 && n == s {
			return PaymentKind(i), nil
		}
	}
	return PaymentKindUnknown, fmt.Errorf("billing: unknown payment kind %q", s)
}

// Pay records a (possibly partial) payment against an invoice. Overpaying is
// refused: a payment larger than the balance is almost always a typing
// error. So is a payment dated before the invoice (ErrBackdated): money
// that came in earlier is an advance, recorded on the invoice's date.
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
	if err := paidAfterIssue(in, on); err != nil {
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
func (b *Billing) insertPayment(ctx context.Context, tx *sql.Tx, in Invoice, amount Yen, on Date, method, reference string, received bool) (Payment, error) {
	switch {
	case received && in.Kind != KindCredit:
	case in.Kind == KindCredit:
		return Payment{}, fmt.Errorf("%w: %s is a credit note", ErrInvalidPayment, in.Number)
	case in.Voided():
		return Payment{}, ledger.NewError(ErrInvalidPayment, "%s was voided by credit note %s: nothing is owed on it", in.Number, in.VoidedBy)
	case amount > in.Balance():
		return Payment{}, adviseAmount(ledger.NewError(ErrInvalidPayment, "%s yen is more than the %s yen still owed on %s",
			FormatYen(amount), FormatYen(in.Balance()), in.Number), max(in.Balance(), 0))
	}
	return b.insertMoney(ctx, tx, in, Payment{Kind: PaymentReceived, Amount: amount, PaidOn: on, Method: method, Reference: reference})
}

// insertMoney stores a payment row of any kind against invoice in, with
// its audit record.
func (b *Billing) insertMoney(ctx context.Context, tx *sql.Tx, in Invoice, p Payment) (Payment, error) {
	p.InvoiceID, p.Number, p.ContractorID, p.Recipient = in.ID, in.Number, in.ContractorID, in.Recipient
	var creditNote int64
	if p.CreditNote != "" {
		if err := tx.QueryRowContext(ctx, b.q(`SELECT id FROM billing_invoices WHERE number = ? AND credit_of = ?`),
			p.CreditNote, in.ID).Scan(&creditNote); err != nil {
			return Payment{}, fmt.Errorf("billing: credit note %s of %s: %w", p.CreditNote, in.Number, err)
		}
	}
	if err := tx.QueryRowContext(ctx, b.q(`INSERT INTO billing_payments (invoice_id, kind, amount, paid_on, method, reference,
		credit_note_id, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		in.ID, p.Kind.String(), int64(p.Amount), p.PaidOn.String(), p.Method, p.Reference, creditNote, p.Reason, b.stamp()).Scan(&p.ID); err != nil {
		return Payment{}, fmt.Errorf("billing: record %s on %s: %w", p.Kind, in.Number, err)
	}
	return p, b.auditMoney(ctx, tx, in, p)
}

// paidAfterIssue refuses money dated before the invoice was issued.
func paidAfterIssue(in Invoice, on Date) error {
	if on.Before(in.IssueDate) {
		return adviseDate(ledger.NewError(ErrBackdated, "%s is before %s, the date invoice %s was issued: check the date (money received in advance is recorded on the issue date)",
			on, in.IssueDate, in.Number), in.IssueDate, Date{})
	}
	return nil
}

const paymentSelect = `SELECT p.id, p.invoice_id, i.number, i.contractor_id, i.recipient, p.kind, p.amount, p.paid_on, p.method,
		p.reference, COALESCE(c.number, ''), p.reason
	FROM billing_payments p JOIN billing_invoices i ON i.id = p.invoice_id
	LEFT JOIN billing_invoices c ON c.id = p.credit_note_id`

func (b *Billing) payments(ctx context.Context, db queryer, invoiceID int64) ([]Payment, error) {
	return b.queryPayments(ctx, db, b.q(paymentSelect+` WHERE p.invoice_id = ? ORDER BY p.paid_on, p.id`), invoiceID)
}

// Payments lists payments, refunds and write-offs dated from from to to
// (inclusive; zero Dates are open ends), with the invoice's contractor.
func (b *Billing) Payments(ctx context.Context, from, to Date) ([]Payment, error) {
	hi := to.String()
	if hi == "" {
		hi = "9999-12-31"
	}
	return b.queryPayments(ctx, b.db, b.q(paymentSelect+`
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
		var on, kind string
		if err := rows.Scan(&p.ID, &p.InvoiceID, &p.Number, &p.ContractorID, &p.Recipient, &kind, &amount, &on, &p.Method,
			&p.Reference, &p.CreditNote, &p.Reason); err != nil {
			return nil, fmt.Errorf("billing: payments: %w", err)
		}
		p.Amount = Yen(amount)
		if p.Kind, err = ParsePaymentKind(kind); err != nil {
			return nil, err
		}
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
