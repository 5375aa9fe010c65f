package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
	"github.com/dezura/dezura/web"
)

// TestCSRFRefusedOnEveryChange: every route that changes something
// refuses a form without the session's token, with a wrong one, or with
// another session's, and changes nothing.
func TestCSRFRefusedOnEveryChange(t *testing.T) {
	for _, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			c := newConsole(t, kind, nil)
			table := walkTable(c)
			admin := c.signedIn(t, "admin.a")
			staff := c.signedIn(t, "billing")
			other := c.signedIn(t, "admin.b")
			anon := c.browser(t)
			anon.get("/login")
			before := c.auditCount(t)
			for _, rt := range c.srv.Routes() {
				if !rt.Changes() {
					continue
				}
				w := table[rt.Pattern]
				b := admin
				if rt.Perm == access.Billing {
					b = staff
				}
				if rt.Pattern == "POST /login" || rt.Pattern == "POST /lang" {
					b = anon
					w.form = url.Values{"Login": {"admin.a"}, "Password": {password}, "lang": {"en"}}
				}
				for name, token := range map[string][]string{"no token": nil, "wrong token": {access.NewToken()}, "another session's token": {other.csrf}, "empty": {""}} {
					form := url.Values{}
					for k, vs := range w.form {
						form[k] = vs
					}
					if token == nil {
						form["csrf"] = nil
						delete(form, "csrf")
						form.Set("csrf-absent", "1")
					} else {
						form["csrf"] = token
					}
					if token == nil {
						res, page := b.do(http.MethodPost, w.path, form)
						checkRefused(t, rt.Pattern, name, res, page)
					} else {
						res, page := b.post(w.path, form)
						checkRefused(t, rt.Pattern, name, res, page)
					}
				}
			}
			if n := c.auditCount(t); n != before {
				t.Errorf("%d audit records after refused requests, want %d", n, before)
			}
			// The admin is still signed in (the refused sign-out did nothing),
			// the anonymous browser is not, and the language is still Japanese.
			if res, _ := admin.get("/board"); res.StatusCode != http.StatusOK {
				t.Errorf("admin after refused sign-out: status %d", res.StatusCode)
			}
			if res, page := anon.get("/board"); res.StatusCode != http.StatusSeeOther || strings.Contains(page, "Today") {
				t.Errorf("anonymous browser after refused sign-in: status %d", res.StatusCode)
			}
		})
	}
}

func checkRefused(t *testing.T, route, name string, res *http.Response, page string) {
	t.Helper()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("%s with %s: status %d, want 403", route, name, res.StatusCode)
		return
	}
	if !strings.Contains(page, "画面の有効期限が切れた") {
		t.Errorf("%s with %s: the page does not say what to do:\n%s", route, name, problem(page))
	}
}

// A request from another origin is refused before its token is looked at.
func TestCrossOriginRefused(t *testing.T) {
	c := newConsole(t, "sqlite", nil)
	b := c.signedIn(t, "admin.a")
	before := c.auditCount(t)
	for _, h := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}} {
		req, _ := http.NewRequest(http.MethodPost, c.url+"/sites/"+c.ts.A.Site+"/disable",
			strings.NewReader(url.Values{"csrf": {b.csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res, err := b.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%v: status %d, want 403", h, res.StatusCode)
		}
	}
	if c.auditCount(t) != before {
		t.Error("a cross-origin request changed something")
	}
}

func TestSecurityHeadersAndCookies(t *testing.T) {
	for _, tls := range []bool{false, true} {
		c := newConsole(t, "sqlite", func(cfg *web.Config) { cfg.BehindTLS = tls })
		b := c.browser(t)
		res, _ := b.get("/login")
		want := map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
			"Cache-Control": "no-store",
		}
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("tls=%v %s: %q, want %q", tls, k, got, v)
			}
		}
		csp := res.Header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, d) || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("tls=%v CSP %q lacks %q or allows inline", tls, csp, d)
			}
		}
		if hsts := res.Header.Get("Strict-Transport-Security"); (hsts != "") != tls {
			t.Errorf("tls=%v: HSTS %q", tls, hsts)
		}
		// The sign-in sets the session cookie: HttpOnly, SameSite=Lax,
		// Secure and __Host- over TLS.
		form := url.Values{"Login": {"admin.a"}, "Password": {password}, "csrf": {b.csrf}}
		req, _ := http.NewRequest(http.MethodPost, c.url+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, ck := range b.http.Jar.Cookies(req.URL) {
			req.AddCookie(ck) // the jar keeps Secure cookies from plain http out; this test reads them itself
		}
		for _, ck := range res.Cookies() {
			req.AddCookie(ck)
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var sess *http.Cookie
		for _, ck := range res.Cookies() {
			if strings.HasSuffix(ck.Name, "dezura_session") {
				sess = ck
			}
		}
		if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure != tls ||
			strings.HasPrefix(sess.Name, "__Host-") != tls || sess.Path != "/" || len(sess.Value) < 40 {
			t.Errorf("tls=%v: session cookie %+v (status %d)", tls, sess, res.StatusCode)
		}
	}
}

