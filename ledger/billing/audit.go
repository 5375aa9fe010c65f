package billing

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/audit"
)

// Billing's changes are written to the ledger's audit log (ledger/audit)
// in the same transaction as the change, with the actor the context
// carries (ledger.WithActor: the console's user, the CLI's OS user, the
// scheduler), like the ledger's own changes. The records carry no
// contractor ID: a contractor's change log (its admin's /history) is of
// its registrations; billing's records are read on billing's screens
// (History) and by the operator.
//
// The objects are "billing-plan:NAME", "billing-subscription:ID",
// "billing-invoice:NUMBER" (payments, write-offs, refunds, credit notes,
// copies handed out and mail of that invoice), "billing-run:DATE" (a
// run's invoices, one record per batch of numbers), "billing-issuer",
// "billing-contact:CONTRACTOR", "billing-mandate:CONTRACTOR",
// "billing-transfers:DATE", "billing-transfer-result", "billing-refunds:DATE"
// and "billing-print".

// audit writes the record of a change in tx.
func (b *Billing) audit(ctx context.Context, tx *sql.Tx, action, object string, before, after any) error {
	return audit.Write(ctx, tx, b.h.Dialect(), b.now(), audit.Record{Action: "billing." + action, Object: object, Before: before, After: after})
}

// Audit objects.
func planObject(name string) string      { return "billing-plan:" + name }
func invoiceObject(number string) string { return "billing-invoice:" + number }
func mandateObject(contractor string) string {
	return "billing-mandate:" + contractor
}

// HistoryLimit is how many changes History returns at most.
const HistoryLimit = 50

// History returns the newest changes of one billing object (e.g.
// "billing-invoice:2026-000001"), newest first.
func (b *Billing) History(ctx context.Context, object string) ([]ledger.Change, error) {
	p, err := audit.List(ctx, b.h, audit.Filter{All: true, Object: object, Limit: HistoryLimit})
	return p.Rows, err
}

// auditedPlan is a plan as the audit log keeps it.
func auditedPlan(p Plan) map[string]any {
	return map[string]any{"initial_fee": int64(p.InitialFee), "annual_fee": int64(p.AnnualFee), "per_attendance": int64(p.PerAttendance),
		"tax_rate": p.TaxRate, "available_from": p.AvailableFrom.String(), "available_until": p.AvailableUntil.String()}
}

// auditedIssuer is the issuer's settings as the audit log keeps them: the
// seal as its size and a digest, not the image.
func auditedIssuer(s IssuerSettings) map[string]any {
	m := map[string]any{"name": s.Name, "registration": s.Registration, "postcode": s.Postcode, "address": s.Address,
		"phone": s.Phone, "email": s.Email, "bank_name": s.Bank.BankName, "branch_name": s.Bank.BranchName,
		"account_type": s.Bank.AccountType, "account_number": s.Bank.AccountNumber, "account_holder": s.Bank.Holder,
		"payment_days": s.PaymentDays, "seal": ""}
	if len(s.SealPNG) > 0 {
		sum := sha256.Sum256(s.SealPNG)
		m["seal"] = hex.EncodeToString(sum[:8])
	}
	return m
}

// auditedMandate is a mandate as the audit log keeps it.
func auditedMandate(m Mandate) map[string]any {
	return map[string]any{"bank_code": m.BankCode, "bank_name": m.BankName, "branch_code": m.BranchCode, "branch_name": m.BranchName,
		"account_type": m.AccountType, "account_number": m.AccountNumber, "holder": m.Holder}
}

// auditedMoney is what an invoice stood at, for a change of its money.
func auditedMoney(in Invoice) map[string]any {
	return map[string]any{"paid": int64(in.Paid), "written_off": int64(in.WrittenOff), "credited": int64(in.Credited),
		"balance": int64(in.Balance()), "voided_by": in.VoidedBy}
}

// auditMoney records money recorded against invoice in (as it stood
// before): a payment, a refund or a write-off.
func (b *Billing) auditMoney(ctx context.Context, tx *sql.Tx, in Invoice, p Payment) error {
	after := in
	if p.Kind == PaymentWriteOff {
		after.WrittenOff += p.Amount
	} else {
		after.Paid += p.Amount
	}
	a := auditedMoney(after)
	a["amount"], a["date"], a["method"] = int64(p.Amount), p.PaidOn.String(), p.Method
	for k, v := range map[string]string{"reference": p.Reference, "reason": p.Reason, "credit_note": p.CreditNote} {
		if v != "" {
			a[k] = v
		}
	}
	action := map[PaymentKind]string{PaymentReceived: "invoice.pay", PaymentRefund: "invoice.refund", PaymentWriteOff: "invoice.write_off"}[p.Kind]
	return b.audit(ctx, tx, action, invoiceObject(in.Number), auditedMoney(in), a)
}
