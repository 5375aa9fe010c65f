package billing

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// TestExportYayoi: the journal of a month with an invoice at each rate, a
// partial credit note, a payment short by the bank charge written off and
// a refund, as 弥生会計 imports it (testdata/yayoi_journal.golden.csv,
// kept in UTF-8 to be read; the file itself is Shift_JIS).
func TestExportYayoi(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := t.Context()
		if err := b.AddPlan(ctx, Plan{Name: "food", AnnualFee: 10000, TaxRate: 8, ReducedRate: true, AvailableFrom: d("2026-01-01")}); err != nil {
			t.Fatal(err)
		}
		subscribe(t, b, "C1", "campaign-2023", "2026-04-01")
		subscribe(t, b, "F1", "food", "2026-04-01")
		run(t, b, "2026-04-01") // 2026-000001 C1 16,500; 2026-000002 F1 10,800
		if _, err := b.Pay(ctx, "2026-000001", "", 16060, d("2026-04-20"), "振込", "ﾀﾅｶｺｳﾑﾃﾝ"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.WriteOff(ctx, "2026-000001", 440, d("2026-04-20"), "振込手数料差引"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Pay(ctx, "2026-000002", "", 10800, d("2026-04-21"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Credit(ctx, CreditRequest{Number: "2026-000002", On: d("2026-04-25"), Reason: "値引", Amount: 1000}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Refund(ctx, "2026-000003", 1080, d("2026-04-28"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		var raw bytes.Buffer
		if err := b.ExportYayoi(ctx, &raw, d("2026-04-01"), d("2026-04-30"), DefaultYayoiAccounts); err != nil {
			t.Fatal(err)
		}
		text, err := japanese.ShiftJIS.NewDecoder().String(raw.String())
		if err != nil {
			t.Fatal(err)
		}
		if back, _ := japanese.ShiftJIS.NewEncoder().String(text); back != raw.String() {
			t.Error("the export is not Shift_JIS")
		}
		if strings.Count(text, "\r\n") != strings.Count(text, "\n") || strings.Count(text, "\r\n") != 7 {
			t.Errorf("want 7 lines ending in CR LF:\n%q", text)
		}
		for i, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
			if n := strings.Count(line, ",") + 1; n != 25 {
				t.Errorf("line %d has %d columns, want 25: %s", i+1, n, line)
			}
		}
		golden(t, "yayoi_journal.golden.csv", []byte(text))
	})
}
