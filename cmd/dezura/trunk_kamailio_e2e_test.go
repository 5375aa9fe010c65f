package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/simulator"
	"github.com/dezura/dezura/sip/trunk"
	"github.com/dezura/dezura/sip/trunk/carriertest"
)

// trunkRig is the service registered with Debian's Kamailio as the carrier
// (carriertest: digest authentication, registrations in memory, 120 s
// granted, Record-Route), with /metrics and /readyz on 127.0.0.1:0 and
// --ready-needs-trunk, logging JSON into the file logs.
type trunkRig struct {
	*httpRig // base: the HTTP endpoints
	carrier  *carriertest.Carrier
	svc      *service
	stop     context.CancelFunc // SIGTERM
	waited   chan error
	logs     string
}

// logLines returns the lines of the service's log so far.
func (r *trunkRig) logLines(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(r.logs)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func startTrunkRig(t *testing.T) *trunkRig {
	t.Helper()
	carrier := carriertest.Start(t, carriertest.Config{User: "0501234567", Password: "s3cret"})
	pw := filepath.Join(t.TempDir(), "trunk.pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := serveConfig{
		DB: "sqlite:" + filepath.Join(t.TempDir(), "dezura.db"), Demo: true,
		SIP: "127.0.0.1:0", HTTP: "127.0.0.1:0", RTPPorts: "0-0", DTMF: "auto",
		FirstDigitTimeout: 10 * time.Second, InterDigitTimeout: 5 * time.Second, MaxTries: 3,
		RTPTimeout: 30 * time.Second, DrainTimeout: 30 * time.Second, LogLevel: "info", LogFormat: "json",
		BillingAt: "off", Trust: "127.0.0.0/8,::1", UntrustedOptions: "answer", SessionExpires: 30 * time.Minute,
		TrunkRegister: carrier.AOR(), TrunkPasswordFile: pw, TrunkKeepAlive: time.Second, ReadyNeedsTrunk: true,
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := filepath.Join(t.TempDir(), "dezura.log")
	logFile, err := os.Create(logs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := startService(ctx, cfg, newLogger(io.MultiWriter(logFile, testWriter{t}), slog.LevelInfo, "json"))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &trunkRig{httpRig: &httpRig{base: "http://" + svc.http.Addr().String()}, carrier: carrier, svc: svc,
		stop: cancel, waited: make(chan error, 1), logs: logs}
	go func() { r.waited <- svc.wait(ctx, cfg.DrainTimeout) }()
	t.Cleanup(func() {
		cancel()
		if err := <-r.waited; err != nil {
			t.Errorf("service shutdown: %v", err)
		}
	})
	return r
}

// waitMetrics waits until every series has its value in /metrics.
func (r *trunkRig) waitMetrics(t *testing.T, want map[string]float64) {
	t.Helper()
	var body string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		_, body = r.get(t, "/metrics")
		ok := true
		for series, v := range want {
			if got, found := metric(body, series); !found || got != v {
				ok = false
			}
		}
		if ok {
			return
		}
	}
	for series, v := range want {
		got, found := metric(body, series)
		t.Errorf("%s = %v (present %v), want %v", series, got, found, v)
	}
	t.FailNow()
}

// waitReady waits until /readyz answers code with words in its body.
func (r *trunkRig) waitReady(t *testing.T, code int, words string) {
	t.Helper()
	var got int
	var body string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got, body = r.get(t, "/readyz"); got == code && strings.Contains(body, words) {
			return
		}
	}
	t.Fatalf("/readyz %d %q, want %d with %q", got, body, code, words)
}

// TestE2ETrunkMetricsAndReadiness: /metrics shows the registration, a
// registrar restart found and healed, and keep-alives missed while the
// registrar is down; with --ready-needs-trunk /readyz is 503 while the
// registration is not in place. The JSON log gives names, not numbers,
// and one component per line.
func TestE2ETrunkMetricsAndReadiness(t *testing.T) {
	r := startTrunkRig(t)
	r.waitMetrics(t, map[string]float64{
		"dezura_trunk_registered": 1, `dezura_trunk_state{state="registered"}`: 1,
		"dezura_trunk_granted_expires_seconds": 120, "dezura_trunk_refreshes_total": 0,
	})
	r.waitReady(t, 200, "ready")
	_, body := r.get(t, "/metrics")
	checkTrunkNamesExported(t, body)
	if last, _ := metric(body, "dezura_trunk_last_registration_timestamp_seconds"); last < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("last registration at %v", last)
	}
	r.waitMetrics(t, map[string]float64{"dezura_trunk_keepalive_misses_total": 0}) // --trunk-keepalive 1s
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, body = r.get(t, "/metrics")
		if v, _ := metric(body, "dezura_trunk_keepalives_total"); v >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no keep-alive in dezura_trunk_keepalives_total with --trunk-keepalive 1s")
		}
	}

	// Restarted with an empty location table: found by a keep-alive.
	r.carrier.Restart(0)
	var lost float64
	for deadline := time.Now().Add(10 * time.Second); lost == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		_, body = r.get(t, "/metrics")
		a, _ := metric(body, `dezura_trunk_registrations_lost_total{cause="not_found"}`)
		b, _ := metric(body, `dezura_trunk_registrations_lost_total{cause="reachable_again"}`)
		lost = a + b
	}
	if lost == 0 {
		t.Fatal("the registrar's restart is not in dezura_trunk_registrations_lost_total")
	}
	r.waitMetrics(t, map[string]float64{"dezura_trunk_registered": 1})

	// Down: not ready, keep-alives missed; back: ready again.
	r.carrier.Stop()
	r.waitReady(t, 503, "trunk not registered")
	_, body = r.get(t, "/metrics")
	if v, _ := metric(body, "dezura_trunk_keepalive_misses_total"); v < 1 {
		t.Errorf("dezura_trunk_keepalive_misses_total %v while the registrar is down", v)
	}
	if v, _ := metric(body, "dezura_trunk_registered"); v != 0 {
		t.Errorf("dezura_trunk_registered %v while the registrar is down", v)
	}
	r.carrier.Start()
	r.waitReady(t, 200, "ready")

	checkJSONLog(t, r.logLines(t))
}

