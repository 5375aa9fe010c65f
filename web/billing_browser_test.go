package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/dezura/dezura/ledger/billing"
	"github.com/dezura/dezura/web/browsertest"
)

// The billing screens as billing staff use them, in Debian's chromium:
// a run previewed and made, an invoice viewed and handed out as a PDF
// (read back with pdftotext), a payment typed as on the invoice, a void
// that issues a credit note, and the receivables as of a date.
func TestBrowserBilling(t *testing.T) {
	for _, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			c := newConsole(t, kind, nil)
			ctx := browsertest.New(t, browsertest.Desktop)
			c.signInBrowser(t, ctx, "billing", password, "ul.menu")

			do(t, ctx, chromedp.Navigate(c.url+"/billing/subscriptions/new"), fill("#f-ContractorID", "NOSUCH"),
				submit(`main form button[type=submit]`, "#e-ContractorID"))
			wantText(t, ctx, "#e-ContractorID", "登録されていない事業者IDです")
			do(t, ctx, fill("#f-ContractorID", c.bs.NewContractor), submit(`main form button[type=submit]`, ".notice"))

			number := previewAndRun(t, c, ctx)
			do(t, ctx, submit(`#run-done a[href="/billing/invoices/`+number+`"]`, "#number"))
			wantText(t, ctx, "#recipient", "新規工務店 御中")
			wantText(t, ctx, "#total", "16,500円")
			handOut(t, ctx, number)

			// A payment typed as the invoice prints it; a mistyped one is
			// refused beside its field.
			do(t, ctx, fill("#f-PayAmount", "16.500"), submit("#pay", "#e-PayAmount"))
			wantText(t, ctx, "#e-PayAmount", "円単位の数字で入力してください")
			do(t, ctx, fill("#f-PayAmount", "16,500"), submit("#pay", ".notice"))
			wantText(t, ctx, ".notice", "入金を記録しました")
			wantText(t, ctx, "#paid", "16,500円")
			wantText(t, ctx, "#balance", "0円")
			if in, err := c.bill.InvoiceByNumber(t.Context(), number, ""); err != nil || in.Paid != 16500 || in.Balance() != 0 {
				t.Errorf("after the payment: %+v, %v", in, err)
			}

			// Void: a credit note for all of it, and a refund due.
			do(t, ctx, fill("#f-VoidReason", "誤請求"), submit("#void", ".notice"))
			wantText(t, ctx, ".notice", "この返還請求書を発行しました")
			wantText(t, ctx, "h1", "返還請求書")
			credit := textOf(t, ctx, "#number")
			wantText(t, ctx, "#invoice", number)
			wantText(t, ctx, "#refund-form", "16,500円")
			if in, err := c.bill.InvoiceByNumber(t.Context(), number, ""); err != nil || in.VoidedBy != credit || in.Balance() != -16500 {
				t.Errorf("after the void: voided by %q (credit note %q), balance %d, %v", in.VoidedBy, credit, in.Balance(), err)
			}

			receivablesAsOf(t, c, ctx, number)
		})
	}
}

// previewAndRun previews the run of today (one invoice due, 16,500円),
// makes it, and returns the number issued.
func previewAndRun(t *testing.T, c *console, ctx context.Context) string {
	t.Helper()
	do(t, ctx, chromedp.Navigate(c.url+"/billing/run"), chromedp.WaitVisible(chromedp.CSS("#preview")),
		submit("#preview", "#run-preview"))
	wantText(t, ctx, "#run-count", "1")
	wantText(t, ctx, "#run-total", "16,500円")
	wantText(t, ctx, "#run-preview", "新規工務店 御中")
	if p, _ := c.bill.InvoicePage(t.Context(), billing.InvoiceQuery{ContractorID: c.bs.NewContractor}); len(p.Rows) != 0 {
		t.Fatalf("the preview issued %d invoices", len(p.Rows))
	}
	browsertest.Screenshot(t, ctx, docs(), "billing-run")
	do(t, ctx, submit("#issue", "#run-done"))
	wantText(t, ctx, "#run-count", "1")
	number := textOf(t, ctx, "#run-done tbody td a")
	if !regexp.MustCompile(`^2026-\d{6}$`).MatchString(number) {
		t.Fatalf("issued %q", number)
	}
	// Never twice: the same run again issues nothing.
	if res, err := c.bill.Run(t.Context(), billing.RunOptions{AsOf: billing.Date{Year: 2026, Month: 12, Day: 5}}); err != nil || res.Count() != 0 {
		t.Errorf("the run again: %d invoices, %v", res.Count(), err)
	}
	return number
}

// handOut downloads the invoice's PDF twice: the first is the original,
// the second says 再発行; both read back with the number, the recipient
// and the amount.
func handOut(t *testing.T, ctx context.Context, number string) {
	t.Helper()
	dir := browsertest.Downloads(t, ctx)
	for i, reissue := range []bool{false, true} {
		do(t, ctx, chromedp.Click(chromedp.CSS("#pdf")))
		pdf := browsertest.Downloaded(t, dir, number+".pdf")
		text := pdfText(t, pdf)
		for _, want := range []string{number, "新規工務店御中", "16,500", "請求書", "T7000012050002"} {
			if !strings.Contains(text, want) {
				t.Errorf("copy %d: the PDF lacks %q:\n%s", i+1, want, text)
			}
		}
		if strings.Contains(text, "再発行") != reissue {
			t.Errorf("copy %d: 再発行 %v, want %v", i+1, !reissue, reissue)
		}
		os.Remove(filepath.Join(dir, number+".pdf"))
	}
	do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#deliveries")))
	wantText(t, ctx, "#deliveries", "再発行")
	wantText(t, ctx, "#pdf", "再発行")
}

