package ivr

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// Callers are never surprised: the 9 that starts an ID, honest end
// reasons, SIP clients without a number, the debug trace, registering
// one's own phone, crew numbers and the confirmation of a quick check-out.

func TestNineStartsAnID(t *testing.T) {
	const nineID = "98765432109876"
	tests := []struct {
		name     string
		timing   keyTiming
		groups   []string
		wantTech string
		wantLang string
	}{
		{"9 alone: English", keyAfter, []string{"9", ledger.DemoTechnicianID, "1234#", "1"}, ledger.DemoTechnicianID, "en"},
		{"9 and the ID typed ahead: English", keyAhead, []string{"9", ledger.DemoTechnicianID, "1234#", "1"}, ledger.DemoTechnicianID, "en"},
		{"an ID that starts with 9, typed ahead", keyAhead, []string{nineID + "#", "1234#", "1"}, nineID, "ja"},
		{"an ID that starts with 9, keyed over the greeting", keyEarly, []string{nineID + "#", "1234#", "1"}, nineID, "ja"},
		{"an ID that starts with 9, then a code, typed ahead", keyAhead, []string{nineID, "1234#", "1"}, nineID, "ja"},
		{"9 and an ID that starts with 9", keyAhead, []string{"9", nineID, "1234#", "1"}, nineID, "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFlowEnv(t)
			e.must(t, e.admin.AddTechnician(context.Background(), ledger.Technician{ID: nineID, Name: "九 太郎", ContractorID: ledger.DemoContractorID}, ""))
			c := e.runFake(t, jstMorning, func() *fakeCall { return newGroupCall(otherCaller, "ivr", tt.timing, tt.groups...) })
			rec := e.lastCall(t)
			if rec.Outcome != OutcomeRegistered.String() || rec.TechnicianID != tt.wantTech || rec.Language != tt.wantLang {
				t.Errorf("record %+v; want %s registered in %s\nheard %s", rec, tt.wantTech, tt.wantLang, c.heard())
			}
		})
	}
}

func TestEndReasons(t *testing.T) {
	tests := []struct {
		name        string
		script      []reaction
		wantOutcome Outcome
		wantReason  string
		wantEnd     EndReason
	}{
		{"service hang-up", []reaction{{after: prompts.EnterSite, keys: "1234#"}, {after: prompts.ChooseActionMore, keys: "1"}},
			OutcomeRegistered, "", EndServiceHangup},
		{"caller hang-up before the entry", []reaction{{after: prompts.EnterSite, keys: "1234#"}, {after: prompts.ChooseActionMore, hangup: true}},
			OutcomeAbandoned, "", EndCallerHangup},
		{"no keys: timeout", nil, OutcomeFailed, "no_input", EndTimeout},
		{"wrong keys: service hang-up", []reaction{{after: prompts.EnterSite, keys: "1#"}, {after: prompts.EnterSiteLong, keys: "2#"},
			{after: prompts.EnterSiteLong, keys: "3#"}}, OutcomeFailed, "too_many_errors", EndServiceHangup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFlowEnv(t)
			e.runCall(t, jstMorning, demoCaller, tt.script...)
			rec := e.lastCall(t)
			if rec.Outcome != tt.wantOutcome.String() || rec.Reason != tt.wantReason || rec.EndReason != tt.wantEnd.String() {
				t.Errorf("record %s/%q/%s, want %s/%q/%s", rec.Outcome, rec.Reason, rec.EndReason, tt.wantOutcome, tt.wantReason, tt.wantEnd)
			}
		})
	}
}

// endingCall is a fake call that the SIP layer ends for a reason of its
// own (an RTP timeout, a shutdown) while the flow waits for keys: its
// context is cancelled just before Done is closed, as sip.Call does.
type endingCall struct{ *fakeCall }

func TestEndReasonFromTheCall(t *testing.T) {
	for _, tt := range []struct{ cause, want string }{
		{"rtp_timeout", "rtp_timeout"}, {"shutdown", "shutdown"}, {"remote_bye", "caller_hangup"}, {"session_expired", "timeout"},
	} {
		t.Run(tt.cause, func(t *testing.T) {
			e := newFlowEnv(t)
			synctest.Test(t, func(t *testing.T) {
				c := endingCall{newFakeCall(demoCaller)}
				f, err := New(Config{Now: func() time.Time { return jstMorning }}, e.store, e.cat)
				e.must(t, err)
				ctx, cancel := context.WithCancel(context.Background())
				go func() {
					time.Sleep(3 * time.Second) // during the site question
					c.mu.Lock()
					c.cause = tt.cause
					c.mu.Unlock()
					cancel()
					c.doneOnce.Do(func() { close(c.done) })
				}()
				f.Handle(ctx, c)
				c.wait()
			})
			rec := e.lastCall(t)
			if rec.Outcome != OutcomeAbandoned.String() || rec.EndReason != tt.want || rec.Reason != "" {
				t.Errorf("record %s/%q/%s, want abandoned with end reason %s", rec.Outcome, rec.Reason, rec.EndReason, tt.want)
			}
		})
	}
}

