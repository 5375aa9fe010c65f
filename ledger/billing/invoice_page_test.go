package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestInvoicePage: the console's list of invoices filters by dates,
// contractor, number and state, a page at a time, newest first.
func TestInvoicePage(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		for _, c := range []string{"C1", "C2", "C3"} {
			subscribe(t, b, c, "campaign-2023", "2024-04-01")
		}
		run(t, b, "2024-04-01") // 2024-000001..3
		if _, err := b.Pay(ctx, "2024-000001", "", 16500, d("2024-04-10"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Void(ctx, "2024-000002", "", d("2024-04-11"), "誤請求"); err != nil { // 2024-000004
			t.Fatal(err)
		}
		if _, err := b.Pay(ctx, "2024-000003", "", 16500, d("2024-04-12"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Credit(ctx, CreditRequest{Number: "2024-000003", On: d("2024-04-12"), Reason: "値引", Amount: 5000}); err != nil { // 2024-000005
			t.Fatal(err)
		}
		numbers := func(q InvoiceQuery) string {
			t.Helper()
			p, err := b.InvoicePage(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, in := range p.Rows {
				out = append(out, strings.TrimPrefix(in.Number, "2024-00000"))
			}
			return strings.Join(out, " ") + map[bool]string{true: " +", false: ""}[p.Next != ""]
		}
		for _, tt := range []struct {
			q    InvoiceQuery
			want string
		}{
			{InvoiceQuery{}, "5 4 3 2 1"},
			{InvoiceQuery{Limit: 2}, "5 4 +"},
			{InvoiceQuery{Limit: 2, After: "3"}, "2 1"},
			{InvoiceQuery{State: InvoiceUnpaid}, ""},
			{InvoiceQuery{State: InvoiceSettled}, "1"},
			{InvoiceQuery{State: InvoiceRefundDue}, "3"},
			{InvoiceQuery{State: InvoiceVoided}, "2"},
			{InvoiceQuery{State: InvoiceCreditNote}, "5 4"},
			{InvoiceQuery{ContractorID: "C3"}, "5 3"},
			{InvoiceQuery{Number: "2024-000003"}, "3"},
			{InvoiceQuery{From: d("2024-04-11"), To: d("2024-04-11")}, "4"},
			{InvoiceQuery{Number: "2024%"}, "5 4 3 2 1"},
		} {
			if got := numbers(tt.q); got != tt.want {
				t.Errorf("%+v: %q, want %q", tt.q, got, tt.want)
			}
		}
		if _, err := b.InvoicePage(ctx, InvoiceQuery{After: "x"}); !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("bad cursor: %v", err)
		}
		if _, err := ParseInvoiceState("paid"); !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("unknown state: %v", err)
		}

		det, err := b.InvoiceDetail(ctx, "2024-000003")
		if err != nil || len(det.Credits) != 1 || det.Credits[0].Number != "2024-000005" || det.Refundable != 5500 ||
			len(det.Payments) != 1 || len(det.History) != 2 || det.History[0].Action != "billing.invoice.credit" {
			t.Errorf("detail of a partly credited paid invoice: %+v, %v", det, err)
		}
		if det, err := b.InvoiceDetail(ctx, "2024-000005"); err != nil || det.Refundable != 5500 || det.Credits != nil {
			t.Errorf("detail of its credit note: refundable %d, %v", det.Refundable, err)
		}
		if det, err := b.InvoiceDetail(ctx, "2024-000004"); err != nil || det.Refundable != 0 {
			t.Errorf("credit note of an unpaid invoice: refundable %d, %v", det.Refundable, err)
		}
		if _, err := b.InvoiceDetail(ctx, "2024-999999"); !errors.Is(err, ErrUnknownInvoice) {
			t.Errorf("unknown invoice: %v", err)
		}
	})
}

// TestBatches: the transfer and refund batches as the console lists them.
func TestBatches(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		b.now = clockAt("2024-10-01")
		mandated(t, b, "2024-10-01", "C1", "C2", "C3")
		if _, err := b.Mandate(ctx, "C9"); !errors.Is(err, ErrNoMandate) {
			t.Errorf("no mandate: %v", err)
		}
		if m, err := b.Mandate(ctx, "C2"); err != nil || m.AccountNumber != "0001001" {
			t.Errorf("C2's mandate: %+v, %v", m, err)
		}
		f, err := b.PrepareTransfers(ctx, d("2024-11-05"), testCollector)
		if err != nil {
			t.Fatal(err)
		}
		f.Records[0].Result, f.Records[1].Result, f.Records[2].Result = ResultCollected, ResultInsufficientFunds, ResultCollected
		result, _ := MarshalTransferFile(f, false)
		if _, err := b.ApplyTransferResult(ctx, result); err != nil {
			t.Fatal(err)
		}
		if _, err := b.PrepareTransfers(ctx, d("2024-11-20"), testCollector); err != nil {
			t.Fatal(err)
		}
		bs, err := b.TransferBatches(ctx)
		got := ""
		for _, x := range bs {
			got += fmt.Sprintf("%s %d %d p%d/%d c%d/%d f%d w%d|", x.CollectOn, x.Count, x.Amount, x.Pending, x.PendingAmount,
				x.Collected, x.CollectedAmount, x.Failed, x.Withdrawn)
		}
		if want := "2024-11-20 1 16500 p1/16500 c0/0 f0 w0|2024-11-05 3 49500 p0/0 c2/33000 f1 w0|"; err != nil || got != want {
			t.Errorf("transfer batches %q, %v; want %q", got, err, want)
		}
		if _, err := b.Void(ctx, "2024-000001", "", d("2024-11-06"), "誤請求"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.PrepareRefunds(ctx, d("2024-11-12"), Payer(testCollector)); err != nil {
			t.Fatal(err)
		}
		rs, err := b.RefundBatches(ctx)
		if err != nil || len(rs) != 1 || rs[0].PayOn != d("2024-11-12") || rs[0].Count != 1 || rs[0].Amount != 16500 || rs[0].Pending != 1 {
			t.Errorf("refund batches %+v, %v", rs, err)
		}
	})
}