// receivablesAsOf checks the receivables screen against billing's report:
// as of 2026-11-15 (before the seed's voids) and as of today, where the
// voided paid invoice is a refund due, apart from the debts.
func receivablesAsOf(t *testing.T, c *console, ctx context.Context, voided string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(c.url+"/billing/receivables"), chromedp.WaitVisible(chromedp.CSS("#as-of")),
		chromedp.SetValue(chromedp.CSS("#f-AsOf"), "2026-11-15"), submit("#as-of", "#recv-heading"))
	wantText(t, ctx, "#recv-heading", "2026年11月15日(日)")
	rep, err := c.bill.ReceivablesAsOf(t.Context(), billing.Date{Year: 2026, Month: 11, Day: 15})
	if err != nil || len(rep.Debts) != 8 || len(rep.Credits) != 0 {
		t.Fatalf("as of 2026-11-15: %d debts, %d credits, %v", len(rep.Debts), len(rep.Credits), err)
	}
	wantText(t, ctx, "#owed", "132,000円")
	wantText(t, ctx, "#debts", c.bs.Pay)
	wantText(t, ctx, "main", "返金が必要なものはありません")

	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-AsOf"), "2026-12-05"), submit("#as-of", "#credits"))
	rep, err = c.bill.ReceivablesAsOf(t.Context(), billing.Date{Year: 2026, Month: 12, Day: 5})
	if err != nil {
		t.Fatal(err)
	}
	wantText(t, ctx, "#owed", formatYen(rep.Owed))
	wantText(t, ctx, "#owed-back", formatYen(rep.OwedBack))
	wantText(t, ctx, "#credits", voided)
	if strings.Contains(textOf(t, ctx, "#debts"), voided) {
		t.Errorf("the voided paid invoice %s is listed as a debt", voided)
	}
	wantText(t, ctx, "#ages", "1〜30日超過")
}

// formatYen is an amount as the screens show it.
func formatYen(y billing.Yen) string { return billing.FormatYen(y) + "円" }

// pdfText is the PDF's text as pdftotext reads it, without spaces.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pdftotext is not installed (apt-get install poppler-utils): %v", err)
		}
		t.Skipf("pdftotext is not installed (apt-get install poppler-utils; in CI this fails): %v", err)
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-layout", "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

// The bank's result file with a customer number this database never
// requested: the rest is recorded, the unknown money is listed with its
// sum under an alert, and reading it again records nothing.
func TestBrowserTransferResult(t *testing.T) {
	for _, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			c := newConsole(t, kind, nil)
			f, err := billing.ParseTransferFile(c.bs.Result)
			if err != nil {
				t.Fatal(err)
			}
			stray := f.Records[0]
			stray.CustomerNumber, stray.Amount = "99999999999999999999", 5000
			f.Records = append(f.Records, stray)
			data, err := billing.MarshalTransferFile(f, true)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			result, bad := filepath.Join(dir, "result.txt"), filepath.Join(dir, "bad.txt")
			os.WriteFile(result, data, 0o600)
			os.WriteFile(bad, append([]byte("x"), data...), 0o600)

			ctx := browsertest.New(t, browsertest.Desktop)
			c.signInBrowser(t, ctx, "billing", password, "ul.menu")
			do(t, ctx, chromedp.Navigate(c.url+"/billing/transfers"), chromedp.WaitVisible(chromedp.CSS("#read-result")),
				chromedp.SetUploadFiles(chromedp.CSS("#f-File"), []string{bad}), submit("#read-result", "#e-File"))
			wantText(t, ctx, "#e-File", "銀行の結果ファイルとして読めません")
			wantText(t, ctx, "#e-File", "何も記録していません")

			do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#f-File"), []string{result}), submit("#read-result", "#result-state"))
			wantText(t, ctx, "#result-state", "依頼していない顧客番号が 1 件")
			wantText(t, ctx, "#result-state", "5,000円")
			wantText(t, ctx, "#result-state", "銀行に問い合わせてください")
			wantText(t, ctx, "#unknown", "99999999999999999999")
			wantText(t, ctx, "#collected", "1")
			if role, _ := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#result-state"), "role")); role.Value != "alert" {
				t.Errorf("the unknown money is not an alert (role %q)", role.Value)
			}
			p, err := c.bill.InvoicePage(t.Context(), billing.InvoiceQuery{ContractorID: "K-M2"})
			if err != nil || len(p.Rows) != 1 || p.Rows[0].Balance() != 0 {
				t.Fatalf("K-M2's invoice after the result: %+v, %v", p.Rows, err)
			}

			do(t, ctx, chromedp.Navigate(c.url+"/billing/transfers"), chromedp.WaitVisible(chromedp.CSS("#read-result")),
				chromedp.SetUploadFiles(chromedp.CSS("#f-File"), []string{result}), submit("#read-result", "#result-state"))
			wantText(t, ctx, "#outcomes", "読込済み")
			wantText(t, ctx, "#collected", "0")
			if in, _ := c.bill.InvoiceByNumber(t.Context(), p.Rows[0].Number, ""); len(in.Payments) != 1 {
				t.Errorf("reading the result twice recorded %d payments", len(in.Payments))
			}
		})
	}
}
