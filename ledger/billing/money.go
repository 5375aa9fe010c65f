package billing

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// Refund records money paid back to a customer. number is the credit note
// the refund settles (the usual case: an invoice voided or reduced after
// it was paid) or an invoice that was paid more than it asked (the bank
// collected after a transfer). The amount may not exceed what is owed
// back on that invoice, less refunds already in a 総合振込 file awaiting
// confirmation.
func (b *Billing) Refund(ctx context.Context, number string, amount Yen, on Date, method, reference string) (Payment, error) {
	method = strings.TrimSpace(method)
	if amount <= 0 || on.IsZero() || method == "" {
		return Payment{}, ledger.NewError(ErrInvalidRefund, "a refund needs a positive amount, a date and a method (e.g. 振込)")
	}
	var out Payment
	err := b.h.InTx(ctx, func(tx *sql.Tx) error {
		in, credit, err := b.refundTarget(ctx, tx, number)
		if err != nil {
			return err
		}
		if on.Before(credit.IssueDate) {
			return adviseDate(ledger.NewError(ErrBackdated, "%s is before %s, the date of %s: a refund cannot come before what it refunds",
				on, credit.IssueDate, credit.Number), credit.IssueDate, Date{})
		}
		due, err := b.owedBack(ctx, tx, in)
		if err != nil {
			return err
		}
		if amount > due {
			return adviseAmount(ledger.NewError(ErrInvalidRefund, "%s yen is more than the %s yen owed back on %s", FormatYen(amount), FormatYen(due), in.Number), due)
		}
		p := Payment{Kind: PaymentRefund, Amount: -amount, PaidOn: on, Method: method, Reference: reference}
		if credit.Kind == KindCredit {
			p.CreditNote = credit.Number
		}
		out, err = b.insertMoney(ctx, tx, in, p)
		return err
	})
	return out, err
}

// refundTarget resolves a refund's number to the invoice whose balance it
// settles and the document it refunds (the credit note, or the invoice).
func (b *Billing) refundTarget(ctx context.Context, tx *sql.Tx, number string) (in, doc Invoice, err error) {
	if err := b.txLock(ctx, tx, "invoice:"+number); err != nil {
		return Invoice{}, Invoice{}, fmt.Errorf("billing: refund %s: %w", number, err)
	}
	doc, err = b.invoiceWhere(ctx, tx, number, "")
	if err != nil {
		return Invoice{}, Invoice{}, err
	}
	if doc.Kind != KindCredit {
		return doc, doc, nil
	}
	in, err = b.invoiceWhere(ctx, tx, doc.CreditOf, "")
	return in, doc, err
}

// owedBack is what is owed back on in, less refunds awaiting a bank.
func (b *Billing) owedBack(ctx context.Context, db queryer, in Invoice) (Yen, error) {
	var pending int64
	if err := db.QueryRowContext(ctx, b.q(`SELECT COALESCE(SUM(amount), 0) FROM billing_refund_transfers
		WHERE invoice_id = ? AND state = 'pending'`), in.ID).Scan(&pending); err != nil {
		return 0, fmt.Errorf("billing: refunds of %s: %w", in.Number, err)
	}
	if due := -in.Balance() - Yen(pending); due > 0 {
		return due, nil
	}
	return 0, ledger.NewError(ErrInvalidRefund, "nothing is owed back on %s (balance %s yen%s)", in.Number, FormatYen(in.Balance()),
		map[bool]string{true: fmt.Sprintf(", %s yen already in a refund file", FormatYen(Yen(pending))), false: ""}[pending > 0])
}

// WriteOff forgives part of what is owed on an invoice, with a reason
// (e.g. 振込手数料差引: the customer deducted the bank charge): the invoice
// is settled without pretending the money came in. Refused for more than
// the balance, without a reason, or dated before the invoice.
func (b *Billing) WriteOff(ctx context.Context, number string, amount Yen, on Date, reason string) (Payment, error) {
	reason = strings.TrimSpace(reason)
	if amount <= 0 || on.IsZero() || reason == "" {
		return Payment{}, ledger.NewError(ErrInvalidWriteOff, "a write-off needs a positive amount, a date and a reason (e.g. 振込手数料差引)")
	}
	var out Payment
	err := b.h.InTx(ctx, func(tx *sql.Tx) error {
		if err := b.txLock(ctx, tx, "invoice:"+number); err != nil {
			return fmt.Errorf("billing: write off %s: %w", number, err)
		}
		in, err := b.invoiceWhere(ctx, tx, number, "")
		if err != nil {
			return err
		}
		switch {
		case in.Kind == KindCredit:
			return ledger.NewError(ErrInvalidWriteOff, "%s is a credit note: write off on the invoice it credits, %s", in.Number, in.CreditOf)
		case amount > in.Balance():
			return adviseAmount(ledger.NewError(ErrInvalidWriteOff, "%s yen is more than the %s yen still owed on %s", FormatYen(amount),
				FormatYen(max(in.Balance(), 0)), in.Number), max(in.Balance(), 0))
		}
		if err := paidAfterIssue(in, on); err != nil {
			return err
		}
		out, err = b.insertMoney(ctx, tx, in, Payment{Kind: PaymentWriteOff, Amount: amount, PaidOn: on, Method: "write-off", Reason: reason})
		return err
	})
	return out, err
}
