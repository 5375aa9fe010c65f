package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
	"github.com/dezura/dezura/ledger/billing"
)

// `dezura serve --web` serves the billing screens on the service's own
// database: billing staff sign in and land on them; the bank-file forms
// are filled in from DEZURA_COLLECTOR_* and DEZURA_PAYER_*.
func TestConsoleBillingScreens(t *testing.T) {
	t.Setenv("DEZURA_COLLECTOR_CODE", "1234567890")
	s := startTestService(t, func(c *serveConfig) { c.Web = "127.0.0.1:0" })
	acc, err := access.New(t.Context(), s.service.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acc.AddUser(t.Context(), ledger.ScopeAll(), access.NewUser{Login: "keiri", Name: "経理 花子",
		Role: access.RoleBilling, Password: "billing staff password"}); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	base := strings.TrimSuffix(s.console.url, "/")
	get := func(path string) (int, string) {
		res, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	_, page := get("/login")
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	res, err := client.PostForm(base+"/login", url.Values{"Login": {"keiri"}, "Password": {"billing staff password"}, "csrf": {token[1]}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/billing" {
		t.Errorf("billing staff land on %s, want /billing", res.Request.URL.Path)
	}
	for _, p := range []string{"/billing/invoices", "/billing/issuer", "/billing/run?AsOf=2026-12-05"} {
		if code, page := get(p); code != http.StatusOK || !strings.Contains(page, "請求") {
			t.Errorf("GET %s: %d", p, code)
		}
	}
	if _, page := get("/billing/transfers"); !strings.Contains(page, `value="1234567890"`) {
		t.Error("the transfer form is not filled in from DEZURA_COLLECTOR_CODE")
	}
	if code, _ := get("/board"); code != http.StatusForbidden {
		t.Errorf("billing staff on the board: %d, want 403", code)
	}
}

func TestBankAccountFromEnv(t *testing.T) {
	env := map[string]string{"DEZURA_PAYER_CODE": "0000012345", "DEZURA_PAYER_NAME": "カ）デズラ", "DEZURA_PAYER_BANK": "0005",
		"DEZURA_PAYER_BRANCH": "001", "DEZURA_PAYER_ACCOUNT_TYPE": "2", "DEZURA_PAYER_ACCOUNT": "7654321", "DEZURA_PAYER_LEAD_DAYS": "x"}
	got := bankAccountFromEnv(func(k string) string { return env[k] }, "DEZURA_PAYER_")
	want := billing.Collector{Code: "0000012345", Name: "カ）デズラ", BankCode: "0005", BranchCode: "001", AccountType: 2, AccountNumber: "7654321"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := bankAccountFromEnv(func(string) string { return "" }, "DEZURA_COLLECTOR_"); got != (billing.Collector{}) {
		t.Errorf("nothing set: %+v", got)
	}
}
