package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
	"github.com/dezura/dezura/simulator"
)

// The end-to-end tests run the real service (store, prompts, flow, SIP)
// on 127.0.0.1 with ports chosen at run time and place real SIP calls with
// the simulator, then look in the ledger.

type testService struct {
	*service
	uri   string
	admin ledger.Admin
	db    string       // the store's URL
	stop  func() error // stops the service (drains calls) and returns once it has
}

func startTestService(t *testing.T, mod func(*serveConfig)) *testService {
	t.Helper()
	return startTestServiceLog(t, mod, slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// startTestServiceLog is startTestService logging to h.
func startTestServiceLog(t *testing.T, mod func(*serveConfig), h slog.Handler) *testService {
	t.Helper()
	cfg := serveConfig{
		DB: "sqlite:" + filepath.Join(t.TempDir(), "dezura.db"), Demo: true,
		SIP: "127.0.0.1:0", RTPPorts: "0-0", DTMF: "auto",
		FirstDigitTimeout: 10 * time.Second, InterDigitTimeout: 5 * time.Second, MaxTries: 3,
		RTPTimeout: 30 * time.Second, DrainTimeout: 5 * time.Second, LogLevel: "warn", LogFormat: "text",
		BillingAt: "0 3 * * *", Trust: "127.0.0.0/8,::1", UntrustedOptions: "answer",
		SessionExpires: 30 * time.Minute,
	}
	if mod != nil {
		mod(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := startService(ctx, cfg, slog.New(h))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- svc.wait(ctx, cfg.DrainTimeout) }()
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			stopErr = <-waited
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("service shutdown: %v", err)
		}
	})
	return &testService{service: svc, uri: "sip:ivr@" + svc.sip.Addr().String(), admin: svc.db, db: cfg.DB, stop: stop}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func (s *testService) call(t *testing.T, o simulator.Options) simulator.Result {
	t.Helper()
	if o.To == "" {
		o.To = s.uri
	}
	if o.MaxDuration == 0 {
		o.MaxDuration = 90 * time.Second
	}
	res, err := simulator.Call(context.Background(), o)
	if err != nil {
		t.Fatalf("simulated call: %v", err)
	}
	return res
}

func (s *testService) entries(t *testing.T) []ledger.Entry {
	t.Helper()
	es, err := s.admin.ListEntries(context.Background(), ledger.EntryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func (s *testService) calls(t *testing.T) []ledger.CallRecord {
	t.Helper()
	cs, err := s.admin.ListCalls(context.Background(), ledger.CallFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// callRecord waits briefly for the record of callID: the service writes
// it just after its BYE.
func (s *testService) callRecord(t *testing.T, callID string) ledger.CallRecord {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, c := range s.calls(t) {
			if c.CallID == callID {
				return c
			}
		}
	}
	t.Fatalf("no call record for %s", callID)
	return ledger.CallRecord{}
}

func wantAnsweredAndHungUp(t *testing.T, res simulator.Result) {
	t.Helper()
	if res.Status != 200 || res.EndedBy != simulator.EndedRemoteBye {
		t.Fatalf("call: status %d ended by %q, want 200 and the service's BYE", res.Status, res.EndedBy)
	}
}

func TestE2ERegisteredCallerChecksInAndOut(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	rec := filepath.Join(t.TempDir(), "heard.wav")
	res := s.call(t, simulator.Options{From: "09012345678", Keys: []string{"1234#", "1"}, Record: rec})
	wantAnsweredAndHungUp(t, res)
	es := s.entries(t)
	if len(es) != 1 || es[0].TechnicianID != ledger.DemoTechnicianID || es[0].SiteCode != "1234" ||
		es[0].Status != ledger.EntryStatusOpen || es[0].WorkDate != ledger.WorkDate(time.Now()) {
		t.Fatalf("entries after check-in = %+v", es)
	}
	cr := s.callRecord(t, res.CallID)
	if cr.Outcome != "registered" || cr.Caller != "+819012345678" || cr.DTMFTransport != "rfc4733" || len(cr.EntryIDs) != 1 {
		t.Errorf("call record = %+v", cr)
	}
	if len(res.Heard) < 8000 {
		t.Errorf("heard only %d samples", len(res.Heard))
	}

	// A check-out so soon after the check-in asks for a second 2.
	res = s.call(t, simulator.Options{From: "09012345678", Keys: []string{"1234#", "2", "2"}})
	wantAnsweredAndHungUp(t, res)
	es = s.entries(t)
	if len(es) != 1 || es[0].Status != ledger.EntryStatusClosed || es[0].CheckOut.IsZero() {
		t.Fatalf("entries after check-out = %+v", es)
	}
}

func TestE2EUnregisteredCallerKeysID(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	res := s.call(t, simulator.Options{From: "0311112222", Keys: []string{"12345678901234", "1234#", "1"}})
	wantAnsweredAndHungUp(t, res)
	if es := s.entries(t); len(es) != 1 || es[0].TechnicianID != ledger.DemoTechnicianID {
		t.Fatalf("entries = %+v", es)
	}
	if cr := s.callRecord(t, res.CallID); cr.Outcome != "registered" || cr.Caller != "+81311112222" {
		t.Errorf("call record = %+v", cr)
	}
}

func TestE2EWrongSiteThenRight(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	res := s.call(t, simulator.Options{From: "09012345678", Keys: []string{"9999#", "1234#", "1"}})
	wantAnsweredAndHungUp(t, res)
	es := s.entries(t)
	if len(es) != 1 || es[0].SiteCode != "1234" {
		t.Fatalf("entries = %+v", es)
	}
	cr := s.callRecord(t, res.CallID)
	if cr.Outcome != "registered" {
		t.Errorf("call record = %+v", cr)
	}
}

func TestE2ENoKeysAtAll(t *testing.T) {
	t.Parallel()
	s := startTestService(t, func(c *serveConfig) { c.FirstDigitTimeout, c.InterDigitTimeout = time.Second, time.Second })
	res := s.call(t, simulator.Options{From: "09012345678"})
	wantAnsweredAndHungUp(t, res)
	if es := s.entries(t); len(es) != 0 {
		t.Fatalf("entries = %+v, want none", es)
	}
	if cr := s.callRecord(t, res.CallID); cr.Outcome != "failed" || cr.Reason != "no_input" {
		t.Errorf("call record = %+v", cr)
	}
}

func TestE2EHangupMidFlow(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	res := s.call(t, simulator.Options{From: "09012345678", Keys: []string{"1234#"}, HangupAfterGroup: 1})
	if res.Status != 200 || res.EndedBy != simulator.EndedLocalBye {
		t.Fatalf("status %d ended by %q", res.Status, res.EndedBy)
	}
	if cr := s.callRecord(t, res.CallID); cr.Outcome != "abandoned" {
		t.Errorf("call record = %+v", cr)
	}
	if es := s.entries(t); len(es) != 0 {
		t.Fatalf("entries = %+v, want none", es)
	}
}

func TestE2ECancelBeforeAnswer(t *testing.T) {
	t.Parallel()
	s := startTestService(t, func(c *serveConfig) { c.AnswerDelay = 3 * time.Second })
	res := s.call(t, simulator.Options{From: "09012345678", Keys: []string{"1234#", "1"}, CancelAfter: 300 * time.Millisecond})
	if res.Status != 487 || res.EndedBy != simulator.EndedCancel {
		t.Fatalf("status %d ended by %q, want 487 after CANCEL", res.Status, res.EndedBy)
	}
	if es := s.entries(t); len(es) != 0 {
		t.Fatalf("entries = %+v, want none", es)
	}
}

func TestE2EOfferWithoutG711(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	res := s.call(t, simulator.Options{From: "09012345678", Codecs: []string{"G729"}})
	if res.Status != 488 || res.EndedBy != simulator.EndedRejected {
		t.Fatalf("status %d ended by %q, want 488", res.Status, res.EndedBy)
	}
}

func TestE2EServeRunsBillingAtStartup(t *testing.T) {
	t.Parallel()
	db := "sqlite:" + filepath.Join(t.TempDir(), "dezura.db")
	var out, errb strings.Builder
	env := cliEnv{Stdout: &out, Stderr: &errb}
	// The demo contractor subscribes to the campaign plan a year and a day
	// ago: the first year's fee and the first renewal are both due.
	start := time.Now().In(ledger.Tokyo).AddDate(-1, 0, -1).Format(time.DateOnly)
	if err := run(context.Background(), []string{"--db", db, "migrate"}, env); err != nil {
		t.Fatalf("migrate: %v %s", err, errb.String())
	}
	addContractors(t, db, ledger.DemoContractorID)
	if err := run(context.Background(), []string{"--db", db, "billing", "subscribe", "--contractor", "demo", "--start", start}, env); err != nil {
		t.Fatalf("subscribe: %v %s", err, errb.String())
	}
	startTestService(t, func(c *serveConfig) {
		c.DB = db
		c.IssuerName, c.IssuerReg = "出面株式会社", "T7000012050002"
	})
	b := openBilling(t, db)
	var invs []billing.Invoice
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if invs, err = b.Invoices(context.Background(), billing.Date{}, billing.Date{}); err != nil {
			t.Fatal(err)
		}
		if len(invs) >= 2 {
			break
		}
	}
	if len(invs) != 2 {
		t.Fatalf("invoices after start-up run = %d, want 2 (first year and renewal)", len(invs))
	}
	for _, inv := range invs {
		if inv.Total != 16500 {
			t.Errorf("invoice %s total %d, want 16500", inv.Number, inv.Total)
		}
	}
}

func TestE2EUntrustedCallerForbidden(t *testing.T) {
	t.Parallel()
	// This service trusts 10.0.0.0/8 only (no traffic goes there); the
	// simulator on 127.0.0.1 is a stranger and has no digest secret.
	s := startTestService(t, func(c *serveConfig) { c.Trust = "10.0.0.0/8" })
	res := s.call(t, simulator.Options{From: "09012345678", Keys: []string{"1234#", "1"}})
	if res.Status != 403 || res.EndedBy != simulator.EndedRejected {
		t.Fatalf("status %d ended by %q, want 403", res.Status, res.EndedBy)
	}
	if es := s.entries(t); len(es) != 0 {
		t.Fatalf("entries = %+v", es)
	}
}

func TestServeConfigValidate(t *testing.T) {
	base := func() serveConfig {
		c, err := parseServe()
		if err != nil {
			t.Fatal(err)
		}
		c.DB = "sqlite:x.db"
		return c
	}
	c := base()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	tests := []struct {
		name string
		mod  func(*serveConfig)
		want string
	}{
		{"sip", func(c *serveConfig) { c.SIP = "5060" }, "--sip"},
		{"rtp ports", func(c *serveConfig) { c.RTPPorts = "20000-10000" }, "--rtp-ports"},
		{"dtmf", func(c *serveConfig) { c.DTMF = "tones" }, "--dtmf"},
		{"trust", func(c *serveConfig) { c.Trust = "10.0.0.0/33" }, "--trust"},
		{"options", func(c *serveConfig) { c.UntrustedOptions = "maybe" }, "--untrusted-options"},
		{"issuer half", func(c *serveConfig) { c.IssuerName = "出面" }, "both --issuer-name"},
		{"issuer check digit", func(c *serveConfig) { c.IssuerName, c.IssuerReg = "出面", "T1000012050002" }, "--issuer-registration"},
		{"billing spec", func(c *serveConfig) { c.BillingAt = "" }, "--billing-at"},
		{"tries", func(c *serveConfig) { c.MaxTries = 0 }, "--max-tries"},
		{"log level", func(c *serveConfig) { c.LogLevel = "loud" }, "--log-level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.mod(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != 2 {
				t.Fatalf("Validate() = %v, want a usage error naming %s", err, tt.want)
			}
		})
	}
}
