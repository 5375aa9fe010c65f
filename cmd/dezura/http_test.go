package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dezura/dezura/ivr"
	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
	"github.com/dezura/dezura/simulator"
	"github.com/dezura/dezura/sip"
)

// httpRig is a real service wired by hand the way serve wires it: SQLite
// store with demo data behind the timing decorator, flow, SIP on
// 127.0.0.1:0, and the HTTP endpoints on 127.0.0.1:0.
type httpRig struct {
	store  ledger.DB
	srv    *sip.Server
	http   *httpServer
	base   string
	served chan error
}

func startHTTPRig(t *testing.T) *httpRig {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := ledger.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "dezura.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	m := newServiceMetrics()
	timed := m.timeStore(store)
	cat, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	flow, err := ivr.New(ivr.Config{FirstDigitTimeout: 10 * time.Second, InterDigitTimeout: 5 * time.Second, MaxTries: 3, Logger: logger},
		timed, cat)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sip.NewServer(sip.Config{Listen: "127.0.0.1:0", Logger: logger},
		func(ctx context.Context, c *sip.Call) { flow.Handle(ctx, c) })
	if err != nil {
		t.Fatal(err)
	}
	r := &httpRig{store: store, srv: srv, served: make(chan error, 1)}
	sctx, cancel := context.WithCancel(ctx)
	go func() { r.served <- srv.Serve(sctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-r.served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	<-srv.Ready()
	r.http, err = startHTTP("127.0.0.1:0", httpTargets{SIP: srv, Store: store, Metrics: m}, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer ccancel()
		if err := r.http.Close(cctx); err != nil {
			t.Errorf("HTTP close: %v", err)
		}
	})
	r.base = "http://" + r.http.Addr().String()
	return r
}

func (r *httpRig) get(t *testing.T, path string) (int, string) {
	t.Helper()
	res, err := http.Get(r.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// metric returns the value of the sample named exactly series (name and
// labels as Prometheus writes them, labels sorted), and whether it is there.
func metric(body, series string) (float64, bool) {
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || name != series {
			continue
		}
		v, err := strconv.ParseFloat(val, 64)
		return v, err == nil
	}
	return 0, false
}

// TestMetricsAfterACall places a real check-in call and reads the call,
// digit, RTP, ledger and process metrics from /metrics.
func TestMetricsAfterACall(t *testing.T) {
	r := startHTTPRig(t)
	res, err := simulator.Call(context.Background(), simulator.Options{
		To: "sip:ivr@" + r.srv.Addr().String(), From: "09012345678", Keys: []string{"1234#", "1"},
		DiscardAudio: true, MaxDuration: 60 * time.Second,
	})
	if err != nil || res.Status != 200 {
		t.Fatalf("call: %+v %v", res, err)
	}
	want := []struct {
		series string
		min    float64 // at least
		exact  bool
	}{
		{`dezura_sip_calls_answered_total`, 1, true},
		{`dezura_sip_calls_ended_total{reason="hangup"}`, 1, true},
		{`dezura_sip_calls_rejected_total{reason="overload"}`, 0, true},
		{`dezura_sip_active_calls`, 0, true},
		{`dezura_sip_draining`, 0, true},
		{`dezura_sip_call_setup_seconds_count`, 1, true},
		{`dezura_dtmf_digits_total{transport="rfc4733"}`, 6, true}, // 1234# and 1
		{`dezura_dtmf_digits_total{transport="inband"}`, 0, true},
		{`dezura_rtp_packets_sent_total`, 50, false},
		{`dezura_rtp_packets_received_total`, 50, false},
		{`dezura_rtp_packets_lost_total`, 0, true},
		{`dezura_rtp_jitter_seconds_count`, 1, true},
		{`dezura_media_ticks_total`, 50, false},
		{`dezura_media_frames_skipped_total`, 0, false},
		{`dezura_media_ring_shards`, 1, false}, // io_uring on this kernel
		{`dezura_media_ring_errors_total`, 0, true},
		{`dezura_ledger_write_seconds_count{op="attendance",result="ok"}`, 1, true},
		{`dezura_ledger_write_seconds_count{op="call",result="ok"}`, 1, true},
		{`process_cpu_seconds_total`, 0, false},
		{`go_goroutines`, 1, false},
	}
	var body string
	// The call record is written just after the service's BYE.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var code int
		code, body = r.get(t, "/metrics")
		if code != 200 {
			t.Fatalf("/metrics: %d", code)
		}
		if v, _ := metric(body, `dezura_ledger_write_seconds_count{op="call",result="ok"}`); v == 1 || time.Now().After(deadline) {
			break
		}
	}
	for _, w := range want {
		v, ok := metric(body, w.series)
		switch {
		case !ok:
			t.Errorf("%s missing", w.series)
		case w.exact && v != w.min:
			t.Errorf("%s = %v, want %v", w.series, v, w.min)
		case !w.exact && v < w.min:
			t.Errorf("%s = %v, want at least %v", w.series, v, w.min)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

// TestHealthAndReadiness walks /healthz and /readyz through the states an
// operator sees: ready, draining, store gone.
func TestHealthAndReadiness(t *testing.T) {
	r := startHTTPRig(t)
	steps := []struct {
		name       string
		do         func(t *testing.T)
		health     int
		ready      int
		readyWords string
	}{
		{"serving", func(*testing.T) {}, 200, 200, "ready"},
		{"draining", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := r.srv.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
		}, 200, 503, "draining"},
		{"store closed", func(t *testing.T) {
			if err := r.store.Close(); err != nil {
				t.Fatal(err)
			}
		}, 200, 503, "draining"}, // still draining: the first reason is reported
	}
	for _, s := range steps {
		s.do(t)
		if code, _ := r.get(t, "/healthz"); code != s.health {
			t.Errorf("%s: /healthz %d, want %d", s.name, code, s.health)
		}
		code, body := r.get(t, "/readyz")
		if code != s.ready || !strings.Contains(body, s.readyWords) {
			t.Errorf("%s: /readyz %d %q, want %d with %q", s.name, code, body, s.ready, s.readyWords)
		}
		// dezura_ready says what /readyz says, for the "not ready" alert.
		_, m := r.get(t, "/metrics")
		if v, ok := metric(m, "dezura_ready"); !ok || (v == 1) != (s.ready == 200) {
			t.Errorf("%s: dezura_ready %v (present %v) while /readyz says %d", s.name, v, ok, s.ready)
		}
	}
	if _, body := r.get(t, "/metrics"); !strings.Contains(body, "dezura_sip_draining 1") {
		t.Errorf("/metrics does not say draining")
	}
}

// TestReadyNeedsTheStore: a store that does not answer makes the service
// not ready while SIP is up.
func TestReadyNeedsTheStore(t *testing.T) {
	r := startHTTPRig(t)
	if err := r.store.Close(); err != nil {
		t.Fatal(err)
	}
	code, body := r.get(t, "/readyz")
	if code != 503 || !strings.Contains(body, "store does not answer") {
		t.Errorf("/readyz %d %q", code, body)
	}
	if _, m := r.get(t, "/metrics"); !strings.Contains(m, "\ndezura_ready 0\n") {
		t.Errorf("/metrics does not say dezura_ready 0 with the store gone")
	}
}

// TestTimedStoreKeepsErrorsAndResults: the decorator returns what the
// store returned and labels failures.
func TestTimedStoreKeepsErrorsAndResults(t *testing.T) {
	ctx := context.Background()
	store, err := ledger.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "dezura.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	m := newServiceMetrics()
	timed := m.timeStore(store)
	at := time.Now()
	tests := []struct {
		name    string
		req     ledger.AttendanceRequest
		wantErr bool
	}{
		{"check-in", ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "1234", Action: ledger.ActionCheckIn, At: at, CallID: "c1", IdempotencyKey: "k1"}, false},
		{"unknown site", ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "9999", Action: ledger.ActionCheckIn, At: at, CallID: "c2", IdempotencyKey: "k2"}, true},
	}
	for _, tt := range tests {
		res, err := timed.RecordAttendance(ctx, tt.req)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err %v", tt.name, err)
		}
		if !tt.wantErr && res.Entry.SiteCode != "1234" {
			t.Errorf("%s: result %+v", tt.name, res)
		}
	}
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "dezura_ledger_write_seconds" {
			continue
		}
		for _, s := range mf.GetMetric() {
			key := ""
			for _, l := range s.GetLabel() {
				key += l.GetName() + "=" + l.GetValue() + ","
			}
			got[key] = s.GetHistogram().GetSampleCount()
		}
	}
	want := map[string]uint64{"op=attendance,result=ok,": 1, "op=attendance,result=error,": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ledger write counts %v, want %v", got, want)
	}
}

