package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Every refusal of a billing form is said beside its field, in Japanese,
// with what to do (the date or amount that would do), and changes
// nothing.
func TestBillingFieldErrors(t *testing.T) {
	c := newConsole(t, "sqlite", nil)
	s := c.bs
	b := c.signedIn(t, "billing")
	inv := func(n, action string) string { return "/billing/invoices/" + n + "/" + action }
	v := func(kv ...string) url.Values {
		f := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	collector := func(on string) url.Values {
		return v("CollectOn", on, "CollectorCode", "1234567890", "CollectorName", "カ）デズラ", "CollectorBank", "0005",
			"CollectorBranch", "001", "CollectorAccount", "1234567", "LeadDays", "3")
	}
	before := c.auditCount(t)
	for _, tt := range []struct {
		path  string
		form  url.Values
		field string // "" for a message above the form
		want  string
	}{
		{"/billing/plans/new", v("Name", "x", "AnnualFee", "12,000", "TaxRate", "8", "AvailableFrom", "2026-12-01"), "TaxRate", "8%は軽減税率（食品・新聞）だけです"},
		{"/billing/plans/new", v("Name", "x", "AnnualFee", "千円", "AvailableFrom", "2026-12-01"), "AnnualFee", "16,500 や 16500 のように"},
		{"/billing/plans/new", v("Name", "campaign-2023", "AnnualFee", "1", "AvailableFrom", "2026-12-01"), "Name", "同じ名前のプランがあります"},
		{"/billing/plans/spring-2026/close", v("AvailableUntil", "2026-01-01"), "AvailableUntil-spring-2026", "受付終了日が開始日より前です"},
		{"/billing/subscriptions/new", v("ContractorID", "NOSUCH", "Plan", "campaign-2023", "Start", "2026-12-05"), "ContractorID", "登録されていない事業者IDです"},
		{"/billing/subscriptions/new", v("ContractorID", "K-WO", "Plan", "campaign-2023", "Start", "2026-12-05"), "ContractorID", "すでに契約があります"},
		{"/billing/subscriptions/new", v("ContractorID", s.NewContractor, "Plan", "spring-2026", "Start", "2026-01-05"), "Start", "受付期間外"},
		{"/billing/run", v("AsOf", "2027-01-01"), "AsOf", "今日（2026年12月5日(土)）より後の日付では発行できません"},
		{"/billing/run", v("AsOf", "2026-11-01"), "AsOf", "2026年11月20日(金) 以降の日付にしてください"},
		{inv(s.Pay, "pay"), v("PayAmount", "20,000", "PayDate", "2026-12-05", "PayMethod", "振込"), "PayAmount", "未収額 16,500円 を超えています"},
		{inv(s.Pay, "pay"), v("PayAmount", "16,500", "PayDate", "2026-11-01", "PayMethod", "振込"), "PayDate", "2026年11月2日(月) 以降の日付にしてください"},
		{inv(s.Pay, "pay"), v("PayAmount", "16,500", "PayDate", "2026-12-05"), "PayMethod", "入力してください"},
		{inv(s.WriteOff, "write-off"), v("WOAmount", "17,000", "WODate", "2026-12-05", "WOReason", "振込手数料差引"), "WOAmount", "未収額 16,500円 を超えています"},
		{inv(s.Void, "void"), v("VoidDate", "2026-11-03", "VoidReason", "誤請求"), "VoidDate", "2026年11月20日(金) 以降の日付にしてください"},
		{inv(s.Credit, "credit"), v("CreditAmount", "15,001", "CreditDate", "2026-12-05", "CreditReason", "値引"), "CreditAmount", "残っている税抜額 15,000円 を超えています"},
		{inv(s.Refundable, "refund"), v("RefundAmount", "20,000", "RefundDate", "2026-12-05", "RefundMethod", "振込"), "RefundAmount", "返金できるのは 16,500円 までです"},
		{inv(s.Pay, "resend"), v("ResendTo", "not an address"), "ResendTo", "メールアドレスとして読めません"},
		{"/billing/transfers/file", collector("2026-12-20"), "CollectOn", "次の営業日は 2026年12月21日(月) です"},
		{"/billing/transfers/file", collector("2026-12-07"), "CollectOn", "2026年12月10日(木) 以降の営業日を選んでください"},
		{"/billing/transfers/file", collector("2027-01-11"), "CollectOn", "次の営業日は 2027年1月12日(火) です"},
		{"/billing/mandates", v("ContractorID", "K-WO", "BankCode", "12", "BranchCode", "100", "AccountNumber", "1", "Holder", "スズキ"), "BankCode", "4桁の数字"},
		{"/billing/mandates", v("ContractorID", "K-WO", "BankCode", "0001", "BranchCode", "100", "AccountNumber", "1", "Holder", "鈴木建設"), "Holder", "カナ・英数字で入力してください"},
		{"/billing/issuer", v("Name", "株式会社デズラ", "Registration", "T7000012050003"), "Registration", "先頭の数字（チェック用）が合いません"},
		{"/billing/issuer", v("Name", "株式会社デズラ", "Registration", "T7000012050002", "BankName", "みずほ銀行"), "BranchName", "振込先は銀行名・支店名"},
		{"/billing/contacts", v("ContractorID", "K-WO", "Email", "keiri@"), "Email", "メールアドレスとして読めません"},
		{"/billing/contacts", v("ContractorID", "NOSUCH", "Email", "keiri@example.co.jp"), "ContractorID", "登録されていない事業者IDです"},
	} {
		res, page := b.post(tt.path, tt.form)
		at := tt.path + " " + tt.form.Encode()
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422\n%s", at, res.StatusCode, problem(page))
			continue
		}
		if want := `id="e-` + tt.field + `">` + ""; !strings.Contains(page, want) || !strings.Contains(errorOf(page, tt.field), tt.want) {
			t.Errorf("%s: beside %s %q, want %q", at, tt.field, errorOf(page, tt.field), tt.want)
		}
	}
	// A seal that is no PNG, uploaded.
	res, page := b.postFiles("/billing/issuer", v("Name", "株式会社デズラ", "Registration", "T7000012050002"),
		map[string][]byte{"Seal": []byte("GIF89a not a png")})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(errorOf(page, "Seal"), "PNG画像を選んでください") {
		t.Errorf("a seal that is no PNG: %d %q", res.StatusCode, errorOf(page, "Seal"))
	}
	if n := c.auditCount(t); n != before {
		t.Errorf("refused changes wrote %d audit records", n-before)
	}
	// In English on the switch.
	b.post("/lang", url.Values{"lang": {"en"}, "back": {"/billing"}})
	_, page = b.post(inv(s.Pay, "pay"), v("PayAmount", "20,000", "PayDate", "2026-12-05", "PayMethod", "振込"))
	if got := errorOf(page, "PayAmount"); !strings.Contains(got, "more than the ¥16,500 owed") {
		t.Errorf("in English: %q", got)
	}
	// A change made on the console is the signed-in user's in the audit log.
	if res, _ := b.post(inv(s.Pay, "pay"), v("PayAmount", "16500", "PayDate", "2026-12-05", "PayMethod", "振込")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay: status %d", res.StatusCode)
	}
	h, err := c.bill.History(context.Background(), "billing-invoice:"+s.Pay)
	if err != nil || len(h) == 0 || h[0].Actor != "user:billing" || h[0].Action != "billing.invoice.pay" {
		t.Errorf("history of %s: %+v, %v", s.Pay, h, err)
	}
}

