package main

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
	"github.com/dezura/dezura/simulator"
)

// End to end, with the simulator against the real service: the true end
// reason of every call, SIP clients without a number, the debug trace,
// registering one's own phone and crew numbers.

func TestE2EEndReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		mod         func(*serveConfig)
		call        simulator.Options
		wantOutcome string
		wantReason  string
		wantEnd     string
		wantEnded   string // how the simulator saw the call end
	}{
		{"the caller hangs up before the entry is committed", nil,
			simulator.Options{From: "09012345678", Keys: []string{"1234#"}, HangupAfterGroup: 1},
			"abandoned", "", "caller_hangup", simulator.EndedLocalBye},
		{"the service hangs up when done", nil,
			simulator.Options{From: "09012345678", Keys: []string{"1234#", "1"}},
			"registered", "", "service_hangup", simulator.EndedRemoteBye},
		{"no keys: timeout", func(c *serveConfig) { c.FirstDigitTimeout, c.InterDigitTimeout = time.Second, time.Second },
			simulator.Options{From: "09012345678"},
			"failed", "no_input", "timeout", simulator.EndedRemoteBye},
		{"the caller's audio stops: RTP timeout", func(c *serveConfig) { c.RTPTimeout = time.Second },
			simulator.Options{From: "09012345678", RTPStopAfter: 300 * time.Millisecond},
			"abandoned", "", "rtp_timeout", simulator.EndedRemoteBye},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startTestService(t, tt.mod)
			res := s.call(t, tt.call)
			if res.Status != 200 || res.EndedBy != tt.wantEnded {
				t.Fatalf("call: status %d ended by %s, want 200 and %s", res.Status, res.EndedBy, tt.wantEnded)
			}
			cr := s.callRecord(t, res.CallID)
			if cr.Outcome != tt.wantOutcome || cr.Reason != tt.wantReason || cr.EndReason != tt.wantEnd {
				t.Errorf("call record %s/%q/%s, want %s/%q/%s", cr.Outcome, cr.Reason, cr.EndReason, tt.wantOutcome, tt.wantReason, tt.wantEnd)
			}
			if es := s.entries(t); (len(es) == 1) != (tt.wantOutcome == "registered") {
				t.Errorf("entries %+v", es)
			}
		})
	}
}

// TestE2EEndReasonShutdown: a call in progress when the service stops and
// its drain deadline passes is recorded as ended by the shutdown.
func TestE2EEndReasonShutdown(t *testing.T) {
	t.Parallel()
	s := startTestService(t, func(c *serveConfig) { c.DrainTimeout = 300 * time.Millisecond })
	done := make(chan simulator.Result, 1)
	go func() {
		res, err := simulator.Call(context.Background(), simulator.Options{To: s.uri, From: "09012345678", MaxDuration: 30 * time.Second})
		if err != nil {
			t.Errorf("call: %v", err)
		}
		done <- res
	}()
	waitActive(t, s, 1)
	if err := s.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	res := <-done
	if res.EndedBy != simulator.EndedRemoteBye {
		t.Errorf("the call ended by %s, want the service's BYE", res.EndedBy)
	}
	st, err := ledger.Open(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	calls, err := st.(ledger.Admin).ListCalls(context.Background(), ledger.CallFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].CallID != res.CallID || calls[0].Outcome != "abandoned" || calls[0].EndReason != "shutdown" {
		t.Errorf("call records %+v, want the call abandoned by the shutdown", calls)
	}
}

// TestE2EEndReasonOverload: past --max-calls a call is refused with 503
// and recorded as refused for overload.
func TestE2EEndReasonOverload(t *testing.T) {
	t.Parallel()
	s := startTestService(t, func(c *serveConfig) { c.MaxCalls = 1 })
	first := make(chan simulator.Result, 1)
	go func() {
		res, err := simulator.Call(context.Background(), simulator.Options{To: s.uri, From: "09012345678", HangupAfter: 4 * time.Second,
			MaxDuration: 30 * time.Second})
		if err != nil {
			t.Errorf("first call: %v", err)
		}
		first <- res
	}()
	waitActive(t, s, 1)
	res := s.call(t, simulator.Options{From: "0311112222"})
	if res.Status != 503 || res.EndedBy != simulator.EndedRejected {
		t.Fatalf("second call: status %d ended by %s, want 503", res.Status, res.EndedBy)
	}
	cr := s.callRecord(t, res.CallID)
	if cr.Outcome != "refused" || cr.EndReason != "overload" || cr.Caller != "+81311112222" || !cr.AnsweredAt.IsZero() {
		t.Errorf("call record %+v", cr)
	}
	if r := <-first; s.callRecord(t, r.CallID).EndReason != "caller_hangup" {
		t.Errorf("first call record %+v", s.callRecord(t, r.CallID))
	}
}

func waitActive(t *testing.T, s *testService, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if s.sip.ActiveCalls() == n {
			time.Sleep(200 * time.Millisecond) // answered and in the flow
			return
		}
	}
	t.Fatalf("%d active calls, want %d", s.sip.ActiveCalls(), n)
}

