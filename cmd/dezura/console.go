package main

// The office console (web/) as `dezura serve` serves it: --web ADDR
// (127.0.0.1:8080 with --demo, off otherwise), --web-behind-tls, and with
// --demo two demo accounts whose passwords are printed at every start.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/alecthomas/kong"

	"github.com/dezura/dezura/ledger/access"
	"github.com/dezura/dezura/ledger/billing"
	"github.com/dezura/dezura/web"
)

// consoleFlags are serve's flags for the console.
type consoleFlags struct {
	Web          string `name:"web" placeholder:"ADDR" help:"TCP address of the office console, e.g. 127.0.0.1:8080 (default with --demo: 127.0.0.1:8080; otherwise off; \"off\": off)"`
	WebBehindTLS bool   `name:"web-behind-tls" help:"the console is reached over HTTPS through a proxy that terminates TLS: Secure cookies, HSTS, and the sign-in limits count the address the proxy on this host forwards for"`
}

// defaultDemoWeb is where --demo serves the console unless --web says.
const defaultDemoWeb = "127.0.0.1:8080"

// webDefault gives --demo its console when --web is not on the command
// line (a configuration built in a test keeps what it sets).
func (c *serveConfig) webDefault(kctx *kong.Context) {
	for _, f := range kctx.Flags() {
		if f.Name == "web" && f.Set {
			return
		}
	}
	if c.Demo && c.Web == "" {
		c.Web = defaultDemoWeb
	}
}

// validateWeb checks --web.
func (c *serveConfig) validateWeb() []error {
	if c.Web == "" || c.Web == "off" {
		if c.WebBehindTLS {
			return []error{errors.New("--web-behind-tls needs --web ADDR")}
		}
		return nil
	}
	if _, _, err := net.SplitHostPort(c.Web); err != nil {
		return []error{fmt.Errorf("--web %q is not HOST:PORT (e.g. 127.0.0.1:8080), or off", c.Web)}
	}
	return nil
}

// consoleServer is the running console.
type consoleServer struct {
	http *httpServer
	url  string
	// demo holds the demo accounts' passwords (with --demo).
	demo []demoLogin
}

type demoLogin struct{ login, password, what string }

// startConsole serves the console on --web, on the same database, with
// the accounts of ledger/access (migrated on first start).
func (s *service) startConsole(ctx context.Context, cfg serveConfig) error {
	if cfg.Web == "" || cfg.Web == "off" {
		return nil
	}
	acc, err := access.New(ctx, s.db)
	if err != nil {
		return fmt.Errorf("console accounts: %w", err)
	}
	c := &consoleServer{}
	if cfg.Demo {
		op, ca, err := acc.SeedDemo(ctx)
		if err != nil {
			return err
		}
		c.demo = []demoLogin{{access.DemoContractorLogin, ca, "デモ工務店の事業者管理者 / the demo contractor's admin"},
			{access.DemoOperatorLogin, op, "運営管理者 / operator admin"}}
	}
	wc := web.Config{Ledger: s.db, Accounts: acc, Logger: s.logger, BehindTLS: cfg.WebBehindTLS}
	if err := s.consoleBilling(ctx, cfg, &wc, os.Getenv); err != nil {
		return err
	}
	w, err := web.New(wc)
	if err != nil {
		return err
	}
	h, err := listenHTTP("--web", cfg.Web, w, s.logger)
	if err != nil {
		return err
	}
	c.http = h
	scheme := "http"
	if cfg.WebBehindTLS {
		scheme = "https"
	}
	c.url = scheme + "://" + h.Addr().String() + "/"
	s.console = c
	return nil
}

// consoleBilling gives the console its billing screens: billing on the
// same database, the invoice font (--invoice-font; without it PDFs are
// refused with the package to install, the rest works), and the
// bank-file forms filled in from the variables `dezura billing
// transfer-file` and `refunds file` read (DEZURA_COLLECTOR_*,
// DEZURA_PAYER_*).
func (s *service) consoleBilling(ctx context.Context, cfg serveConfig, wc *web.Config, getenv func(string) string) error {
	b, err := newBilling(ctx, s.db)
	if err != nil {
		return err
	}
	wc.Billing = b
	if wc.BillingFont, err = billing.LoadFont(cfg.InvoiceFont); err != nil {
		s.logger.Warn("console: invoice PDFs are off until the font is installed", "err", err)
		wc.BillingFont = nil
	}
	wc.Collector = bankAccountFromEnv(getenv, "DEZURA_COLLECTOR_")
	wc.Payer = billing.Payer(bankAccountFromEnv(getenv, "DEZURA_PAYER_"))
	return nil
}

// bankAccountFromEnv reads a company's bank-file details from the
// variables PREFIX CODE, NAME, BANK, BRANCH, ACCOUNT_TYPE, ACCOUNT and
// LEAD_DAYS (what is not set, or not a number, is left for the form).
func bankAccountFromEnv(getenv func(string) string, prefix string) billing.Collector {
	num := func(name string) int {
		n, _ := strconv.Atoi(getenv(prefix + name))
		return n
	}
	return billing.Collector{Code: getenv(prefix + "CODE"), Name: getenv(prefix + "NAME"), BankCode: getenv(prefix + "BANK"),
		BranchCode: getenv(prefix + "BRANCH"), AccountType: num("ACCOUNT_TYPE"), AccountNumber: getenv(prefix + "ACCOUNT"),
		LeadDays: num("LEAD_DAYS")}
}

// printConsole tells where the console is and, with --demo, how to sign in.
func (c *consoleServer) print(o *output) {
	if c == nil {
		return
	}
	o.Printf("  console %s\n", c.url)
	if len(c.demo) == 0 {
		return
	}
	o.Printf("demo console sign-in (DEMO ONLY: new passwords at every start; make real accounts with 'dezura user add'):\n")
	for _, d := range c.demo {
		o.Printf("  %-14s %s  (%s)\n", d.login, d.password, d.what)
	}
}
