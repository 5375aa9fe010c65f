package billing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
)

var testCollector = Collector{Code: "1234567890", Name: "カ）デズラ", BankCode: "0005", BranchCode: "001", AccountType: 1, AccountNumber: "1234567"}

func TestMandateNormalize(t *testing.T) {
	t.Parallel()
	ok := Mandate{ContractorID: "C1", BankCode: "0001", BranchCode: "100", AccountType: 1, AccountNumber: "123", Holder: "カ）ヤマダケンセツ"}
	m, err := ok.Normalize()
	if err != nil || m.AccountNumber != "0000123" || m.Holder != "ｶ)ﾔﾏﾀﾞｹﾝｾﾂ" {
		t.Errorf("Normalize = %+v, %v", m, err)
	}
	bad := []func(*Mandate){
		func(m *Mandate) { m.BankCode = "1" },
		func(m *Mandate) { m.BranchCode = "1000" },
		func(m *Mandate) { m.AccountType = 4 },
		func(m *Mandate) { m.AccountNumber = "12345678" },
		func(m *Mandate) { m.Holder = "山田建設" },
		func(m *Mandate) { m.Holder = "" },
		func(m *Mandate) { m.Holder = "ガギグゲゴザジズゼゾダヂヅデド" }, // 30 after conversion: fits
		func(m *Mandate) { m.Holder = "ガギグゲゴザジズゼゾダヂヅデドバ" },
	}
	for i, f := range bad {
		m := ok
		f(&m)
		_, err := m.Normalize()
		if i == 6 {
			if err != nil {
				t.Errorf("case %d: %v", i, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidMandate) {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func TestAccountTransferRoundTrip(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		for _, c := range []string{"C1", "C2", "C3"} {
			subscribe(t, b, c, "campaign-2023", "2024-10-01")
		}
		run(t, b, "2024-10-01") // 2024-000001..3, due 2024-10-31
		if _, err := b.Pay(ctx, "2024-000002", "", 6500, d("2024-10-10"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		for _, m := range []Mandate{
			{ContractorID: "C1", BankCode: "0001", BranchCode: "100", AccountType: 1, AccountNumber: "123", Holder: "カ）ヤマダケンセツ"},
			{ContractorID: "C2", BankCode: "0009", BranchCode: "250", AccountType: 2, AccountNumber: "7654321", Holder: "すずき いちろう"},
		} {
			if _, err := b.SetMandate(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if f, err := b.PrepareTransfers(ctx, d("2024-10-30"), testCollector); !errors.Is(err, ErrNothingToCollect) {
			t.Errorf("before the due date: %+v, %v", f.Records, err)
		}
		f, err := b.PrepareTransfers(ctx, d("2024-11-05"), testCollector)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, r := range f.Records {
			got += fmt.Sprintf("%s %s %d %c|", r.CustomerNumber, r.Holder, r.Amount, r.NewCode)
		}
		if want := "00000000000000000001 ｶ)ﾔﾏﾀﾞｹﾝｾﾂ 16500 1|00000000000000000002 ｽｽﾞｷ ｲﾁﾛｳ 10000 1|"; got != want {
			t.Errorf("records %q, want %q", got, want)
		}
		file1, err := MarshalTransferFile(f, false)
		if err != nil || len(file1) != 5*120 {
			t.Fatalf("file %d bytes, %v", len(file1), err)
		}
		again, _ := b.PrepareTransfers(ctx, d("2024-11-05"), testCollector)
		if file2, _ := MarshalTransferFile(again, false); !bytes.Equal(file1, file2) {
			t.Error("preparing the same date twice gave a different file")
		}
		if _, err := b.ApplyTransferResult(ctx, file1); !errors.Is(err, ErrMalformedRecord) {
			t.Errorf("reading the request as a result = %v", err)
		}
		// The bank's answer: C1 collected, C2 short of funds.
		f.Records[0].Result, f.Records[1].Result = ResultCollected, ResultInsufficientFunds
		result, err := MarshalTransferFile(f, true)
		if err != nil {
			t.Fatal(err)
		}
		for pass := 1; pass <= 2; pass++ {
			outcomes, err := b.ApplyTransferResult(ctx, result)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, o := range outcomes {
				got += fmt.Sprintf("%s %s %v|", o.InvoiceNumber, o.Result, o.Recorded)
			}
			want := fmt.Sprintf("2024-000001 collected %v|2024-000002 insufficient-funds %v|", pass == 1, pass == 1)
			if got != want {
				t.Errorf("pass %d: %q, want %q", pass, got, want)
			}
		}
		in1, _ := b.InvoiceByNumber(ctx, "2024-000001", "")
		if in1.Paid != 16500 || len(in1.Payments) != 1 || in1.Payments[0].PaidOn.String() != "2024-11-05" || in1.Payments[0].Method != "口座振替" {
			t.Errorf("collected invoice %+v", in1)
		}
		in2, _ := b.InvoiceByNumber(ctx, "2024-000002", "")
		if in2.Balance() != 10000 {
			t.Errorf("failed invoice balance %d", in2.Balance())
		}
		// C2 pays by bank transfer meanwhile, then the second attempt is
		// collected as well: the money is recorded and flagged for refund.
		retry, err := b.PrepareTransfers(ctx, d("2024-11-20"), testCollector)
		if err != nil || len(retry.Records) != 1 || retry.Records[0].NewCode != '0' {
			t.Fatalf("retry %+v, %v", retry.Records, err)
		}
		if _, err := b.Pay(ctx, "2024-000002", "", 10000, d("2024-11-18"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		retry.Records[0].Result = ResultCollected
		retryResult, _ := MarshalTransferFile(retry, false)
		outcomes, err := b.ApplyTransferResult(ctx, retryResult)
		if err != nil || len(outcomes) != 1 || !outcomes[0].Recorded || !outcomes[0].RefundDue {
			t.Fatalf("collected after manual payment: %+v, %v", outcomes, err)
		}
		rep, _ := b.ReceivablesAsOf(ctx, d("2024-12-01"))
		if len(rep.Debts) != 1 || rep.Debts[0].Number != "2024-000003" || // C3 has no mandate
			len(rep.Credits) != 1 || rep.Credits[0].Number != "2024-000002" || rep.Credits[0].Balance != -10000 || rep.OwedBack != 10000 {
			t.Errorf("refund due not shown apart from the debts: %+v", rep)
		}
		// Nothing unpaid is left to request.
		if next, err := b.PrepareTransfers(ctx, d("2024-12-05"), testCollector); !errors.Is(err, ErrNothingToCollect) {
			t.Errorf("after everything is paid: %+v, %v", next.Records, err)
		}
	})
}

func TestAccountTransferRetry(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		subscribe(t, b, "C2", "campaign-2023", "2024-10-01")
		run(t, b, "2024-10-01")
		m := Mandate{ContractorID: "C2", BankCode: "0009", BranchCode: "250", AccountType: 2, AccountNumber: "7654321", Holder: "すずき いちろう"}
		for range 2 { // saving the same mandate twice is not a change
			if _, err := b.SetMandate(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		f, err := b.PrepareTransfers(ctx, d("2024-11-05"), testCollector)
		if err != nil || len(f.Records) != 1 {
			t.Fatalf("%+v, %v", f.Records, err)
		}
		if f.Records[0].NewCode != '1' {
			t.Errorf("first transfer has 新規コード %c", f.Records[0].NewCode)
		}
		f.Records[0].Result = ResultNoAccount
		result, _ := MarshalTransferFile(f, false)
		if _, err := b.ApplyTransferResult(ctx, result); err != nil {
			t.Fatal(err)
		}
		// The failed one is requested again next time, with a new customer
		// number; the account was corrected, so its 新規コード is 2.
		if _, err := b.SetMandate(ctx, Mandate{ContractorID: "C2", BankCode: "0009", BranchCode: "250", AccountType: 1, AccountNumber: "1111111", Holder: "すずき いちろう"}); err != nil {
			t.Fatal(err)
		}
		next, err := b.PrepareTransfers(ctx, d("2024-12-05"), testCollector)
		if err != nil || len(next.Records) != 1 || next.Records[0].CustomerNumber != "00000000000000000002" || next.Records[0].NewCode != '2' || next.Records[0].Amount != 16500 {
			t.Errorf("next request %+v, %v", next.Records, err)
		}
	})
}

func TestMandateVersionOnlyOnChange(t *testing.T) {
	t.Parallel()
	b := openTest(t, backends[0].url(t))
	ctx := context.Background()
	register(t, b, "C9")
	m := Mandate{ContractorID: "C9", BankCode: "0001", BranchCode: "100", AccountType: 1, AccountNumber: "1", Holder: "ア"}
	version := func() (v int) {
		t.Helper()
		if err := b.db.QueryRow(`SELECT version FROM billing_mandates WHERE contractor_id = 'C9'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for i, step := range []struct {
		change func(*Mandate)
		want   int
	}{
		{func(*Mandate) {}, 1},
		{func(*Mandate) {}, 1},
		{func(m *Mandate) { m.BankName = "ミズホ" }, 1}, // a name for display is not an account change
		{func(m *Mandate) { m.AccountNumber = "2" }, 2},
		{func(m *Mandate) { m.Holder = "イ" }, 3},
	} {
		step.change(&m)
		if _, err := b.SetMandate(ctx, m); err != nil {
			t.Fatal(err)
		}
		if got := version(); got != step.want {
			t.Errorf("step %d: version %d, want %d", i, got, step.want)
		}
	}
}