// lockedBuffer collects a service's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestE2EDebugLogAndSIPClients: a SIP client whose From user is a name
// (baresip) calls without a single warning; with --log-level debug the
// call's steps, prompts, entries and ledger answers are in the log under
// its Call-ID, and its security code nowhere, however the digits came.
func TestE2EDebugLogAndSIPClients(t *testing.T) {
	t.Parallel()
	for _, dtmf := range []string{"rfc4733", "info"} {
		t.Run(dtmf, func(t *testing.T) {
			t.Parallel()
			var logs lockedBuffer
			s := startTestServiceLog(t, func(c *serveConfig) { c.LogLevel = "debug" },
				slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			s.must(t, s.admin.AddTechnician(context.Background(), ledger.Technician{ID: e2eCodeTech, Name: "暗証 一郎",
				ContractorID: ledger.DemoContractorID}, "7395"))
			res := s.call(t, simulator.Options{From: "baresip", DTMF: dtmf, Keys: []string{e2eCodeTech, "7395", "1234#", "1"}})
			wantAnsweredAndHungUp(t, res)
			if cr := s.callRecord(t, res.CallID); cr.Outcome != "registered" || cr.Caller != "baresip" || slices.Contains(cr.Steps, "phone_offer") {
				t.Errorf("call record %+v", cr)
			}
			out := logs.String()
			if strings.Contains(out, "7395") {
				t.Errorf("the security code is in the debug log")
			}
			var mine []string
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, "call_id="+res.CallID) {
					mine = append(mine, line)
				}
			}
			trace := strings.Join(mine, "\n")
			if strings.Contains(trace, "level=WARN") || strings.Contains(trace, "level=ERROR") {
				t.Errorf("warnings for a call from a SIP client:\n%s", trace)
			}
			for _, want := range []string{"step=identified_by_id", "digits=" + e2eCodeTech, "digits=****", "step=security_code_ok",
				"clips=enter_site", "op=site code=1234 open=true", "op=record_attendance", "msg=\"call ended\""} {
				if !strings.Contains(trace, want) {
					t.Errorf("the call's trace lacks %q", want)
				}
			}
		})
	}
}

