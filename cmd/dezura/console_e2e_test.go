package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
	"github.com/dezura/dezura/simulator"
	"github.com/dezura/dezura/web/browsertest"
)

// The console flags: --demo serves it on 127.0.0.1:8080 unless --web
// says otherwise; --web-behind-tls needs --web.
func TestConsoleFlags(t *testing.T) {
	tests := []struct {
		args []string
		web  string
		err  string
	}{
		{[]string{"--demo"}, "127.0.0.1:8080", ""},
		{[]string{"--demo", "--web", "off"}, "off", ""},
		{[]string{"--demo", "--web", "127.0.0.1:9999"}, "127.0.0.1:9999", ""},
		{nil, "", ""},
		{[]string{"--web", "8080"}, "", `--web "8080" is not HOST:PORT`},
		{[]string{"--web-behind-tls"}, "", "--web-behind-tls needs --web ADDR"},
	}
	for _, tt := range tests {
		cfg, err := parseServe(tt.args...)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%v: err %v, want %q", tt.args, err, tt.err)
		case tt.err == "" && (err != nil || cfg.Web != tt.web):
			t.Errorf("%v: --web %q, %v; want %q", tt.args, cfg.Web, err, tt.web)
		}
	}
}

// `dezura user add` takes the password from standard input (never a
// flag), checks it, and the account's addition is audited as the OS
// user's; `user password` sets a new one.
func TestUserCommands(t *testing.T) {
	db := tempDB(t)
	ok(t, db, "migrate")
	user := func(stdin string, args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(t.Context(), append([]string{"--db", db, "user"}, args...), cliEnv{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin)})
		return out.String() + errb.String(), err
	}
	if out, err := user("first operator password\n", "add", "boss", "--name", "社長"); err != nil || !strings.Contains(out, "added boss (operator_admin)") {
		t.Fatalf("user add: %q, %v", out, err)
	}
	if _, err := user("short\n", "add", "boss2", "--name", "x"); err == nil || !strings.Contains(err.Error(), "shorter than 10") {
		t.Errorf("short password: %v", err)
	}
	if _, err := user("", "add", "boss3", "--name", "x"); !errors.Is(err, errUsage) {
		t.Errorf("no password: %v, want a usage error", err)
	}
	if _, err := user("x\n", "add", "boss4", "--name", "x", "--password", "secret123456"); err == nil || !strings.Contains(err.Error(), "unknown flag --password") {
		t.Errorf("--password: %v, want unknown flag", err)
	}
	if _, err := user("another good pw\n", "add", "clerk1", "--name", "事務", "--role", "clerk"); err == nil || !strings.Contains(err.Error(), "belongs to a contractor") {
		t.Errorf("clerk without contractor: %v", err)
	}
	if out, err := user("", "list"); err != nil || !strings.Contains(out, "boss") || !strings.Contains(out, "operator_admin") {
		t.Errorf("user list: %q, %v", out, err)
	}
	if out, err := user("a brand new password\n", "password", "BOSS"); err != nil || !strings.Contains(out, "new password set for boss") {
		t.Errorf("user password: %q, %v", out, err)
	}
	store, err := ledger.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	acc, err := access.New(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acc.Login(t.Context(), access.LoginRequest{Login: "boss", Password: "a brand new password", IP: "127.0.0.1"}); err != nil {
		t.Errorf("sign in with the new password: %v", err)
	}
	h, err := store.History(t.Context(), ledger.ScopeAll(), ledger.HistoryQuery{Object: "user:boss"})
	want := "cli:" + ledger.CLIActor().Name
	if err != nil || len(h.Rows) != 2 || h.Rows[0].Actor != want || h.Rows[1].Actor != want || h.Rows[0].Action != "user.password" {
		t.Errorf("audit of user:boss: %+v, %v; want two records by %s", h.Rows, err, want)
	}
	// Registration at the command line is audited as the OS user's too.
	ok(t, db, "contractor", "add", "--id", "acme", "--name", "アクメ建設")
	if h, _ := store.History(t.Context(), ledger.ScopeAll(), ledger.HistoryQuery{Object: "contractor:acme"}); len(h.Rows) != 1 || h.Rows[0].Actor != want {
		t.Errorf("audit of contractor add: %+v", h.Rows)
	}
}

// The README's first steps: `dezura serve --demo` serves the console;
// the demo contractor's admin signs in on a phone, the simulator checks
// the demo technician in by a real SIP call, and the board shows him in.
func TestConsoleBoardAfterCheckIn(t *testing.T) {
	t.Parallel()
	s := startTestService(t, func(c *serveConfig) { c.Web = "127.0.0.1:0" })
	if s.console == nil || len(s.console.demo) != 2 || s.console.demo[0].login != access.DemoContractorLogin {
		t.Fatalf("console = %+v", s.console)
	}
	ctx := browsertest.New(t, browsertest.Phone)
	url := strings.TrimSuffix(s.console.url, "/")
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(url + "/login"),
		chromedp.SendKeys(chromedp.CSS("#f-Login"), s.console.demo[0].login),
		chromedp.SendKeys(chromedp.CSS("#f-Password"), s.console.demo[0].password),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#site-" + ledger.DemoSiteCode)),
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
	card, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#site-"+ledger.DemoSiteCode)))
	if err != nil || strings.Contains(card, "出面 太郎") {
		t.Fatalf("the board before the call: %q, %v", card, err)
	}
	res := s.call(t, simulator.Options{From: "09012345678", Keys: []string{"1234#", "1"}})
	wantAnsweredAndHungUp(t, res)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(card, "出面 太郎") && time.Now().Before(deadline) {
		if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#site-"+ledger.DemoSiteCode))); err != nil {
			t.Fatal(err)
		}
		card, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#site-"+ledger.DemoSiteCode)))
	}
	if !strings.Contains(card, "入場中 (1)") || !strings.Contains(card, "出面 太郎") {
		t.Errorf("the board after the check-in call:\n%s", card)
	}
	// The layout fits the phone: nothing wider than the screen.
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth"))
	if err != nil || wide {
		t.Errorf("the board is wider than a phone (%v)", err)
	}
	browsertest.Screenshot(t, ctx, docsConsole(), "board-phone")
}

// docsConsole is where the README's screenshots are kept.
func docsConsole() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "docs", "console")
}