func TestRefusedCallIsRecorded(t *testing.T) {
	e := newFlowEnv(t)
	f, err := New(Config{}, e.store, e.cat)
	e.must(t, err)
	f.Refused(context.Background(), RefusedCall{CallID: "busy-1", Caller: "09012345678", Called: "ivr", At: jstMorning, Reason: EndOverload})
	rec := e.lastCall(t)
	if rec.CallID != "busy-1" || rec.Outcome != "refused" || rec.EndReason != "overload" || rec.Caller != ledger.DemoPhone ||
		!rec.AnsweredAt.IsZero() {
		t.Errorf("record %+v", rec)
	}
}

// logBuffer collects log lines, safe for the flow's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestDebugTraceShowsStepsNeverCodes(t *testing.T) {
	e := newFlowEnv(t)
	e.must(t, e.admin.AddTechnician(context.Background(), ledger.Technician{ID: codeTech, Name: "暗証 一郎", ContractorID: ledger.DemoContractorID}, "4321"))
	var logs logBuffer
	e.cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// A wrong code, then the right one, typed ahead with the rest.
	c := e.runFake(t, jstMorning, func() *fakeCall {
		return newGroupCall(otherCaller, "ivr", keyAfter, codeTech, "8765", "4321", "1234#", "1")
	})
	rec := e.lastCall(t)
	if rec.Outcome != OutcomeRegistered.String() {
		t.Fatalf("record %+v\nheard %s", rec, c.heard())
	}
	out := logs.String()
	for _, secret := range []string{"4321", "8765"} {
		if strings.Contains(out, secret) {
			t.Errorf("the debug log holds a security code %s:\n%s", secret, out)
		}
	}
	for _, want := range []string{"step=security_code_wrong", "step=security_code_ok", "digits=" + codeTech + " outcome=complete",
		"digits=**** outcome=complete", "clips=enter_security_code", "op=technician id=" + codeTech + " found=true",
		"op=record_attendance entry_id=1", "op=site code=1234 open=true", "clips=phone_register_offer"} {
		if !strings.Contains(out, want) {
			t.Errorf("the debug log lacks %q", want)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(line, "call_id="+c.ID()) {
			t.Errorf("a line without the call's ID: %s", line)
		}
	}
}

func TestNonNumericCallerIsNormal(t *testing.T) {
	e := newFlowEnv(t)
	var logs logBuffer
	e.cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.must(t, e.admin.AddTechnician(context.Background(), ledger.Technician{ID: codeTech, Name: "暗証 一郎", ContractorID: ledger.DemoContractorID}, "4321"))
	for _, caller := range []string{"baresip", "anonymous", ""} {
		c := e.runFake(t, jstMorning, func() *fakeCall {
			return newGroupCall(caller, "ivr", keyAfter, codeTech, "4321", "1234#", "1")
		})
		rec := e.lastCall(t)
		if rec.Outcome != OutcomeRegistered.String() || strings.Contains(c.heard(), prompts.PhoneRegisterOffer) {
			t.Errorf("caller %q: record %+v\nheard %s", caller, rec, c.heard())
		}
	}
	if logs.String() != "" {
		t.Errorf("warnings for callers without a number:\n%s", logs.String())
	}
}