// buildDezura builds this command into a temporary directory.
func buildDezura(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dezura")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// sipOptions sends one OPTIONS to addr over UDP and returns the status
// code of the answer (0 if none came within a second).
func sipOptions(t *testing.T, addr string) int {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	req := "OPTIONS sip:ivr@" + addr + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + local + ";branch=z9hG4bK" + strconv.FormatInt(time.Now().UnixNano(), 36) + "\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:probe@" + local + ">;tag=p1\r\nTo: <sip:ivr@" + addr + ">\r\n" +
		"Call-ID: probe-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		return 0
	}
	f := strings.Fields(string(buf[:n]))
	if len(f) < 2 {
		return 0
	}
	code, _ := strconv.Atoi(f[1])
	return code
}

// TestSIGTERMDrains runs the dezura binary, starts a check-in call, sends
// SIGTERM mid-call and checks what an operator relies on: OPTIONS and new
// INVITEs get 503 at once, the call in progress goes on (and its entry is
// recorded) or is hung up at --drain-timeout, and the process exits 0.
func TestSIGTERMDrains(t *testing.T) {
	bin := buildDezura(t)
	tests := []struct {
		name      string
		drain     string
		keys      []string // what the caller keys after each prompt
		wantEntry bool
	}{
		{"call finishes within the drain", "30s", []string{"1234#", "1"}, true},
		{"drain deadline hangs up a silent caller", "1s", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := "sqlite:" + filepath.Join(dir, "d.db")
			cmd := exec.Command(bin, "--db", db, "serve", "--demo", "--web", "off", "--sip", "127.0.0.1:0", "--rtp-ports", "0-0",
				"--drain-timeout", tt.drain, "--first-digit-timeout", "20s", "--billing-at", "off", "--log-level", "warn")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = testWriter{t}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			sipAddr := make(chan string, 1)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "SIP" && f[1] == "udp" {
						sipAddr <- f[2]
					}
				}
				exited <- cmd.Wait()
			}()
			t.Cleanup(func() {
				_ = cmd.Process.Kill() // no-op once it has exited
			})
			var addr string
			select {
			case addr = <-sipAddr:
			case err := <-exited:
				t.Fatalf("dezura exited before listening: %v", err)
			case <-time.After(30 * time.Second):
				t.Fatal("dezura did not start")
			}
			if code := sipOptions(t, addr); code != 200 {
				t.Fatalf("OPTIONS before SIGTERM: %d", code)
			}

			type callResult struct {
				res simulator.Result
				err error
			}
			inProgress := make(chan callResult, 1)
			go func() {
				res, err := simulator.Call(context.Background(), simulator.Options{
					To: "sip:ivr@" + addr, From: "09012345678", Keys: tt.keys, DiscardAudio: true, MaxDuration: 60 * time.Second,
				})
				inProgress <- callResult{res, err}
			}()
			time.Sleep(time.Second) // the caller hears the first prompt
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			code := 0
			for deadline := time.Now().Add(3 * time.Second); code != 503 && time.Now().Before(deadline); {
				code = sipOptions(t, addr)
			}
			if code != 503 {
				t.Errorf("OPTIONS while draining: %d, want 503", code)
			}
			res, err := simulator.Call(context.Background(), simulator.Options{To: "sip:ivr@" + addr, From: "09012345678", MaxDuration: 10 * time.Second})
			if err != nil || res.Status != 503 {
				t.Errorf("new call while draining: status %d err %v, want 503", res.Status, err)
			}
			cr := <-inProgress
			if cr.err != nil || cr.res.Status != 200 || cr.res.EndedBy != simulator.EndedRemoteBye {
				t.Errorf("call in progress: %+v %v, want answered and hung up by the service", cr.res, cr.err)
			}
			select {
			case err := <-exited:
				if err != nil { // an orderly stop exits 0, calls cut at the deadline or not
					t.Errorf("dezura exit: %v", err)
				}
			case <-time.After(40 * time.Second):
				t.Fatal("dezura did not exit after the drain")
			}
			store, err := ledger.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			es, err := store.ListEntries(context.Background(), ledger.EntryFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(es) == 1; got != tt.wantEntry {
				t.Errorf("entries after the drain: %+v, want one: %v", es, tt.wantEntry)
			}
		})
	}
}