// errorOf is the text of the error beside field on page.
func errorOf(page, field string) string {
	i := strings.Index(page, `id="e-`+field+`">`)
	if i < 0 {
		return ""
	}
	rest := page[i+len(`id="e-`+field+`">`):]
	if j := strings.Index(rest, "</p>"); j >= 0 {
		rest = rest[:j]
	}
	return strings.ReplaceAll(rest, "&#43;", "+")
}

// Every billing page is in the catalogue in both languages, amounts are
// written 16,500円 (¥16,500) and dates 2026年11月2日(月).
func TestBillingPagesComplete(t *testing.T) {
	c := newConsole(t, "sqlite", nil)
	s := c.bs
	paths := []string{"/billing", "/billing/plans", "/billing/plans/new", "/billing/subscriptions", "/billing/subscriptions/new",
		"/billing/run", "/billing/run?AsOf=2027-11-02", "/billing/invoices", "/billing/invoices?State=refund-due",
		"/billing/invoices/" + s.Pay, "/billing/invoices/" + s.Refundable, "/billing/receivables", "/billing/mandates",
		"/billing/mandates?stopped=1", "/billing/mandates/new", "/billing/mandates/" + s.Stopped + "/edit", "/billing/transfers",
		"/billing/refunds", "/billing/mail", "/billing/contacts", "/billing/issuer", "/billing/export"}
	for _, lang := range []string{"ja", "en"} {
		b := c.signedIn(t, "billing")
		if lang == "en" {
			b.post("/lang", url.Values{"lang": {"en"}, "back": {"/billing"}})
		}
		for _, p := range paths {
			res, page := b.get(p)
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s %s: status %d", lang, p, res.StatusCode)
			}
			if m := missingRe.FindString(page); m != "" {
				t.Errorf("%s %s: %s is not in the catalogue", lang, p, m)
			}
		}
		_, page := b.get("/billing/invoices/" + s.Pay)
		want := map[string][]string{"ja": {"16,500円", "2026年11月2日(月)"}, "en": {"¥16,500", "Mon 2 Nov 2026"}}[lang]
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s invoice page lacks %q", lang, w)
			}
		}
		_, page = b.get("/billing/mandates?stopped=1")
		if !strings.Contains(page, map[string]string{"ja": "預金者都合による振替停止", "en": "Stopped by the payer"}[lang]) {
			t.Errorf("%s: the stopped mandate does not say why", lang)
		}
	}
}