func TestE2ERegisterOwnPhone(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	ctx := context.Background()
	s.must(t, s.admin.AddTechnician(ctx, ledger.Technician{ID: e2eCodeTech, Name: "暗証 一郎", ContractorID: ledger.DemoContractorID}, "4321"))
	// ID, code, site, check-in; then 1 after the offer at the end.
	res := s.call(t, simulator.Options{From: "0311112222", Keys: []string{e2eCodeTech, "4321", "1234#", "1", "1"}})
	wantAnsweredAndHungUp(t, res)
	heard := heardClips(t, e2eCatalogue(t), res)
	if !isSubsequence([]string{"ja:" + prompts.PhoneRegisterOffer, "ja:" + prompts.PhoneRegistered}, heard) {
		t.Errorf("heard %v", heard)
	}
	p, err := s.admin.Phone(ctx, "03-1111-2222")
	if err != nil || p.TechnicianID != e2eCodeTech || p.Source != ledger.PhoneSourceSelf {
		t.Fatalf("phone %+v, %v", p, err)
	}
	// The contractor sees it: who registered it and when.
	var out, errb strings.Builder
	if err := run(ctx, []string{"--db", s.db, "phone", "list", "--json"}, cliEnv{Stdout: &out, Stderr: &errb}); err != nil {
		t.Fatalf("phone list: %v %s", err, errb.String())
	}
	if !strings.Contains(out.String(), `"e164": "+81311112222"`) || !strings.Contains(out.String(), `"registered_by": "self"`) {
		t.Errorf("phone list: %s", out.String())
	}
	// Next call: no ID, no code: the last site and check-out, which a
	// minute after the check-in asks for a second 2.
	res = s.call(t, simulator.Options{From: "0311112222", Keys: []string{"1", "2", "2"}})
	wantAnsweredAndHungUp(t, res)
	cr := s.callRecord(t, res.CallID)
	if cr.TechnicianID != e2eCodeTech || !slices.Contains(cr.Steps, "identified_by_phone") || !slices.Contains(cr.Steps, "checkout_confirmed") ||
		cr.Outcome != "registered" {
		t.Errorf("call from the registered phone: %+v", cr)
	}
	// He removes it by his own call (menu 5, then 1).
	res = s.call(t, simulator.Options{From: "0311112222", Keys: []string{"1", "5", "1"}})
	wantAnsweredAndHungUp(t, res)
	if cr := s.callRecord(t, res.CallID); cr.Outcome != "phone_removed" {
		t.Errorf("removal call: %+v", cr)
	}
	if _, err := s.store.TechnicianByPhone(ctx, "+81311112222"); err == nil {
		t.Error("the phone still identifies him")
	}
	evs, err := s.admin.PhoneEvents(ctx, "+81311112222")
	s.must(t, err)
	if len(evs) != 2 || evs[0].Actor != "self" || evs[1].Kind != "disable" || evs[1].Actor != "self" {
		t.Errorf("phone log %+v", evs)
	}
}

func TestE2ECrewNumbers(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	ctx := context.Background()
	crew := ledger.DemoCrew()
	var out, errb strings.Builder
	env := cliEnv{Stdout: &out, Stderr: &errb}
	// Through the CLI: one with the technician, one set later.
	if err := run(ctx, []string{"--db", s.db, "technician", "add", "--id", "33333333333333", "--name", "班員 四", "--contractor", "demo",
		"--crew-number", "14"}, env); err != nil {
		t.Fatalf("technician add: %v %s", err, errb.String())
	}
	if err := run(ctx, []string{"--db", s.db, "crew", "set", "--technician", crew[0], "--number", "12"}, env); err != nil {
		t.Fatalf("crew set: %v %s", err, errb.String())
	}
	s.must(t, s.admin.Assign(ctx, ledger.Assignment{SiteCode: "1234", TechnicianID: "33333333333333"}))
	res := s.call(t, simulator.Options{From: e2eForemanDemo, Keys: []string{"1234#", "1", "12#", "14#", crew[2], "#"}})
	wantAnsweredAndHungUp(t, res)
	es := s.entries(t)
	got := map[string]bool{}
	for _, e := range es {
		got[e.TechnicianID] = e.SiteCode == "1234" && e.Status == ledger.EntryStatusOpen
	}
	if len(es) != 3 || !got[crew[0]] || !got["33333333333333"] || !got[crew[2]] {
		t.Fatalf("entries %+v", es)
	}
	heard := heardClips(t, e2eCatalogue(t), res)
	want := []string{"ja:" + prompts.CrewNumberIs, "ja:digit_1", "ja:digit_2", "ja:" + prompts.ActionCheckIn, "ja:" + prompts.Registered}
	if !isSubsequence(want, heard) {
		t.Errorf("heard %v, want the read-back %v", heard, want)
	}
}

// e2eForemanDemo is the demo contractor's foreman phone.
const e2eForemanDemo = "09012340000"
