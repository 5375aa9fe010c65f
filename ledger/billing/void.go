package billing

import (
	"context"
	"fmt"
	"strings"
)

// Void cancels an invoice by issuing a credit note (適格返還請求書) for its
// full amount on the given date; nothing is deleted. The credit note is
// numbered in the same sequence as invoices (issuer and year of the void),
// refers to the voided invoice, and carries the reason. The period of a
// voided invoice is not billed again.
func (b *Billing) Void(ctx context.Context, number, issuer string, on Date, reason string) (Invoice, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || on.IsZero() {
		return Invoice{}, fmt.Errorf("billing: void %s: a reason and a date are required", number)
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return Invoice{}, fmt.Errorf("billing: void %s: %w", number, err)
	}
	defer tx.Rollback()
	if err := b.txLock(ctx, tx, "invoice:"+number); err != nil {
		return Invoice{}, fmt.Errorf("billing: void %s: %w", number, err)
	}
	in, err := b.invoiceWhere(ctx, tx, number, issuer)
	if err != nil {
		return Invoice{}, err
	}
	if in.Kind == KindCredit {
		return Invoice{}, fmt.Errorf("%w: %s", ErrNotVoidable, number)
	}
	if in.Voided() {
		return Invoice{}, fmt.Errorf("%w: %s by %s", ErrAlreadyVoided, number, in.VoidedBy)
	}
	lines := make([]Line, len(in.Lines))
	for i, l := range in.Lines {
		lines[i] = Line{Description: "取消: " + l.Description, Quantity: l.Quantity, UnitPrice: -l.UnitPrice, Amount: -l.Amount, TaxRate: l.TaxRate}
	}
	sub, tax, total := Totals(TaxByRate(lines))
	iss := Issuer{Name: in.IssuerName, Registration: in.IssuerRegistration}
	numbers, err := b.insertInvoices(ctx, tx, iss, on.Year, []draft{{
		SubscriptionID: in.SubscriptionID, ContractorID: in.ContractorID, Recipient: in.Recipient, Kind: KindCredit,
		Period: in.Period, CreditOf: in.ID, IssueDate: on, DueDate: on, Lines: lines,
		Subtotal: sub, Tax: tax, Total: total, Note: reason,
	}})
	if err != nil {
		return Invoice{}, err
	}
	if _, err := tx.ExecContext(ctx, b.q(`UPDATE billing_invoices SET voided_by =
		(SELECT id FROM billing_invoices WHERE issuer_registration = ? AND number = ?) WHERE id = ?`),
		in.IssuerRegistration, numbers[0], in.ID); err != nil {
		return Invoice{}, fmt.Errorf("billing: void %s: %w", number, err)
	}
	credit, err := b.invoiceWhere(ctx, tx, numbers[0], in.IssuerRegistration)
	if err != nil {
		return Invoice{}, err
	}
	if err := tx.Commit(); err != nil {
		return Invoice{}, fmt.Errorf("billing: void %s: %w", number, err)
	}
	return credit, nil
}