func TestRegisterOwnPhone(t *testing.T) {
	e := newFlowEnv(t)
	ctx := context.Background()
	e.must(t, e.admin.AddTechnician(ctx, ledger.Technician{ID: codeTech, Name: "暗証 一郎", ContractorID: ledger.DemoContractorID}, "4321"))
	keys := []string{codeTech, "4321", "1234#", "1"}
	// Declined (no key): asked again next time.
	c := e.runFake(t, jstMorning, func() *fakeCall { return newGroupCall(otherCaller, "ivr", keyAfter, keys...) })
	if !strings.HasSuffix(c.heard(), prompts.PhoneRegisterOffer+" "+prompts.Goodbye) {
		t.Fatalf("heard %s", c.heard())
	}
	// Typed ahead, a 1 of the habit does not answer the offer: it is
	// made after the entry, with the keys before it dropped.
	c = e.runFake(t, jstMorning.Add(time.Minute), func() *fakeCall {
		return newGroupCall(otherCaller, "ivr", keyAhead, codeTech, "4321", "1234#", "1", "1")
	})
	if _, err := e.admin.Phone(ctx, otherCaller); err == nil {
		t.Fatalf("typed-ahead keys registered the phone\nheard %s", c.heard())
	}
	// A lone 1 after the offer registers the phone.
	c = e.runCall(t, jstMorning.Add(2*time.Minute), otherCaller, reaction{after: prompts.EnterID, keys: codeTech},
		reaction{after: prompts.EnterSecurityCode, keys: "4321"}, reaction{after: prompts.SameSiteOffer, keys: "1"},
		reaction{after: prompts.ChooseActionMore, keys: "1"}, reaction{after: prompts.PhoneRegisterOffer, keys: "1"})
	if !strings.HasSuffix(c.heard(), prompts.PhoneRegisterOffer+" "+prompts.PhoneRegistered+" "+prompts.Goodbye) {
		t.Fatalf("heard %s", c.heard())
	}
	p, err := e.admin.Phone(ctx, otherCaller)
	if err != nil || p.TechnicianID != codeTech || p.Source != ledger.PhoneSourceSelf {
		t.Fatalf("phone %+v, %v", p, err)
	}
	// Next time: recognised, no ID, no code; the menu offers 5.
	c = e.runCall(t, jstMorning.Add(9*time.Hour), otherCaller,
		reaction{after: prompts.SameSiteOffer, keys: "1"}, reaction{after: prompts.PhoneRemoveOffer, keys: "2"})
	want := seq(prompts.GreetingShort, prompts.SameSiteOffer, prompts.ChooseAction, prompts.ChooseActionMore, prompts.PhoneRemoveOffer,
		prompts.SiteCodeIs, "digits:1234", prompts.ActionCheckOut, prompts.NotAssigned, prompts.Goodbye)
	if got := c.heard(); got != want && !strings.Contains(got, prompts.Registered) {
		t.Errorf("heard\n %s\nwant\n %s", got, want)
	}
	if rec := e.lastCall(t); rec.TechnicianID != codeTech || !hasStep(rec, "identified_by_phone") {
		t.Errorf("record %+v", rec)
	}
	// 5 then 1 removes it, by his own call.
	c = e.runCall(t, jstMorning.Add(10*time.Hour), otherCaller,
		reaction{after: prompts.SameSiteOffer, keys: "1"}, reaction{after: prompts.PhoneRemoveOffer, keys: "5"},
		reaction{after: prompts.PhoneRemoveConfirm, keys: "1"})
	if !strings.HasSuffix(c.heard(), prompts.PhoneRemoved+" "+prompts.Goodbye) {
		t.Errorf("heard %s", c.heard())
	}
	if rec := e.lastCall(t); rec.Outcome != OutcomePhoneRemoved.String() {
		t.Errorf("record %+v", rec)
	}
	if _, err := e.store.TechnicianByPhone(ctx, otherCaller); err == nil {
		t.Error("the phone still identifies him")
	}
	evs, err := e.admin.PhoneEvents(ctx, otherCaller)
	e.must(t, err)
	if len(evs) != 2 || evs[0].Kind != "register" || evs[1].Kind != "disable" || evs[1].Actor != ledger.PhoneSourceSelf || evs[1].CallID == "" {
		t.Errorf("phone log %+v", evs)
	}
}

func TestPhoneOfferNeverWithoutCode(t *testing.T) {
	tests := []struct {
		name     string
		caller   string
		withheld bool
		keys     []string
	}{
		{"no security code stored", otherCaller, false, []string{ledger.DemoTechnicianID, "1234#", "1", "1"}},
		{"withheld number", otherCaller, true, []string{codeTech, "4321", "1234#", "1", "1"}},
		{"a number the office disabled", "09055556666", false, []string{codeTech, "4321", "1234#", "1", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFlowEnv(t)
			ctx := context.Background()
			e.must(t, e.admin.AddTechnician(ctx, ledger.Technician{ID: codeTech, Name: "暗証 一郎", ContractorID: ledger.DemoContractorID}, "4321"))
			e.must(t, e.admin.AddPhone(ctx, ledger.Phone{E164: "09055556666", TechnicianID: ledger.DemoCrew()[0]}))
			e.must(t, e.admin.DisablePhone(ctx, "09055556666"))
			c := e.runFake(t, jstMorning, func() *fakeCall {
				fc := newGroupCall(tt.caller, "ivr", keyAfter, tt.keys...)
				fc.withheld = tt.withheld
				return fc
			})
			if strings.Contains(c.heard(), prompts.PhoneRegisterOffer) {
				t.Errorf("offered: heard %s", c.heard())
			}
			if rec := e.lastCall(t); rec.Outcome != OutcomeRegistered.String() {
				t.Errorf("record %+v", rec)
			}
		})
	}
}

