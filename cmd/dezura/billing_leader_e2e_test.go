package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
	"github.com/dezura/dezura/ledger/storetest"
)

// billingNodeRig is one dezura service with billing on and /metrics, which
// the test can stop in the middle.
type billingNodeRig struct {
	name   string
	svc    *service
	base   string // http://ADDR
	cancel context.CancelFunc
	waited chan error
}

func startBillingNode(t *testing.T, name, db string) *billingNodeRig {
	t.Helper()
	cfg := serveConfig{
		DB: db, Demo: true, SIP: "127.0.0.1:0", HTTP: "127.0.0.1:0", RTPPorts: "0-0", DTMF: "auto",
		FirstDigitTimeout: 10 * time.Second, InterDigitTimeout: 5 * time.Second, MaxTries: 3,
		RTPTimeout: 30 * time.Second, DrainTimeout: 5 * time.Second, LogLevel: "info", LogFormat: "text",
		Trust: "127.0.0.0/8,::1", UntrustedOptions: "answer", SessionExpires: 30 * time.Minute,
		Spool:     filepath.Join(t.TempDir(), name+".spool"),
		BillingAt: "0 3 * * *", BillingLeaderInterval: 100 * time.Millisecond,
		IssuerName: "出面株式会社", IssuerReg: "T7000012050002",
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})).With("node", name)
	svc, err := startService(ctx, cfg, logger)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	n := &billingNodeRig{name: name, svc: svc, base: "http://" + svc.http.Addr().String(), cancel: cancel, waited: make(chan error, 1)}
	go func() { n.waited <- svc.wait(ctx, cfg.DrainTimeout) }()
	t.Cleanup(func() {
		if err := n.stop(); err != nil {
			t.Errorf("%s shutdown: %v", name, err)
		}
	})
	return n
}

// stop shuts the service down (as SIGTERM does) and waits for it; once.
func (n *billingNodeRig) stop() error {
	n.cancel()
	err, ok := <-n.waited
	if ok {
		close(n.waited)
	}
	return err
}

// metric reads one series from the node's /metrics (-1 when absent).
func (n *billingNodeRig) metric(t *testing.T, series string) float64 {
	t.Helper()
	res, err := http.Get(n.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := metric(string(body), series)
	if !ok {
		return -1
	}
	return v
}

func (n *billingNodeRig) leader(t *testing.T) float64 {
	t.Helper()
	return n.metric(t, "dezura_billing_leader")
}

// TestE2EBillingLeaderTwoNodesOnePostgres: two services on one PostgreSQL
// schema, both with billing on. Exactly one leads (dezura_billing_leader
// 1, the other 0) and only it runs billing: its start-up run issues what is
// due, the other runs nothing. When the leader is stopped, the other is
// elected; its start-up run catches up and finds nothing left to issue.
func TestE2EBillingLeaderTwoNodesOnePostgres(t *testing.T) {
	t.Parallel()
	db := storetest.PostgresSchema(t, "e2e_billing_leader")
	var out, errb strings.Builder
	env := cliEnv{Stdout: &out, Stderr: &errb}
	// The demo contractor subscribed a year and a day ago: the first year
	// and the first renewal are due.
	start := time.Now().In(ledger.Tokyo).AddDate(-1, 0, -1).Format(time.DateOnly)
	for _, args := range [][]string{{"migrate"}, {"contractor", "add", "--id", "demo", "--name", "デモ工務店"},
		{"billing", "subscribe", "--contractor", "demo", "--start", start}} {
		if err := run(context.Background(), append([]string{"--db", db}, args...), env); err != nil {
			t.Fatalf("%v: %v %s", args, err, errb.String())
		}
	}
	a := startBillingNode(t, "a", db)
	b := startBillingNode(t, "b", db)

	poll := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting until %s (leader gauge: a %v, b %v)", what, a.leader(t), b.leader(t))
			}
		}
	}
	runsOK := `dezura_billing_runs_total{result="ok"}`
	var leader, other *billingNodeRig
	poll("exactly one node leads", func() bool {
		la, lb := a.leader(t), b.leader(t)
		switch {
		case la == 1 && lb == 0:
			leader, other = a, b
		case la == 0 && lb == 1:
			leader, other = b, a
		default:
			return false
		}
		return true
	})
	poll(leader.name+"'s start-up run", func() bool { return leader.metric(t, runsOK) == 1 })
	if got := leader.metric(t, "dezura_billing_invoices_total"); got != 2 {
		t.Errorf("%s issued %v invoices at start-up, want 2 (first year and renewal)", leader.name, got)
	}
	// Many election intervals later the other node still has not led.
	for range 10 {
		if la, lo := leader.leader(t), other.leader(t); la != 1 || lo != 0 {
			t.Fatalf("leader gauge: %s %v, %s %v", leader.name, la, other.name, lo)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := other.metric(t, runsOK); got != 0 {
		t.Fatalf("%s is not the leader but ran billing %v times", other.name, got)
	}

	if err := leader.stop(); err != nil {
		t.Fatalf("stop %s: %v", leader.name, err)
	}
	poll(other.name+" leads after "+leader.name+" stopped", func() bool { return other.leader(t) == 1 })
	poll(other.name+"'s catch-up run", func() bool { return other.metric(t, runsOK) == 1 })
	if got := other.metric(t, "dezura_billing_invoices_total"); got != 0 {
		t.Errorf("%s's catch-up run issued %v invoices, want 0 (all issued already)", other.name, got)
	}
	bs := openBilling(t, db)
	invs, err := bs.Invoices(context.Background(), billing.Date{}, billing.Date{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, inv := range invs {
		seen[fmt.Sprint(inv.SubscriptionID, inv.Kind, inv.Period)]++
	}
	if len(invs) != 2 || len(seen) != 2 {
		t.Errorf("invoices %d (%d distinct subscription, kind and period), want 2", len(invs), len(seen))
	}
}

func TestServeConfigBillingLeaderInterval(t *testing.T) {
	for _, tt := range []struct {
		d  time.Duration
		ok bool
	}{{0, true}, {10 * time.Millisecond, true}, {5 * time.Second, true}, {time.Hour, true},
		{-time.Second, false}, {time.Millisecond, false}, {2 * time.Hour, false}} {
		c := serveConfig{DB: "sqlite:x.db", SIP: "127.0.0.1:5060", RTPPorts: "10000-20000", DTMF: "auto",
			FirstDigitTimeout: time.Second, InterDigitTimeout: time.Second, RTPTimeout: time.Second, MaxTries: 1,
			LogLevel: "info", LogFormat: "text", Trust: "127.0.0.0/8", UntrustedOptions: "answer",
			SessionExpires: 30 * time.Minute, BillingAt: "0 3 * * *", BillingLeaderInterval: tt.d}
		err := c.Validate()
		if (err == nil) != tt.ok || (err != nil && (!strings.Contains(err.Error(), "--billing-leader-interval") || exitCode(err) != 2)) {
			t.Errorf("--billing-leader-interval %v: Validate() = %v, want ok %v", tt.d, err, tt.ok)
		}
	}
}
