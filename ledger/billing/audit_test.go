package billing

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/audit"
)

// auditCount is the number of records in the audit log.
func auditCount(t *testing.T, b *Billing) int {
	t.Helper()
	var n int
	if err := b.db.QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// lastChange is the newest audit record of object.
func lastChange(t *testing.T, b *Billing, object string) (ledger.Change, map[string]any, map[string]any) {
	t.Helper()
	h, err := b.History(context.Background(), object)
	if err != nil || len(h) == 0 {
		t.Fatalf("history of %s: %v, %d records", object, err, len(h))
	}
	var before, after map[string]any
	if h[0].Before != "" {
		if err := json.Unmarshal([]byte(h[0].Before), &before); err != nil {
			t.Fatal(err)
		}
	}
	if err := json.Unmarshal([]byte(h[0].After), &after); err != nil {
		t.Fatal(err)
	}
	return h[0], before, after
}

// TestEveryChangeIsAudited: each billing change writes one audit record
// with the context's actor, the object and what it was before and after,
// in the change's transaction; a refused change writes none.
func TestEveryChangeIsAudited(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := ledger.WithActor(context.Background(), ledger.Actor{Kind: "user", Name: "keiri"})
		register(t, b, "C1", "C2")
		type step struct {
			name, object, action string
			do                   func() error
			want                 func(before, after map[string]any) bool
		}
		steps := []step{
			{"add plan", "billing-plan:spring", "billing.plan.add", func() error {
				return b.AddPlan(ctx, Plan{Name: "spring", AnnualFee: 12000, TaxRate: 10, AvailableFrom: d("2024-04-01")})
			}, func(bf, af map[string]any) bool { return bf == nil && af["annual_fee"] == 12000.0 }},
			{"close plan", "billing-plan:spring", "billing.plan.close", func() error { return b.ClosePlan(ctx, "spring", d("2024-09-30")) },
				func(bf, af map[string]any) bool {
					return bf["available_until"] == "" && af["available_until"] == "2024-09-30"
				}},
			{"issuer", "billing-issuer", "billing.issuer.set", func() error {
				_, err := b.SetIssuer(ctx, IssuerSettings{Name: testIssuer.Name, Registration: testIssuer.Registration})
				return err
			}, func(bf, af map[string]any) bool { return bf == nil && af["registration"] == testIssuer.Registration }},
			{"subscribe", "billing-subscription:1", "billing.subscription.add", func() error {
				_, err := b.Subscribe(ctx, "C1", "", "campaign-2023", d("2024-04-01"))
				return err
			}, func(bf, af map[string]any) bool {
				return af["contractor_id"] == "C1" && af["recipient"] == "C1 建設 御中"
			}},
			{"run", "billing-run:2024-04-01", "billing.run", func() error {
				_, err := b.Run(ctx, RunOptions{AsOf: d("2024-04-01")})
				return err
			}, func(bf, af map[string]any) bool { return af["first"] == "2024-000001" && af["total"] == 16500.0 }},
			{"pay", "billing-invoice:2024-000001", "billing.invoice.pay", func() error {
				_, err := b.Pay(ctx, "2024-000001", "", 16060, d("2024-04-20"), "振込", "")
				return err
			}, func(bf, af map[string]any) bool {
				return bf["balance"] == 16500.0 && af["balance"] == 440.0 && af["amount"] == 16060.0
			}},
			{"write off", "billing-invoice:2024-000001", "billing.invoice.write_off", func() error {
				_, err := b.WriteOff(ctx, "2024-000001", 440, d("2024-04-20"), "振込手数料差引")
				return err
			}, func(bf, af map[string]any) bool {
				return af["balance"] == 0.0 && af["reason"] == "振込手数料差引"
			}},
			{"void", "billing-invoice:2024-000001", "billing.invoice.void", func() error {
				_, err := b.Void(ctx, "2024-000001", "", d("2024-04-25"), "誤請求")
				return err
			}, func(bf, af map[string]any) bool {
				return bf["voided_by"] == "" && af["voided_by"] == "2024-000002" && af["balance"] == -16060.0
			}},
			{"refund", "billing-invoice:2024-000001", "billing.invoice.refund", func() error {
				_, err := b.Refund(ctx, "2024-000002", 16060, d("2024-04-26"), "振込", "")
				return err
			}, func(bf, af map[string]any) bool { return af["credit_note"] == "2024-000002" && af["balance"] == 0.0 }},
			{"contact", "billing-contact:C1", "billing.contact.set", func() error { return b.SetContact(ctx, "C1", "keiri@example.co.jp") },
				func(bf, af map[string]any) bool { return bf["email"] == "" && af["email"] == "keiri@example.co.jp" }},
			{"mandate", "billing-mandate:C2", "billing.mandate.set", func() error {
				_, err := b.SetMandate(ctx, Mandate{ContractorID: "C2", BankCode: "0001", BranchCode: "100", AccountType: 1, AccountNumber: "1234567", Holder: "ｼｰﾂｰ"})
				return err
			}, func(bf, af map[string]any) bool { return bf == nil && af["account_number"] == "1234567" }},
			{"cancel", "billing-subscription:1", "billing.subscription.cancel", func() error { return b.Cancel(ctx, 1, d("2025-04-01")) },
				func(bf, af map[string]any) bool { return af["cancelled_on"] == "2025-04-01" }},
		}
		for _, s := range steps {
			before := auditCount(t, b)
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if n := auditCount(t, b); n != before+1 {
				t.Errorf("%s: %d audit records, want %d", s.name, n, before+1)
			}
			c, bf, af := lastChange(t, b, s.object)
			if c.Action != s.action || c.Actor != "user:keiri" || c.ContractorID != "" || !s.want(bf, af) {
				t.Errorf("%s: %s by %s (contractor %q): %s -> %s", s.name, c.Action, c.Actor, c.ContractorID, c.Before, c.After)
			}
		}
		// Refused changes write nothing.
		before := auditCount(t, b)
		for name, err := range map[string]error{
			"overpay":       errOf(b.Pay(ctx, "2024-000001", "", 1, d("2024-05-01"), "振込", "")),
			"close unknown": b.ClosePlan(ctx, "nosuch", d("2024-09-30")),
			"resume":        b.ResumeMandate(ctx, "C2"),
			"cancel twice":  b.Cancel(ctx, 1, d("2025-04-01")),
		} {
			if err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		if n := auditCount(t, b); n != before {
			t.Errorf("refused changes wrote %d audit records", n-before)
		}
		// Without an actor the record says so rather than being lost.
		if err := b.SetContact(context.Background(), "C2", "c2@example.co.jp"); err != nil {
			t.Fatal(err)
		}
		if c, _, _ := lastChange(t, b, "billing-contact:C2"); c.Actor != ledger.Unattributed.String() {
			t.Errorf("a change without an actor is by %q", c.Actor)
		}
		// The contractor's own change log does not show billing's records.
		p, err := audit.List(ctx, b.h, audit.Filter{ContractorID: "C1"})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Rows {
			if strings.HasPrefix(c.Action, "billing.") {
				t.Errorf("contractor C1's change log shows %s %s", c.Action, c.Object)
			}
		}
	})
}

