package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
	"github.com/dezura/dezura/ledger/billing"
	_ "github.com/dezura/dezura/ledger/postgres"
	_ "github.com/dezura/dezura/ledger/sqlite"
	"github.com/dezura/dezura/ledger/storetest"
	"github.com/dezura/dezura/web"
)

// day is "today" for the console under test: the day storetest's tenants
// have their attendance.
const day = "2026-12-05"

const password = "console test password"

// console is a web.Server over a real store with the two tenants of
// storetest.SeedTenants and an account of every role for each.
type console struct {
	db  ledger.DB
	acc *access.Service
	srv *web.Server
	ts  storetest.Tenants
	url string
	// logins by name: "operator", "admin.a", "clerk.a", "foreman.a", "tech.a", and the same for b.
	users map[string]access.User
	// created lists what the route walker's outsiders added (in their own
	// contractor).
	created []string

	// billing, and what it holds (billing_console_test.go); "billing" is
	// the billing staff's login.
	bill *billing.Billing
	bs   billingSeed
	// walkMore says, for the routes that need it, who the route walker's
	// owner is and what it answers (billingWalkTable fills it).
	walkMore map[string]walkMore
}

// stores are the stores every console test runs on.
var stores = []string{"sqlite", "postgres"}

func storeURL(t *testing.T, kind string) string {
	if kind == "postgres" {
		return storetest.PostgresSchema(t, "web")
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "console.db")
}

func newConsole(t *testing.T, kind string, mod func(*web.Config)) *console {
	t.Helper()
	ctx := context.Background()
	db, err := ledger.Open(ctx, storeURL(t, kind))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ts, err := storetest.SeedTenants(ctx, db, day)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := access.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	c := &console{db: db, acc: acc, ts: ts, users: map[string]access.User{}}
	c.addUser(t, access.NewUser{Login: "operator", Name: "運営 花子", Role: access.RoleOperator})
	for _, tn := range []struct {
		suffix string
		t      storetest.Tenant
	}{{"a", ts.A}, {"b", ts.B}} {
		c.addUser(t, access.NewUser{Login: "admin." + tn.suffix, Name: tn.t.Marker + " 管理者", Role: access.RoleContractorAdmin, ContractorID: tn.t.Contractor})
		c.addUser(t, access.NewUser{Login: "clerk." + tn.suffix, Name: tn.t.Marker + " 事務", Role: access.RoleClerk, ContractorID: tn.t.Contractor})
		c.addUser(t, access.NewUser{Login: "foreman." + tn.suffix, Name: tn.t.Marker + " 職長", Role: access.RoleForeman, ContractorID: tn.t.Contractor, TechnicianID: tn.t.Foreman})
		c.addUser(t, access.NewUser{Login: "tech." + tn.suffix, Name: tn.t.Marker + " 一人", Role: access.RoleTechnician, TechnicianID: tn.t.Loner})
	}
	today, _ := ledger.ParseWorkDate(day)
	cfg := web.Config{Ledger: db, Accounts: acc, Now: func() time.Time { return today.Add(17*time.Hour + 30*time.Minute) },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	// Billing screens: billing staff, and billing with its seed.
	c.addUser(t, access.NewUser{Login: "billing", Name: "請求 担当", Role: access.RoleBilling})
	c.bill, c.bs = seedBilling(t, db, cfg.Now())
	cfg.Billing, cfg.BillingFont, cfg.Collector, cfg.Payer = c.bill, invoiceFont(t), testCollector, billing.Payer(testCollector)
	if mod != nil {
		mod(&cfg)
	}
	srv, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.srv = srv
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c.url = hs.URL
	return c
}

func (c *console) addUser(t *testing.T, n access.NewUser) {
	t.Helper()
	n.Password = password
	u, err := c.acc.AddUser(context.Background(), ledger.ScopeAll(), n)
	if err != nil {
		t.Fatalf("add %s: %v", n.Login, err)
	}
	c.users[n.Login] = u
}

// browser is an HTTP client with its own cookies, as one browser is.
type browser struct {
	t    *testing.T
	c    *console
	http *http.Client
	csrf string
}

func (c *console) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: c, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signedIn is a browser signed in as login.
func (c *console) signedIn(t *testing.T, login string) *browser {
	t.Helper()
	b := c.browser(t)
	b.get("/login")
	res, _ := b.post("/login", url.Values{"Login": {login}, "Password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d", login, res.StatusCode)
	}
	// The account's first page, for the session's CSRF token.
	if res, _ = b.get("/"); res.StatusCode == http.StatusSeeOther {
		b.get(res.Header.Get("Location"))
	}
	return b
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches path and keeps the page's CSRF token.
func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil)
}

// post sends a form with the browser's CSRF token (unless the form sets
// csrf itself).
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	return b.do(http.MethodPost, path, form)
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.c.url+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.send(req)
}

// send sends req and keeps the page's CSRF token.
func (b *browser) send(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	page := string(data)
	if m := csrfRe.FindStringSubmatch(page); m != nil {
		b.csrf = m[1]
	}
	return res, page
}

// auditCount is the number of audit records so far.
func (c *console) auditCount(t *testing.T) int {
	t.Helper()
	n := 0
	after := ""
	for {
		h, err := c.db.History(context.Background(), ledger.ScopeAll(), ledger.HistoryQuery{After: after, Limit: ledger.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		n += len(h.Rows)
		if after = h.Next; after == "" {
			return n
		}
	}
}
