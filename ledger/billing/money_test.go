package billing

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReceivablesArePointInTime: the report as of a date counts what was
// issued and paid by then, whatever was recorded afterwards.
func TestReceivablesArePointInTime(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		subscribe(t, b, "C1", "campaign-2023", "2024-04-01")
		subscribe(t, b, "C2", "campaign-2023", "2024-04-01")
		subscribe(t, b, "C3", "campaign-2023", "2024-06-01")
		run(t, b, "2024-04-01") // 2024-000001 C1, 2024-000002 C2, due 05-01
		run(t, b, "2024-06-01") // 2024-000003 C3
		if _, err := b.Pay(ctx, "2024-000001", "", 16500, d("2024-05-20"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Pay(ctx, "2024-000002", "", 6500, d("2024-04-20"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Credit(ctx, CreditRequest{Number: "2024-000002", On: d("2024-06-10"), Reason: "値引", Amount: 5000}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ asOf, want string }{
			// Paid after the date: still owed on it. The credit note of June
			// does not count in May; C3's invoice was not issued yet.
			{"2024-05-10", "2024-000001:16500:9:1-30 2024-000002:10000:9:1-30 "},
			{"2024-05-20", "2024-000002:10000:19:1-30 "},
			{"2024-06-10", "2024-000002:4500:40:31-60 2024-000003:16500:0:not-due "},
		} {
			rep, err := b.ReceivablesAsOf(ctx, d(tt.asOf))
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, r := range rep.Debts {
				got += fmt.Sprintf("%s:%d:%d:%s ", r.Number, r.Balance, r.DaysOverdue, r.Age)
			}
			if got != tt.want || len(rep.Credits) != 0 {
				t.Errorf("as of %s: %q, credits %+v; want %q", tt.asOf, got, rep.Credits, tt.want)
			}
		}
	})
}

// TestRefundOfAVoidedPaidInvoice: voiding a paid invoice leaves a credit
// (money to give back), shown apart from debts and in no ageing bucket;
// the refund is recorded against the credit note and settles it.
func TestRefundOfAVoidedPaidInvoice(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		subscribe(t, b, "C1", "campaign-2023", "2024-04-01")
		subscribe(t, b, "C2", "campaign-2023", "2024-04-01")
		run(t, b, "2024-04-01")
		if _, err := b.Pay(ctx, "2024-000001", "", 16500, d("2024-04-10"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		credit, err := b.Void(ctx, "2024-000001", "", d("2024-04-15"), "二重契約")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := b.ReceivablesAsOf(ctx, d("2024-06-15"))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Debts) != 1 || rep.Debts[0].Number != "2024-000002" || rep.Owed != 16500 || rep.ByAge[Age31to60] != 16500 {
			t.Errorf("debts %+v, owed %d, by age %v: want only 2024-000002, 16,500 in 31-60", rep.Debts, rep.Owed, rep.ByAge)
		}
		if len(rep.Credits) != 1 || rep.Credits[0].Number != "2024-000001" || rep.Credits[0].Balance != -16500 ||
			rep.Credits[0].Age != AgeUnknown || rep.Credits[0].DaysOverdue != 0 || rep.OwedBack != 16500 {
			t.Errorf("credits %+v, owed back %d: want 2024-000001 -16,500, not aged", rep.Credits, rep.OwedBack)
		}
		if _, err := b.Pay(ctx, "2024-000001", "", -16500, d("2024-04-20"), "振込", ""); !errors.Is(err, ErrInvalidPayment) {
			t.Errorf("a negative payment: %v", err)
		}
		for _, bad := range []struct {
			amount Yen
			on     string
			want   error
		}{{16501, "2024-04-20", ErrInvalidRefund}, {100, "2024-04-14", ErrBackdated}, {0, "2024-04-20", ErrInvalidRefund}} {
			if _, err := b.Refund(ctx, credit.Number, bad.amount, d(bad.on), "振込", ""); !errors.Is(err, bad.want) {
				t.Errorf("refund %d on %s: %v, want %v", bad.amount, bad.on, err, bad.want)
			}
		}
		p, err := b.Refund(ctx, credit.Number, 16500, d("2024-04-20"), "振込", "返金")
		if err != nil || p.Kind != PaymentRefund || p.Amount != -16500 || p.CreditNote != credit.Number {
			t.Fatalf("refund = %+v, %v", p, err)
		}
		rep, _ = b.ReceivablesAsOf(ctx, d("2024-06-15"))
		if len(rep.Credits) != 0 {
			t.Errorf("after the refund: credits %+v", rep.Credits)
		}
		rep, _ = b.ReceivablesAsOf(ctx, d("2024-04-19"))
		if len(rep.Credits) != 1 || rep.Credits[0].Balance != -16500 {
			t.Errorf("the day before the refund: credits %+v", rep.Credits)
		}
		if _, err := b.Refund(ctx, credit.Number, 1, d("2024-04-21"), "振込", ""); !errors.Is(err, ErrInvalidRefund) {
			t.Errorf("a second refund: %v", err)
		}
		in, _ := b.InvoiceByNumber(ctx, "2024-000001", "")
		if in.Balance() != 0 || in.Paid != 0 || len(in.Payments) != 2 {
			t.Errorf("invoice after refund %+v", in)
		}
	})
}

// TestWriteOffAndPartialCredit: a short payment forgiven with a reason,
// and partial credit notes whose last one takes back the rest of the tax.
func TestWriteOffAndPartialCredit(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		subscribe(t, b, "C1", "campaign-2023", "2024-04-01")
		subscribe(t, b, "C2", "campaign-2023", "2024-04-01")
		run(t, b, "2024-04-01")
		// C1 paid 16,500 less the bank's 440 yen charge.
		if _, err := b.Pay(ctx, "2024-000001", "", 16060, d("2024-04-25"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.WriteOff(ctx, "2024-000001", 440, d("2024-04-25"), ""); !errors.Is(err, ErrInvalidWriteOff) {
			t.Errorf("write-off without a reason: %v", err)
		}
		if _, err := b.WriteOff(ctx, "2024-000001", 441, d("2024-04-25"), "振込手数料差引"); !errors.Is(err, ErrInvalidWriteOff) {
			t.Errorf("write-off of more than the balance: %v", err)
		}
		if _, err := b.WriteOff(ctx, "2024-000001", 440, d("2024-04-25"), "振込手数料差引"); err != nil {
			t.Fatal(err)
		}
		in, _ := b.InvoiceByNumber(ctx, "2024-000001", "")
		if in.Balance() != 0 || in.Paid != 16060 || in.WrittenOff != 440 {
			t.Errorf("after the write-off %+v", in)
		}
		// C2: 5,001 yen back, then the rest. Tax on each note is rounded
		// on its own (500), and the last takes what is left (1,000), so the
		// invoice ends at zero, not at a yen of rounding.
		c1, err := b.Credit(ctx, CreditRequest{Number: "2024-000002", On: d("2024-05-01"), Reason: "一部解約", Amount: 5001})
		if err != nil || c1.Total != -5501 || c1.Tax != -500 || c1.Rates[0] != (RateTotal{10, -5001, -500}) {
			t.Fatalf("partial credit %+v, %v", c1, err)
		}
		if _, err := b.Credit(ctx, CreditRequest{Number: "2024-000002", On: d("2024-05-01"), Reason: "x", Amount: 1}); !errors.Is(err, ErrInvalidCredit) {
			t.Errorf("a second credit note on the same day: %v", err)
		}
		if _, err := b.Credit(ctx, CreditRequest{Number: "2024-000002", On: d("2024-05-02"), Reason: "x", Amount: 10000}); !errors.Is(err, ErrInvalidCredit) {
			t.Errorf("more than is left: %v", err)
		}
		c2, err := b.Void(ctx, "2024-000002", "", d("2024-05-02"), "解約")
		if err != nil || c2.Total != -10999 || c2.Tax != -1000 || c2.Subtotal != -9999 {
			t.Fatalf("credit of the rest %+v, %v", c2, err)
		}
		in, _ = b.InvoiceByNumber(ctx, "2024-000002", "")
		if in.Balance() != 0 || in.VoidedBy != c2.Number || in.Credited != -16500 {
			t.Errorf("after both credit notes %+v", in)
		}
		if c2.CreditOf != "2024-000002" || c2.Period != in.Period || c2.CreditOfDate != in.IssueDate {
			t.Errorf("credit note %+v does not show the invoice it credits", c2)
		}
		for _, x := range []Invoice{c1, c2} {
			if !strings.HasPrefix(x.Lines[0].Description, "返還・値引: 基本料金") && !strings.HasPrefix(x.Lines[0].Description, "取消: 残額") {
				t.Errorf("credit note line %q", x.Lines[0].Description)
			}
		}
	})
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got %q\nwant %q", name, got, want)
	}
}