func errOf[T any](_ T, err error) error { return err }

// TestAdviceOfRefusedDatesAndAmounts: the error of a refused date or
// amount carries the date or amount that would do.
func TestAdviceOfRefusedDatesAndAmounts(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		subscribe(t, b, "C1", "campaign-2023", "2024-04-01")
		run(t, b, "2024-04-01")
		var da *DateAdvice
		if _, err := b.Pay(ctx, "2024-000001", "", 100, d("2024-03-31"), "振込", ""); !errors.As(err, &da) || da.Earliest != d("2024-04-01") ||
			!errors.Is(err, ErrBackdated) {
			t.Errorf("payment before the invoice: %v", err)
		}
		if _, err := b.Run(ctx, RunOptions{AsOf: d("2024-05-01"), Today: d("2024-04-10")}); !errors.As(err, &da) || da.Latest != d("2024-04-10") ||
			!errors.Is(err, ErrFutureDate) {
			t.Errorf("run in the future: %v", err)
		}
		if _, err := b.Run(ctx, RunOptions{AsOf: d("2024-05-01"), Today: d("2024-04-10"), DryRun: true}); err != nil {
			t.Errorf("dry run in the future: %v", err)
		}
		if err := CheckCollectionDate(d("2026-05-03"), d("2026-04-01"), 3); !errors.As(err, &da) || da.Earliest != d("2026-05-07") {
			t.Errorf("collection on Constitution Day: %v", err)
		}
		var aa *AmountAdvice
		if _, err := b.Pay(ctx, "2024-000001", "", 20000, d("2024-04-02"), "振込", ""); !errors.As(err, &aa) || aa.Max != 16500 {
			t.Errorf("overpayment: %v", err)
		}
		if _, err := b.Credit(ctx, CreditRequest{Number: "2024-000001", On: d("2024-04-02"), Reason: "値引", Amount: 15001}); !errors.As(err, &aa) || aa.Max != 15000 {
			t.Errorf("credit over the invoice: %v", err)
		}
	})
}