// A session ID planted before sign-in is not the one after; sign-out ends
// the session on the server, so a copy of the cookie is worth nothing.
func TestSessionFixationAndLogout(t *testing.T) {
	for _, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			c := newConsole(t, kind, nil)
			b := c.browser(t)
			u, _ := url.Parse(c.url)
			planted := access.NewToken()
			b.http.Jar.SetCookies(u, []*http.Cookie{{Name: "dezura_session", Value: planted, Path: "/"}})
			b.get("/login")
			b.post("/login", url.Values{"Login": {"clerk.a"}, "Password": {password}})
			var got string
			for _, ck := range b.http.Jar.Cookies(u) {
				if ck.Name == "dezura_session" {
					got = ck.Value
				}
			}
			if got == "" || got == planted {
				t.Fatalf("session cookie after sign-in %q (planted %q)", got, planted)
			}
			if _, err := c.acc.Session(context.Background(), planted); err == nil {
				t.Error("the planted ID is a session")
			}
			if res, _ := b.get("/board"); res.StatusCode != http.StatusOK {
				t.Fatalf("board: status %d", res.StatusCode)
			}
			copyOf := c.browser(t)
			copyOf.http.Jar.SetCookies(u, []*http.Cookie{{Name: "dezura_session", Value: got, Path: "/"}})
			if res, _ := copyOf.get("/board"); res.StatusCode != http.StatusOK {
				t.Fatalf("a copy of the cookie before sign-out: status %d", res.StatusCode)
			}
			if res, _ := b.post("/logout", nil); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign out: status %d", res.StatusCode)
			}
			if res, _ := copyOf.get("/board"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
				t.Errorf("a copy of the cookie after sign-out: status %d to %q", res.StatusCode, res.Header.Get("Location"))
			}
		})
	}
}

var (
	tokenRe       = regexp.MustCompile(`value="[A-Za-z0-9_-]{43}"`)
	lockedUntilRe = regexp.MustCompile(`\d{2}:\d{2} まで`)
)

// Five wrong passwords lock the name; a name nobody has gives the same
// pages, so nothing tells whether an account exists.
func TestSignInLockout(t *testing.T) {
	c := newConsole(t, "sqlite", nil)
	pages := map[string][]string{}
	for _, login := range []string{"clerk.a", "nobody.here"} {
		b := c.browser(t)
		b.get("/login")
		for i := 1; i <= access.AccountFailures+1; i++ {
			res, page := b.post("/login", url.Values{"Login": {login}, "Password": {"wrong password " + login}})
			want := http.StatusUnauthorized
			if i >= access.AccountFailures {
				want = http.StatusTooManyRequests
			}
			if res.StatusCode != want {
				t.Errorf("%s attempt %d: status %d, want %d", login, i, res.StatusCode, want)
			}
			page = strings.ReplaceAll(tokenRe.ReplaceAllString(page, ""), login, "LOGIN")
			page = strings.ReplaceAll(page, "wrong password LOGIN", "")
			// The time the lock ends is to the minute: the two names' locks
			// may end in different minutes on a slow machine.
			page = lockedUntilRe.ReplaceAllString(page, "HH:MM まで")
			pages[login] = append(pages[login], page)
		}
		_, page := b.post("/login", url.Values{"Login": {login}, "Password": {password}})
		if !strings.Contains(page, "ログインの失敗が続いたため") {
			t.Errorf("%s, right password while locked: %s", login, problem(page))
		}
	}
	for i := range pages["clerk.a"] {
		if pages["clerk.a"][i] != pages["nobody.here"][i] {
			t.Errorf("attempt %d: the page for an account differs from the one for no account", i+1)
		}
	}
}

