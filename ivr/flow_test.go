package ivr

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dezura/dezura/ledger"
	_ "github.com/dezura/dezura/ledger/sqlite"
	"github.com/dezura/dezura/prompts"
)

// Every flow test runs the real flow over a scripted fake call and a real
// SQLite store in a temp dir, inside a synctest bubble so prompt time and
// digit timeouts pass instantly.

const (
	demoCaller  = "09012345678" // the demo technician's phone
	otherCaller = "0311112222"  // registered to nobody
)

// jstMorning is when the tests' calls happen: 07:30 in Tokyo.
var jstMorning = time.Date(2026, 11, 27, 7, 30, 0, 0, time.FixedZone("JST", 9*3600))

type flowEnv struct {
	store ledger.DB
	admin ledger.Admin
	cat   *prompts.Catalogue
	cfg   Config // for New; Now is set by runCall
}

func newFlowEnv(t *testing.T) *flowEnv {
	t.Helper()
	return newFlowEnvAt(t, "sqlite:"+filepath.Join(t.TempDir(), "ledger.db"))
}

// newFlowEnvAt is newFlowEnv on the store at url.
func newFlowEnvAt(t *testing.T, url string) *flowEnv {
	t.Helper()
	ctx := context.Background()
	st, err := ledger.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	cat, err := catalogue()
	if err != nil {
		t.Fatal(err)
	}
	return &flowEnv{store: st, admin: st, cat: cat}
}

// catalogue is the prompt catalogue, loaded once for every test: it is
// read-only, and loading it is most of a test flow's set-up (under -race,
// 200 ms).
var catalogue = sync.OnceValues(func() (*prompts.Catalogue, error) { return prompts.Load("") })

// runCall runs one call through a new flow, at the time at, inside a
// synctest bubble. The fake call's channels are made inside the bubble (a
// goroutine blocked on a channel from outside would stop fake time), so the
// call is given as the arguments of newFakeCall.
func (e *flowEnv) runCall(t *testing.T, at time.Time, caller string, script ...reaction) *fakeCall {
	t.Helper()
	return e.runCallTo(t, at, caller, "ivr", script...)
}

// runCallTo is runCall to the number called.
func (e *flowEnv) runCallTo(t *testing.T, at time.Time, caller, called string, script ...reaction) *fakeCall {
	t.Helper()
	return e.runFake(t, at, func() *fakeCall { return newFakeCallTo(caller, called, script...) })
}

// runFake runs the call mk makes (inside the bubble) through a new flow.
func (e *flowEnv) runFake(t *testing.T, at time.Time, mk func() *fakeCall) *fakeCall {
	t.Helper()
	var c *fakeCall
	synctest.Test(t, func(t *testing.T) {
		c = mk()
		start := time.Now()
		cfg := e.cfg
		cfg.Now = func() time.Time { return at.Add(time.Since(start)) }
		f, err := New(cfg, e.store, e.cat)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { f.Handle(context.Background(), c); close(done) }()
		<-done
		c.wait()
	})
	return c
}