var testPayer = Payer{Code: "1234567890", Name: "カ）デズラ", BankCode: "0001", BankName: "ミズホ", BranchCode: "001", BranchName: "トウキヨウ", AccountType: 1, AccountNumber: "1234567"}

// TestRefundFile pays refunds due by 総合振込 into the mandate's account:
// the file waits until the bank has paid, then each becomes a refund
// against its credit note; a contractor with no account is listed apart.
func TestRefundFile(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := t.Context()
		b.now = clockAt("2026-04-20")
		mandated(t, b, "2026-04-01", "C1", "C2")
		subscribe(t, b, "C3", "campaign-2023", "2026-04-01")
		run(t, b, "2026-04-01")
		for _, n := range []string{"2026-000001", "2026-000002", "2026-000003"} {
			if _, err := b.Pay(ctx, n, "", 16500, d("2026-04-10"), "振込", ""); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Void(ctx, n, "", d("2026-04-15"), "解約"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.Refund(ctx, "2026-000005", 1000, d("2026-04-16"), "現金", "窓口"); err != nil { // C2's credit note
			t.Fatal(err)
		}
		batch, err := b.PrepareRefunds(ctx, d("2026-05-11"), testPayer)
		if err != nil {
			t.Fatal(err)
		}
		if batch.File.Count != 2 || batch.File.Amount != 32000 || len(batch.NoAccount) != 1 || batch.NoAccount[0].Number != "2026-000003" {
			t.Fatalf("batch %+v", batch)
		}
		file, err := MarshalCreditTransferFile(batch.File, true)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "refund_request.golden", file)
		if len(file) != 5*122 || string(file[:4]) != "1210" || string(file[122:123]) != "2" || string(file[122*3:122*3+19]) != "8000002000000032000" {
			t.Errorf("not a 総合振込 file of 2 records and 32,000 yen: %q", file)
		}
		again, _ := b.PrepareRefunds(ctx, d("2026-05-11"), testPayer)
		if f2, _ := MarshalCreditTransferFile(again.File, true); !bytes.Equal(f2, file) {
			t.Error("preparing the same date twice gave another file")
		}
		if _, err := b.Refund(ctx, "2026-000004", 1, d("2026-04-20"), "振込", ""); !errors.Is(err, ErrInvalidRefund) {
			t.Errorf("a refund by hand of what the file pays: %v", err)
		}
		n, sum, err := b.ConfirmRefunds(ctx, d("2026-05-11"))
		if err != nil || n != 2 || sum != 32000 {
			t.Fatalf("confirm %d, %d, %v", n, sum, err)
		}
		rep, _ := b.ReceivablesAsOf(ctx, d("2026-05-11"))
		if len(rep.Credits) != 1 || rep.Credits[0].Number != "2026-000003" {
			t.Errorf("credits after the refunds %+v", rep.Credits)
		}
		in, _ := b.InvoiceByNumber(ctx, "2026-000001", "")
		if in.Balance() != 0 || in.Payments[1].Method != "総合振込" || in.Payments[1].CreditNote != "2026-000004" || in.Payments[1].PaidOn.String() != "2026-05-11" {
			t.Errorf("refunded invoice %+v", in)
		}
		if _, _, err := b.WithdrawRefunds(ctx, d("2026-05-11")); !errors.Is(err, ErrUnknownBatch) {
			t.Errorf("withdraw after confirm: %v", err)
		}
		if _, err := b.PrepareRefunds(ctx, d("2026-05-12"), testPayer); !errors.Is(err, ErrNothingToCollect) {
			t.Errorf("nothing left with an account: %v", err)
		}
	})
}