// checkJSONLog: every line is JSON with at most one component key, and
// the trunk's lines name states and causes.
func checkJSONLog(t *testing.T, lines []string) {
	t.Helper()
	names := map[string]bool{}
	for _, s := range trunk.States() {
		names[s.String()] = true
	}
	for _, c := range trunk.LossCauses() {
		names[c.String()] = true
	}
	trunkLines := 0
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", l)
			continue
		}
		if n := strings.Count(l, `"component":`); n > 1 {
			t.Errorf("%d component keys: %s", n, l)
		}
		if rec["component"] != "trunk" {
			continue
		}
		trunkLines++
		for _, k := range []string{"state", "was", "cause"} {
			if v, ok := rec[k]; ok && !names[v.(string)] {
				t.Errorf("%s is %v in %s", k, v, l)
			}
		}
	}
	if trunkLines == 0 {
		t.Error("no trunk line in the log")
	}
}

// TestE2ETrunkDrainUnregistersFirst: on SIGTERM the node unregisters from
// the carrier before it drains, so the carrier routes no new call to it
// (it answers 404: the number has no binding), while the call in progress
// finishes and is recorded.
func TestE2ETrunkDrainUnregistersFirst(t *testing.T) {
	r := startTrunkRig(t)
	r.waitReady(t, 200, "ready")
	inProgress := callAsync(simulator.Options{
		To: r.carrier.AOR(), From: "09012345678", Keys: []string{"1234#", "1"}, DiscardAudio: true, MaxDuration: 60 * time.Second,
	})
	for deadline := time.Now().Add(10 * time.Second); r.svc.sip.ActiveCalls() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the call through the carrier did not reach the node")
		}
	}
	r.stop() // SIGTERM
	for deadline := time.Now().Add(15 * time.Second); r.svc.trunk.State() != trunk.StateUnknown; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not unregistered after SIGTERM")
		}
	}
	if r.svc.sip.ActiveCalls() != 1 {
		t.Fatal("the call in progress ended before the unregistration")
	}
	res, err := simulator.Call(context.Background(), simulator.Options{To: r.carrier.AOR(), From: "09012345678", MaxDuration: 10 * time.Second})
	if err != nil || res.Status != 404 {
		t.Errorf("new call through the carrier while draining: status %d, err %v; want 404 from the carrier", res.Status, err)
	}
	if res, err := inProgress(); err != nil || res.Status != 200 || res.EndedBy != simulator.EndedRemoteBye {
		t.Errorf("call in progress: %+v %v, want answered and finished by the flow", res, err)
	}
	if err := <-r.waited; err != nil {
		t.Fatalf("service shutdown: %v", err)
	}
	r.waited <- nil // for the cleanup
	st := r.svc.sip.Stats()
	if n := r.carrier.Routed("INVITE"); n != 1 || st.Answered != 1 || st.RejectedDraining != 0 {
		t.Errorf("carrier routed %d INVITEs, node answered %d and refused %d while draining; want 1, 1, 0", n, st.Answered, st.RejectedDraining)
	}
	logs := strings.Join(r.logLines(t), "\n")
	unreg, drain := strings.Index(logs, `"msg":"trunk unregistered"`), strings.Index(logs, `"msg":"shutting down: draining calls"`)
	if unreg < 0 || drain < unreg || !strings.Contains(logs, `"deadline":"30s"`) {
		t.Errorf("want the unregistration logged before the drain, whose deadline reads 30s; log:\n%s", logs)
	}
}

// callAsync places a call in the background; the function it returns
// waits for the call's result.
func callAsync(o simulator.Options) func() (simulator.Result, error) {
	var res simulator.Result
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, err = simulator.Call(context.Background(), o)
	}()
	return func() (simulator.Result, error) {
		<-done
		return res, err
	}
}

// checkTrunkNamesExported: every dezura_trunk_* name the operator's
// dashboard and alert rules (deploy/) query is on a registered node's
// /metrics; deploy's own service test runs without a trunk and leaves
// these names to this test.
func checkTrunkNamesExported(t *testing.T, metrics string) {
	t.Helper()
	re := regexp.MustCompile(`dezura_trunk_[a-z_]+`)
	n := 0
	for _, f := range []string{"../../deploy/grafana/dezura.json", "../../deploy/prometheus/dezura-rules.yml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range re.FindAllString(string(b), -1) {
			n++
			if !regexp.MustCompile(`(?m)^` + name + `[{ ]`).MatchString(metrics) {
				t.Errorf("%s queries %s, which a node registered with the trunk does not export", f, name)
			}
		}
	}
	if n < 4 {
		t.Errorf("only %d dezura_trunk_* names in the dashboard and rules", n)
	}
}