// Field errors say in Japanese, beside the field, what to do; English on
// the switch.
func TestFieldErrorsAndLanguage(t *testing.T) {
	c := newConsole(t, "sqlite", nil)
	b := c.signedIn(t, "clerk.a")
	res, page := b.post("/sites/new", url.Values{"Code": {"12ab"}, "Name": {"x"}, "DID": {"03-1234"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-Code">現場コードは1〜8桁の数字で入力してください`) {
		t.Errorf("bad site code: status %d\n%s", res.StatusCode, problem(page))
	}
	_, page = b.post("/sites/new", url.Values{"Code": {c.ts.A.Site}, "Name": {"x"}})
	if !strings.Contains(page, `id="e-Code">すでに登録されています`) {
		t.Errorf("site code taken:\n%s", problem(page))
	}
	_, page = b.post("/sites/new", url.Values{"Code": {"555"}, "Name": {"x"}, "DID": {"03-12"}})
	if !strings.Contains(page, `id="e-DID">電話番号として読めません`) {
		t.Errorf("bad DID:\n%s", problem(page))
	}
	_, page = b.post("/technicians/"+c.ts.A.Worker+"/security-code", url.Values{"SecurityCode": {"12"}})
	if !strings.Contains(page, `id="e-SecurityCode">セキュリティコードはカード裏面の4桁`) || strings.Contains(page, `value="12"`) {
		t.Errorf("bad security code (or written back):\n%s", problem(page))
	}
	b.post("/lang", url.Values{"lang": {"en"}, "back": {"/sites"}})
	_, page = b.post("/sites/new", url.Values{"Code": {"12ab"}, "Name": {"x"}})
	if !strings.Contains(page, "Enter the site code as 1 to 8 digits") || !strings.Contains(page, `lang="en"`) {
		t.Errorf("in English:\n%s", problem(page))
	}
}

var missingRe = regexp.MustCompile(`![a-z_]+\.[a-z_.]+`)

// Every page of every role is in the catalogue in both languages, and
// numbers and dates are written the Japanese way.
func TestPagesComplete(t *testing.T) {
	c := newConsole(t, "sqlite", nil)
	a := c.ts.A
	paths := []string{"/board", "/sites", "/sites/new", "/sites/" + a.Site, "/sites/" + a.Site + "/edit", "/technicians",
		"/technicians/new", "/technicians/" + a.Worker, "/technicians/" + a.Worker + "/edit", "/phones", "/phones/new",
		"/phones/" + strings.TrimPrefix(a.Phone, "+") + "/edit", "/users", "/users/new", "/history", "/login-missing"}
	for _, lang := range []string{"ja", "en"} {
		b := c.signedIn(t, "operator")
		if lang == "en" {
			b.post("/lang", url.Values{"lang": {"en"}, "back": {"/"}})
		}
		for _, p := range paths {
			_, page := b.get(p)
			if m := missingRe.FindString(page); m != "" {
				t.Errorf("%s %s: %s is not in the catalogue", lang, p, m)
			}
		}
		tech := c.signedIn(t, "tech.a")
		if _, page := tech.get("/me"); missingRe.MatchString(page) || !strings.Contains(page, "2026年12月5日(土)") {
			t.Errorf("/me: %s", missingRe.FindString(page))
		}
	}
	b := c.signedIn(t, "admin.a")
	if _, page := b.get("/phones"); !strings.Contains(page, ledger.FormatPhoneNational(a.Phone)) || strings.Contains(page, a.Phone) {
		t.Errorf("phones are not shown in national form")
	}
}
