package billing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// clockAt is a clock reading the given Tokyo date at noon.
func clockAt(day string) func() time.Time {
	return func() time.Time { return d(day).Time().Add(12 * time.Hour) }
}

// mandated subscribes contractors, issues their first year on start and
// gives each a mandate.
func mandated(t *testing.T, b *Billing, start string, contractors ...string) {
	t.Helper()
	for _, c := range contractors {
		subscribe(t, b, c, "campaign-2023", start)
	}
	run(t, b, start)
	for i, c := range contractors {
		m := Mandate{ContractorID: c, BankCode: "0001", BranchCode: "100", AccountType: 1, AccountNumber: fmt.Sprint(1000 + i), Holder: "ヤマダ"}
		if _, err := b.SetMandate(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTransferFileFollowsBankRules: no empty file, no collection on a day
// banks are closed or too soon for the bank's lead time, and a batch can
// be withdrawn, freeing its invoices.
func TestTransferFileFollowsBankRules(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		b.now = clockAt("2026-04-20")
		mandated(t, b, "2026-04-01", "C1", "C2") // due 2026-05-01
		for _, tt := range []struct {
			on   string
			want error
			says string
		}{
			{"2026-04-30", ErrNothingToCollect, "nothing to collect on 2026-04-30"}, // nothing due yet
			{"2026-05-03", ErrNotBusinessDay, "2026-05-03 is a holiday (憲法記念日)"},
			{"2026-05-10", ErrNotBusinessDay, "2026-05-10 is a Sunday and banks are closed; the next business day is 2026-05-11"},
			{"2026-04-22", ErrTooLate, ""},
		} {
			if _, err := b.PrepareTransfers(ctx, d(tt.on), testCollector); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("collect on %s: %v, want %v saying %q", tt.on, err, tt.want, tt.says)
			}
		}
		// Friday before Golden Week: 5-7, 5-8 and 5-11 are the next three
		// business days, so 5-11 is the first date the bank can take.
		b.now = clockAt("2026-05-01")
		_, err := b.PrepareTransfers(ctx, d("2026-05-08"), testCollector)
		if !errors.Is(err, ErrTooLate) || !strings.Contains(err.Error(), "by 2026-04-30, and today is 2026-05-01: choose 2026-05-11 or later") {
			t.Errorf("lead time: %v", err)
		}
		slow := testCollector
		slow.LeadDays = 5
		if _, err := b.PrepareTransfers(ctx, d("2026-05-12"), slow); !errors.Is(err, ErrTooLate) {
			t.Errorf("a bank needing 5 business days: %v", err)
		}
		f, err := b.PrepareTransfers(ctx, d("2026-05-11"), testCollector)
		if err != nil || len(f.Records) != 2 {
			t.Fatalf("file %+v, %v", f.Records, err)
		}
		// The wrong date: take the batch back and collect on another day.
		n, sum, err := b.WithdrawTransfers(ctx, d("2026-05-11"))
		if err != nil || n != 2 || sum != 33000 {
			t.Errorf("withdraw: %d, %d, %v", n, sum, err)
		}
		if _, _, err := b.WithdrawTransfers(ctx, d("2026-05-11")); !errors.Is(err, ErrUnknownBatch) {
			t.Errorf("withdrawing it again: %v", err)
		}
		again, err := b.PrepareTransfers(ctx, d("2026-05-13"), testCollector)
		if err != nil || len(again.Records) != 2 || again.Records[0].NewCode != '1' || again.Records[0].CustomerNumber == f.Records[0].CustomerNumber {
			t.Fatalf("after the withdrawal: %+v, %v (want both again, still first transfers, new numbers)", again.Records, err)
		}
		// Should the bank debit the withdrawn file anyway, the money counts.
		f.Records[0].Result, f.Records[1].Result = ResultCollected, ResultInsufficientFunds
		result, _ := MarshalTransferFile(f, true)
		out, err := b.ApplyTransferResult(ctx, result)
		if err != nil || !out[0].Recorded || out[1].Recorded {
			t.Errorf("result of the withdrawn file: %+v, %v", out, err)
		}
		if in, _ := b.InvoiceByNumber(ctx, "2026-000001", ""); in.Balance() != 0 {
			t.Errorf("money collected from a withdrawn file not recorded: %+v", in)
		}
	})
}

