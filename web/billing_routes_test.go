package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/dezura/dezura/ledger/access"
	"github.com/dezura/dezura/web"
)

// walkMore is how the route walker's owner calls a route other than as
// A's admin with a form: who (a login), what status it answers (0: 200
// for a GET, 303 for a POST), and files posted as a multipart form.
type walkMore struct {
	who   string
	want  int
	files map[string][]byte
}

// billingWalkTable has a line for every billing route: billing staff
// ("billing") make each change once, with the seed's records; every other
// account but the operator gets 403.
func billingWalkTable(c *console) map[string]walk {
	s := c.bs
	v := func(kv ...string) url.Values {
		f := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	inv := func(n string) string { return "/billing/invoices/" + n }
	collector := v("CollectOn", s.CollectOn, "CollectorCode", "1234567890", "CollectorName", "カ）デズラ", "CollectorBank", "0005",
		"CollectorBranch", "001", "CollectorAccountType", "1", "CollectorAccount", "1234567", "LeadDays", "3")
	payer := v("PayOn", s.PayOn, "PayerCode", "1234567890", "PayerName", "カ）デズラ", "PayerBank", "0005",
		"PayerBranch", "001", "PayerAccountType", "1", "PayerAccount", "1234567", "LeadDays", "3")
	table := map[string]walk{
		"GET /billing":                               {"/billing", nil, "billing"},
		"GET /billing/plans":                         {"/billing/plans", nil, "billing"},
		"GET /billing/plans/new":                     {"/billing/plans/new", nil, "billing"},
		"POST /billing/plans/new":                    {"/billing/plans/new", v("Name", "autumn-2026", "AnnualFee", "13,500", "TaxRate", "10", "AvailableFrom", "2026-10-01"), "billing"},
		"POST /billing/plans/{name}/close":           {"/billing/plans/spring-2026/close", v("AvailableUntil", "2026-12-31"), "billing"},
		"GET /billing/subscriptions":                 {"/billing/subscriptions", nil, "billing"},
		"GET /billing/subscriptions/new":             {"/billing/subscriptions/new", nil, "billing"},
		"POST /billing/subscriptions/new":            {"/billing/subscriptions/new", v("ContractorID", s.NewContractor, "Plan", "campaign-2023", "Start", "2026-12-05"), "billing"},
		"POST /billing/subscriptions/{id}/cancel":    {"/billing/subscriptions/" + strconv.FormatInt(s.Cancel, 10) + "/cancel", v("On", "2027-11-02"), "billing"},
		"GET /billing/run":                           {"/billing/run?AsOf=2026-12-05", nil, "billing"},
		"POST /billing/run":                          {"/billing/run", v("AsOf", "2026-12-05"), "billing"},
		"GET /billing/invoices":                      {"/billing/invoices?State=unpaid", nil, "billing"},
		"GET /billing/invoices/{number}":             {inv(s.Pay), nil, "billing"},
		"POST /billing/invoices/{number}/pdf":        {inv(s.Pay) + "/pdf", nil, "billing"},
		"POST /billing/invoices/{number}/pay":        {inv(s.Pay) + "/pay", v("PayAmount", "16,500", "PayDate", "2026-12-05", "PayMethod", "振込"), "billing"},
		"POST /billing/invoices/{number}/write-off":  {inv(s.WriteOff) + "/write-off", v("WOAmount", "440", "WODate", "2026-12-05", "WOReason", "振込手数料差引"), "billing"},
		"POST /billing/invoices/{number}/void":       {inv(s.Void) + "/void", v("VoidDate", "2026-12-05", "VoidReason", "誤請求"), "billing"},
		"POST /billing/invoices/{number}/credit":     {inv(s.Credit) + "/credit", v("CreditAmount", "5,000", "CreditDate", "2026-12-05", "CreditReason", "値引"), "billing"},
		"POST /billing/invoices/{number}/refund":     {inv(s.Refundable) + "/refund", v("RefundAmount", "16,500", "RefundDate", "2026-12-05", "RefundMethod", "振込"), "billing"},
		"POST /billing/invoices/{number}/resend":     {inv(s.Pay) + "/resend", v("ResendTo", "other@example.co.jp"), "billing"},
		"GET /billing/receivables":                   {"/billing/receivables?AsOf=2026-12-05", nil, "billing"},
		"GET /billing/mandates":                      {"/billing/mandates?stopped=1", nil, "billing"},
		"GET /billing/mandates/new":                  {"/billing/mandates/new", nil, "billing"},
		"GET /billing/mandates/{contractor}/edit":    {"/billing/mandates/K-M1/edit", nil, "billing"},
		"POST /billing/mandates":                     {"/billing/mandates", v("ContractorID", s.NewContractor, "BankCode", "0009", "BranchCode", "250", "AccountType", "1", "AccountNumber", "1234", "Holder", "しんき こうむてん"), "billing"},
		"POST /billing/mandates/{contractor}/resume": {"/billing/mandates/" + s.Stopped + "/resume", nil, "billing"},
		"GET /billing/transfers":                     {"/billing/transfers", nil, "billing"},
		"POST /billing/transfers/file":               {"/billing/transfers/file", collector, "billing"},
		"POST /billing/transfers/{date}/withdraw":    {"/billing/transfers/" + s.WithdrawOn + "/withdraw", nil, "billing"},
		"POST /billing/transfers/result":             {"/billing/transfers/result", nil, "billing"},
		"GET /billing/refunds":                       {"/billing/refunds", nil, "billing"},
		"POST /billing/refunds/file":                 {"/billing/refunds/file", payer, "billing"},
		"POST /billing/refunds/{date}/confirm":       {"/billing/refunds/" + s.RefundConfirmOn + "/confirm", nil, "billing"},
		"POST /billing/refunds/{date}/withdraw":      {"/billing/refunds/" + s.RefundWithdrawOn + "/withdraw", nil, "billing"},
		"GET /billing/mail":                          {"/billing/mail", nil, "billing"},
		"POST /billing/mail/retry":                   {"/billing/mail/retry", nil, "billing"},
		"POST /billing/print":                        {"/billing/print", nil, "billing"},
		"GET /billing/contacts":                      {"/billing/contacts", nil, "billing"},
		"POST /billing/contacts":                     {"/billing/contacts", v("ContractorID", "K-WO", "Email", "keiri@suzuki.example.co.jp"), "billing"},
		"GET /billing/issuer":                        {"/billing/issuer", nil, "billing"},
		"POST /billing/issuer":                       {"/billing/issuer", v("Name", "株式会社デズラ", "Registration", "T7000012050002", "Phone", "03-9999-0000", "PaymentDays", "30"), "billing"},
		"GET /billing/export":                        {"/billing/export", nil, "billing"},
		"GET /billing/export/file":                   {"/billing/export/file?From=2026-11-01&To=2026-12-31&Format=yayoi&Encoding=sjis", nil, "billing"},
	}
	c.walkMore = map[string]walkMore{}
	for p := range table {
		c.walkMore[p] = walkMore{who: "billing"}
	}
	// Actions answered with a file or a report.
	for _, p := range []string{"POST /billing/invoices/{number}/pdf", "POST /billing/run", "POST /billing/transfers/file",
		"POST /billing/refunds/file", "POST /billing/print"} {
		c.walkMore[p] = walkMore{who: "billing", want: http.StatusOK}
	}
	c.walkMore["POST /billing/transfers/result"] = walkMore{who: "billing", want: http.StatusOK, files: map[string][]byte{"File": s.Result}}
	return table
}

// postFiles posts a multipart form (with the browser's CSRF token) with
// files, as a browser uploads them.
func (b *browser) postFiles(path string, form url.Values, files map[string][]byte) (*http.Response, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if form.Get("csrf") == "" {
		mw.WriteField("csrf", b.csrf)
	}
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, data := range files {
		fw, err := mw.CreateFormFile(name, name+".txt")
		if err != nil {
			b.t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.c.url+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(req)
}

// TestBillingRoleSeparation: billing staff get the billing screens and
// nothing else (403 on every office screen); no office account gets a
// billing screen, not even A's admin; the operator gets both.
func TestBillingRoleSeparation(t *testing.T) {
	for _, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			c := newConsole(t, kind, nil)
			table := walkTable(c)
			before := c.auditCount(t)
			wantForbidden(t, c, table, "billing", func(rt web.Route) bool {
				k := table[rt.Pattern].kind
				return k != "public" && k != "billing"
			})
			for _, login := range []string{"admin.a", "clerk.a", "foreman.a", "tech.a", "admin.b"} {
				wantForbidden(t, c, table, login, func(rt web.Route) bool { return rt.Perm == access.Billing })
				if _, page := c.signedIn(t, login).get("/board"); strings.Contains(page, `href="/billing"`) {
					t.Errorf("%s's menu links the billing screens", login)
				}
			}
			if n := c.auditCount(t); n != before {
				t.Errorf("%d audit records after refused requests", n-before)
			}
			op := c.signedIn(t, "operator")
			for _, rt := range c.srv.Routes() {
				w := table[rt.Pattern]
				if rt.Method() != http.MethodGet || w.kind == "public" || rt.Pattern == "GET /me" { // a technician's own
					continue
				}
				if res, page := op.get(w.path); res.StatusCode != http.StatusOK {
					t.Errorf("operator GET %s: status %d\n%s", w.path, res.StatusCode, problem(page))
				}
			}
			if res, _ := c.signedIn(t, "billing").get("/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/billing" {
				t.Errorf("billing staff's first screen: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
		})
	}
}

// wantForbidden calls, as login, every route keep selects, with the
// walker's path and form, and wants 403 for each.
func wantForbidden(t *testing.T, c *console, table map[string]walk, login string, keep func(web.Route) bool) {
	t.Helper()
	b := c.signedIn(t, login)
	for _, rt := range c.srv.Routes() {
		if !keep(rt) {
			continue
		}
		w := table[rt.Pattern]
		var res *http.Response
		if rt.Method() == http.MethodGet {
			res, _ = b.get(w.path)
		} else {
			form := url.Values{}
			for k, vs := range w.form {
				form[k] = vs
			}
			res, _ = b.post(w.path, form)
		}
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s %s: status %d, want 403", login, rt.Method(), w.path, res.StatusCode)
		}
	}
}