func (e *flowEnv) entries(t *testing.T) []ledger.Entry {
	t.Helper()
	es, err := e.admin.ListEntries(context.Background(), ledger.EntryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func (e *flowEnv) lastCall(t *testing.T) ledger.CallRecord {
	t.Helper()
	cs, err := e.admin.ListCalls(context.Background(), ledger.CallFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 {
		t.Fatal("no call record")
	}
	latest := cs[0]
	for _, c := range cs {
		if c.ArrivedAt.After(latest.ArrivedAt) {
			latest = c
		}
	}
	return latest
}

// seq builds the expected clip sequence: "digits:1234" expands to digit clips.
func seq(parts ...string) string {
	var out []string
	for _, p := range parts {
		if d, ok := strings.CutPrefix(p, "digits:"); ok {
			for _, r := range d {
				out = append(out, "digit_"+string(r))
			}
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, " ")
}

func TestFlowRegisteredCallerChecksIn(t *testing.T) {
	e := newFlowEnv(t)
	c := e.runCall(t, jstMorning, demoCaller,
		reaction{after: prompts.EnterSite, keys: "1234#"},
		reaction{after: prompts.ChooseActionMore, keys: "1"})

	want := seq(prompts.GreetingShort, prompts.EnterSite, prompts.ChooseAction, prompts.ChooseActionMore,
		prompts.SiteCodeIs, "digits:1234", prompts.ActionCheckIn, prompts.Registered, prompts.Goodbye)
	if got := c.heard(); got != want {
		t.Fatalf("heard\n %s\nwant\n %s", got, want)
	}
	if !c.hungUp {
		t.Error("the service did not hang up")
	}
	es := e.entries(t)
	if len(es) != 1 {
		t.Fatalf("entries = %+v, want 1", es)
	}
	en := es[0]
	if en.TechnicianID != ledger.DemoTechnicianID || en.SiteCode != "1234" || en.WorkDate != "2026-11-27" ||
		en.Status != ledger.EntryStatusOpen || en.CheckIn.IsZero() || !en.CheckOut.IsZero() {
		t.Errorf("entry = %+v", en)
	}
	rec := e.lastCall(t)
	if rec.Outcome != OutcomeRegistered.String() || rec.Caller != "+819012345678" ||
		rec.TechnicianID != ledger.DemoTechnicianID || rec.SiteCode != "1234" || len(rec.EntryIDs) != 1 {
		t.Errorf("call record = %+v", rec)
	}
}

func TestFlowCheckInTwiceThenCheckOut(t *testing.T) {
	e := newFlowEnv(t)
	e.runCall(t, jstMorning, demoCaller,
		reaction{after: prompts.EnterSite, keys: "1234#"},
		reaction{after: prompts.ChooseActionMore, keys: "1"})
	// Later calls are offered the same site.
	second := e.runCall(t, jstMorning.Add(time.Hour), demoCaller,
		reaction{after: prompts.SameSiteOffer, keys: "1"},
		reaction{after: prompts.ChooseActionMore, keys: "1"})
	if !strings.Contains(second.heard(), prompts.AlreadyRegistered) {
		t.Errorf("second check-in heard %q, want %s", second.heard(), prompts.AlreadyRegistered)
	}
	if rec := e.lastCall(t); rec.Outcome != OutcomeAlreadyRegistered.String() {
		t.Errorf("outcome = %s", rec.Outcome)
	}
	out := e.runCall(t, jstMorning.Add(10*time.Hour), demoCaller,
		reaction{after: prompts.SameSiteOffer, keys: "1"},
		reaction{after: prompts.ChooseActionMore, keys: "2"})
	if !strings.Contains(out.heard(), prompts.ActionCheckOut+" "+prompts.Registered) {
		t.Errorf("check-out heard %q", out.heard())
	}
	es := e.entries(t)
	if len(es) != 1 || es[0].Status != ledger.EntryStatusClosed || es[0].CheckOut.Sub(es[0].CheckIn) < 9*time.Hour {
		t.Fatalf("entries = %+v, want one closed entry", es)
	}
}

func TestFlowUnregisteredCallerKeysID(t *testing.T) {
	e := newFlowEnv(t)
	c := e.runCall(t, jstMorning, otherCaller,
		reaction{after: prompts.EnterID, keys: "1234567890123"}, // 13 digits, then the timeout
		reaction{after: prompts.EnterIDLong, keys: "99999999999999"},
		reaction{after: prompts.EnterIDLong, keys: "12345678901234"},
		reaction{after: prompts.EnterSite, keys: "1234#"},
		reaction{after: prompts.ChooseActionMore, keys: "1"})
	want := seq(prompts.Greeting, prompts.EnglishOffer, prompts.EnterID, prompts.TooShort, prompts.EnterIDLong,
		prompts.UnknownID, prompts.EnterIDLong, prompts.EnterSite, prompts.ChooseAction, prompts.ChooseActionMore,
		prompts.SiteCodeIs, "digits:1234", prompts.ActionCheckIn, prompts.Registered, prompts.Goodbye)
	if got := c.heard(); got != want {
		t.Fatalf("heard\n %s\nwant\n %s", got, want)
	}
	if es := e.entries(t); len(es) != 1 || es[0].TechnicianID != ledger.DemoTechnicianID {
		t.Fatalf("entries = %+v", es)
	}
}

func TestFlowWrongSiteThenRightAndWrongKey(t *testing.T) {
	e := newFlowEnv(t)
	c := e.runCall(t, jstMorning, demoCaller,
		reaction{after: prompts.EnterSite, keys: "9999#"},
		reaction{after: prompts.EnterSiteLong, keys: "1234#"},
		reaction{after: prompts.ChooseActionMore, keys: "7"},
		reaction{after: prompts.ChooseActionMore, keys: "1"})
	want := seq(prompts.GreetingShort, prompts.EnterSite, prompts.UnknownSite, prompts.EnterSiteLong,
		prompts.ChooseAction, prompts.ChooseActionMore, prompts.InvalidKey, prompts.ChooseAction, prompts.ChooseActionMore,
		prompts.SiteCodeIs, "digits:1234", prompts.ActionCheckIn, prompts.Registered, prompts.Goodbye)
	if got := c.heard(); got != want {
		t.Fatalf("heard\n %s\nwant\n %s", got, want)
	}
}

func TestFlowNoKeysAtAll(t *testing.T) {
	e := newFlowEnv(t)
	c := e.runCall(t, jstMorning, demoCaller)
	want := seq(prompts.GreetingShort, prompts.EnterSite, prompts.NoInput, prompts.EnterSiteLong,
		prompts.NoInput, prompts.EnterSiteLong, prompts.TooManyErrors)
	if got := c.heard(); got != want {
		t.Fatalf("heard\n %s\nwant\n %s", got, want)
	}
	if !c.hungUp {
		t.Error("no hang-up after the last try")
	}
	if es := e.entries(t); len(es) != 0 {
		t.Fatalf("entries = %+v, want none", es)
	}
	if rec := e.lastCall(t); rec.Outcome != OutcomeFailed.String() || rec.Reason != "no_input" {
		t.Errorf("call record outcome %q reason %q", rec.Outcome, rec.Reason)
	}
}

func TestFlowTooManyWrongSites(t *testing.T) {
	e := newFlowEnv(t)
	c := e.runCall(t, jstMorning, demoCaller,
		reaction{after: prompts.EnterSite, keys: "1#"},
		reaction{after: prompts.EnterSiteLong, keys: "2#"},
		reaction{after: prompts.EnterSiteLong, keys: "3#"})
	if got := c.heard(); !strings.HasSuffix(got, prompts.UnknownSite+" "+prompts.TooManyErrors) {
		t.Fatalf("heard %s", got)
	}
	if rec := e.lastCall(t); rec.Outcome != OutcomeFailed.String() || rec.Reason != "too_many_errors" {
		t.Errorf("call record %+v", rec)
	}
}

func TestFlowHangupMidFlowLeavesNoEntry(t *testing.T) {
	e := newFlowEnv(t)
	c := e.runCall(t, jstMorning, demoCaller,
		reaction{after: prompts.EnterSite, keys: "1234#"},
		reaction{after: prompts.ChooseActionMore, hangup: true})
	if strings.Contains(c.heard(), prompts.SiteCodeIs) {
		t.Errorf("read back after the caller hung up: %s", c.heard())
	}
	if es := e.entries(t); len(es) != 0 {
		t.Fatalf("entries = %+v, want none", es)
	}
	if rec := e.lastCall(t); rec.Outcome != OutcomeAbandoned.String() {
		t.Errorf("outcome = %q", rec.Outcome)
	}
}

func TestFlowTypeAheadDuringEveryPrompt(t *testing.T) {
	e := newFlowEnv(t)
	// The whole call keyed during the greeting: every prompt is cut short.
	c := e.runCall(t, jstMorning, demoCaller, reaction{after: prompts.EnterSite, keys: "1234#1", during: true})
	if es := e.entries(t); len(es) != 1 {
		t.Fatalf("entries = %+v", es)
	}
	if c.stopped < 2 {
		t.Errorf("stopped %d prompts, want the site and action prompts cut short", c.stopped)
	}
}

// failingRecorder is the real store whose attendance writes fail.
type failingRecorder struct{ ledger.DB }

func (failingRecorder) RecordAttendance(context.Context, ledger.AttendanceRequest) (ledger.AttendanceResult, error) {
	return ledger.AttendanceResult{}, errors.New("database unreachable")
}

func TestFlowStoreFailureNeverSaysRegistered(t *testing.T) {
	e := newFlowEnv(t)
	var c *fakeCall
	synctest.Test(t, func(t *testing.T) {
		c = newFakeCall(demoCaller,
			reaction{after: prompts.EnterSite, keys: "1234#"},
			reaction{after: prompts.ChooseActionMore, keys: "1"})
		start := time.Now()
		f, err := New(Config{Now: func() time.Time { return jstMorning.Add(time.Since(start)) }},
			failingRecorder{e.store}, e.cat)
		if err != nil {
			t.Fatal(err)
		}
		f.Handle(context.Background(), c)
		c.wait()
	})
	got := c.heard()
	if strings.Contains(got, prompts.Registered) || !strings.HasSuffix(got, prompts.SystemError) {
		t.Fatalf("heard %s", got)
	}
}