func TestQuickCheckOutIsConfirmed(t *testing.T) {
	e := newFlowEnv(t)
	e.runCall(t, jstMorning, demoCaller, reaction{after: prompts.EnterSite, keys: "1234#"}, reaction{after: prompts.ChooseActionMore, keys: "1"})
	// A minute later: 2 asks for a second 2; another key registers nothing.
	c := e.runCall(t, jstMorning.Add(time.Minute), demoCaller, reaction{after: prompts.SameSiteOffer, keys: "1"},
		reaction{after: prompts.ChooseActionMore, keys: "2"}, reaction{after: prompts.ConfirmCheckOut, keys: "1"},
		reaction{after: prompts.ChooseActionMore, hangup: true})
	if !strings.Contains(c.heard(), seq(prompts.ConfirmCheckOut, prompts.NotRegistered, prompts.ChooseAction)) {
		t.Errorf("heard %s", c.heard())
	}
	if es := e.entries(t); len(es) != 1 || es[0].Status != ledger.EntryStatusOpen {
		t.Fatalf("entries %+v", es)
	}
	// 2 again: checked out.
	e.runCall(t, jstMorning.Add(2*time.Minute), demoCaller, reaction{after: prompts.SameSiteOffer, keys: "1"},
		reaction{after: prompts.ChooseActionMore, keys: "2"}, reaction{after: prompts.ConfirmCheckOut, keys: "2"})
	if es := e.entries(t); len(es) != 1 || es[0].Status != ledger.EntryStatusClosed {
		t.Fatalf("entries %+v", es)
	}
	// An hour after the check-in no question is asked.
	c = e.runCall(t, jstMorning.Add(time.Hour), demoCaller, reaction{after: prompts.SameSiteOffer, keys: "1"},
		reaction{after: prompts.ChooseActionMore, keys: "2"})
	if strings.Contains(c.heard(), prompts.ConfirmCheckOut) {
		t.Errorf("heard %s", c.heard())
	}
}

func TestForemanKeysCrewNumbers(t *testing.T) {
	e := newFlowEnv(t)
	ids := e.foremanEnv(t)
	ctx := context.Background()
	e.must(t, e.admin.SetCrewNumber(ctx, ids[0], "12"))
	e.must(t, e.admin.SetCrewNumber(ctx, ids[1], "123"))
	e.must(t, e.admin.SetCrewNumber(ctx, "44444444444444", "13")) // another contractor's
	c := e.runCall(t, jstMorning, foremanTel,
		reaction{after: prompts.EnterSite, keys: "1234#"}, reaction{after: prompts.ChooseAction, keys: "1"},
		reaction{after: prompts.ForemanEnterID, keys: "12#"}, reaction{after: prompts.ForemanNext, keys: "123#"},
		reaction{after: prompts.ForemanNext, keys: "13#"}, reaction{after: prompts.ForemanNext, keys: ids[2]},
		reaction{after: prompts.ForemanNext, keys: "#"})
	want := seq(prompts.ForemanEnterID, prompts.CrewNumberIs, "digits:12", prompts.ActionCheckIn, prompts.Registered,
		prompts.ForemanNext, prompts.CrewNumberIs, "digits:123", prompts.ActionCheckIn, prompts.Registered,
		prompts.ForemanNext, prompts.UnknownID, prompts.ForemanNext, prompts.TechnicianIDIs, "digits:"+ids[2], prompts.ActionCheckIn,
		prompts.Registered, prompts.ForemanNext, "num_3", prompts.CountRegistered)
	if got := c.heard(); !strings.Contains(got, want) {
		t.Fatalf("heard\n %s\nwant it to contain\n %s", got, want)
	}
	es := e.entries(t)
	if len(es) != 3 {
		t.Fatalf("entries %+v", es)
	}
	for _, en := range es {
		if en.TechnicianID != ids[0] && en.TechnicianID != ids[1] && en.TechnicianID != ids[2] {
			t.Errorf("entry of %s", en.TechnicianID)
		}
	}
}