// TestPayerStopStopsDebits: after a payer-side stop the invoice is not
// requested again and the mandate is flagged until the office acts;
// insufficient funds is simply tried again.
func TestPayerStopStopsDebits(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		b.now = clockAt("2026-04-20")
		mandated(t, b, "2026-04-01", "C1", "C2", "C3", "C4")
		f, err := b.PrepareTransfers(ctx, d("2026-05-08"), testCollector)
		if err != nil || len(f.Records) != 4 {
			t.Fatalf("%+v, %v", f.Records, err)
		}
		codes := []ResultCode{ResultStoppedByPayer, ResultInsufficientFunds, ResultNoAccount, ResultNoMandate}
		for i := range f.Records {
			f.Records[i].Result = codes[i]
		}
		result, _ := MarshalTransferFile(f, true)
		out, err := b.ApplyTransferResult(ctx, result)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range out {
			if o.MandateStopped != codes[i].PayerStopped() {
				t.Errorf("%s (%s): mandate stopped %v", o.ContractorID, o.Result, o.MandateStopped)
			}
		}
		stopped, err := b.Mandates(ctx, true)
		if err != nil || len(stopped) != 3 || stopped[0].ContractorID != "C1" || stopped[0].Stopped != ResultStoppedByPayer ||
			stopped[0].StoppedOn.String() != "2026-05-08" || stopped[0].StoppedBy != f.Records[0].CustomerNumber {
			t.Errorf("stopped mandates %+v, %v", stopped, err)
		}
		next, err := b.PrepareTransfers(ctx, d("2026-06-05"), testCollector)
		if err != nil || len(next.Records) != 1 || next.Records[0].Holder != "ﾔﾏﾀﾞ" || next.Records[0].AccountNumber != "0001001" {
			t.Fatalf("next request %+v, %v: want only C2 (insufficient funds)", next.Records, err)
		}
		if _, _, err := b.WithdrawTransfers(ctx, d("2026-06-05")); err != nil {
			t.Fatal(err)
		}
		// C1 agreed to pay by debit again; C3 gave a new account.
		if err := b.ResumeMandate(ctx, "C1"); err != nil {
			t.Fatal(err)
		}
		if err := b.ResumeMandate(ctx, "C2"); !errors.Is(err, ErrInvalidMandate) {
			t.Errorf("resume a mandate that is not stopped: %v", err)
		}
		m := Mandate{ContractorID: "C3", BankCode: "0005", BranchCode: "200", AccountType: 1, AccountNumber: "7777777", Holder: "ヤマダ"}
		if _, err := b.SetMandate(ctx, m); err != nil {
			t.Fatal(err)
		}
		last, err := b.PrepareTransfers(ctx, d("2026-06-10"), testCollector)
		if err != nil || len(last.Records) != 3 {
			t.Fatalf("after resume and a new mandate: %+v, %v (want C1, C2, C3; C4 still stopped)", last.Records, err)
		}
		if stopped, _ := b.Mandates(ctx, true); len(stopped) != 1 || stopped[0].ContractorID != "C4" {
			t.Errorf("still stopped: %+v", stopped)
		}
	})
}

// TestTransferResultRefusesWhatItCannotBook: money collected under a
// customer number never requested is reported (with the rest recorded),
// and a record of the wrong length is named, never padded.
func TestTransferResultRefusesWhatItCannotBook(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		b.now = clockAt("2026-04-20")
		mandated(t, b, "2026-04-01", "C1")
		f, err := b.PrepareTransfers(ctx, d("2026-05-08"), testCollector)
		if err != nil {
			t.Fatal(err)
		}
		stranger := f.Records[0]
		stranger.CustomerNumber, stranger.Amount = "00000000000000099999", 12345
		f.Records = append(f.Records, stranger, stranger)
		f.Records[2].CustomerNumber = "00000000000000099998"
		f.Records[0].Result, f.Records[1].Result, f.Records[2].Result = ResultCollected, ResultCollected, ResultInsufficientFunds
		result, _ := MarshalTransferFile(f, true)
		out, err := b.ApplyTransferResult(ctx, result)
		if !errors.Is(err, ErrUnknownCollected) || !strings.Contains(err.Error(), "customer number 00000000000000099999: 12,345 yen") ||
			strings.Contains(err.Error(), "99998") {
			t.Errorf("unknown collected: %v", err)
		}
		if len(out) != 3 || !out[0].Recorded {
			t.Errorf("outcomes %+v: the known record must still be recorded", out)
		}
		if s := Summarize(out); s.Records != 3 || s.Collected != 1 || s.CollectedAmount != 16500 || len(s.Unknown) != 2 ||
			s.UnknownAmount != 12345 || s.Failed != 0 || s.Already != 0 {
			t.Errorf("summary %+v: one collected, two unknown of which 12,345 yen collected", s)
		}
		if out, _ := b.ApplyTransferResult(ctx, result); Summarize(out).Already != 1 || Summarize(out).Collected != 0 {
			t.Errorf("read again: %+v", Summarize(out))
		}
		if in, _ := b.InvoiceByNumber(ctx, "2026-000001", ""); in.Paid != 16500 {
			t.Errorf("known record not recorded: %+v", in)
		}
	})
	good, err := MarshalTransferFile(TransferFile{Header: TransferHeader{CollectorCode: "1", CollectOn: d("2026-05-08"), BankCode: "1", BranchCode: "1", AccountNumber: "1"},
		Records: []TransferRecord{{BankCode: "1", BranchCode: "1", AccountType: 1, AccountNumber: "1", Holder: "ｱ", Amount: 100, CustomerNumber: "1", Result: ResultCollected}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	record := func(i int) string { return string(good[i*122 : i*122+120]) }
	short := record(0) + "\r\n" + record(1)[:119] + "\r\n" + record(2) + "\r\n" + record(3) + "\r\n"
	long := record(0) + "\r\n" + record(1) + " \r\n" + record(2) + "\r\n" + record(3) + "\r\n"
	for _, tt := range []struct {
		name string
		data string
		says string
	}{
		{"119-byte record 2", short, "record 2 (line 2) is 119 bytes, want 120"},
		{"121-byte record 2", long, "record 2 (line 2) is 121 bytes, want 120"},
		{"no line breaks, one byte short", string(bytes.ReplaceAll(good, []byte("\r\n"), nil)[1:]), "record 4 is 119 bytes"},
	} {
		if _, err := ParseTransferFile([]byte(tt.data)); !errors.Is(err, ErrMalformedRecord) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.says)
		}
	}
	if _, err := ParseTransferFile(append(bytes.ReplaceAll(good, []byte("\r\n"), []byte("\n")), 0x1a)); err != nil {
		t.Errorf("LF line ends and an EOF byte: %v", err)
	}
}