// TestVoidAfterWriteOff: a write-off is not money. Voiding an invoice
// that was paid short and written off owes back the money received, not
// the amount forgiven too; once that is refunded nothing stands.
func TestVoidAfterWriteOff(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		subscribe(t, b, "C1", "campaign-2023", "2024-04-01")
		run(t, b, "2024-04-01")
		if _, err := b.Pay(ctx, "2024-000001", "", 16060, d("2024-04-20"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.WriteOff(ctx, "2024-000001", 440, d("2024-04-20"), "振込手数料差引"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Void(ctx, "2024-000001", "", d("2024-04-25"), "誤請求"); err != nil {
			t.Fatal(err)
		}
		det, err := b.InvoiceDetail(ctx, "2024-000002")
		if err != nil || det.Refundable != 16060 {
			t.Fatalf("refundable on the credit note: %d, %v; want 16,060 (the money received)", det.Refundable, err)
		}
		if _, err := b.Refund(ctx, "2024-000002", 16500, d("2024-04-26"), "振込", ""); !errors.Is(err, ErrInvalidRefund) {
			t.Errorf("refund of the amount forgiven too: %v", err)
		}
		if _, err := b.Refund(ctx, "2024-000002", 16060, d("2024-04-26"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		rep, err := b.ReceivablesAsOf(ctx, d("2024-05-01"))
		if err != nil || len(rep.Debts)+len(rep.Credits) != 0 {
			t.Errorf("after the refund: debts %+v credits %+v (%v)", rep.Debts, rep.Credits, err)
		}
		for _, st := range []InvoiceState{InvoiceUnpaid, InvoiceRefundDue} {
			if p, err := b.InvoicePage(ctx, InvoiceQuery{State: st}); err != nil || len(p.Rows) != 0 {
				t.Errorf("%s after the refund: %d rows (%v)", st, len(p.Rows), err)
			}
		}
	})
}
