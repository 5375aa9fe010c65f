package ivr

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// The flows beyond the basic one: one call on a site's own number, undo, security code,
// foreman entry, today's entries and cancel, English, NotAssigned.

const (
	siteDID     = "05055550001" // site 55's own number
	codeTech    = "22222222222222"
	foremanTel  = "09077770000" // the demo contractor's foreman
	foremanE164 = "+819077770000"
)

func (e *flowEnv) must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// withDIDSite adds site 55 with its own number; it keeps no assignments,
// so everyone may check in there.
func (e *flowEnv) withDIDSite(t *testing.T) {
	t.Helper()
	e.must(t, e.admin.AddSite(context.Background(), ledger.Site{Code: "55", Name: "直通現場",
		ContractorID: ledger.DemoContractorID, DID: siteDID}))
}

func (e *flowEnv) events(t *testing.T, entryID int64) []string {
	t.Helper()
	evs, err := e.admin.EntryEvents(context.Background(), entryID)
	e.must(t, err)
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Kind)
	}
	return out
}

func hasStep(rec ledger.CallRecord, step string) bool { return slices.Contains(rec.Steps, step) }

func TestFlowOneCall(t *testing.T) {
	e := newFlowEnv(t)
	e.withDIDSite(t)
	tests := []struct {
		name        string
		at          time.Time
		script      []reaction
		wantHeard   string
		wantOutcome Outcome
		wantStatus  ledger.EntryStatus
		wantEvents  string
	}{
		{"first call of the day checks in", jstMorning, nil,
			seq(prompts.GreetingShort, prompts.RecordedCheckIn, prompts.UndoOffer),
			OutcomeRegistered, ledger.EntryStatusOpen, "check_in"},
		{"a later call checks out", jstMorning.Add(9 * time.Hour), nil,
			seq(prompts.GreetingShort, prompts.RecordedCheckOut, prompts.UndoOffer),
			OutcomeRegistered, ledger.EntryStatusClosed, "check_in check_out"},
		{"9 undoes the check-out: the entry is open again", jstMorning.Add(10 * time.Hour),
			[]reaction{{after: prompts.UndoOffer, keys: "9"}},
			seq(prompts.GreetingShort, prompts.RecordedCheckOut, prompts.UndoOffer, prompts.Undone),
			OutcomeCancelled, ledger.EntryStatusClosed, "check_in check_out check_out undo"},
		{"another key: the entry is undone and the caller chooses (this site, check-out)", jstMorning.Add(11 * time.Hour),
			[]reaction{{after: prompts.UndoOffer, keys: "1"}, {after: prompts.ChooseActionMore, keys: "2"}},
			seq(prompts.GreetingShort, prompts.RecordedCheckOut, prompts.UndoOffer, prompts.ThisSiteOffer, prompts.ChooseAction,
				prompts.ChooseActionMore, prompts.SiteCodeIs, "digits:55", prompts.ActionCheckOut, prompts.Registered, prompts.Goodbye),
			OutcomeRegistered, ledger.EntryStatusClosed, "check_in check_out check_out undo check_out undo check_out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.runCallTo(t, tt.at, demoCaller, siteDID, tt.script...)
			if got := c.heard(); got != tt.wantHeard {
				t.Errorf("heard\n %s\nwant\n %s", got, tt.wantHeard)
			}
			if !c.hungUp {
				t.Error("the service did not hang up")
			}
			rec := e.lastCall(t)
			if rec.Outcome != tt.wantOutcome.String() || rec.SiteCode != "55" || rec.TechnicianID != ledger.DemoTechnicianID ||
				rec.Called != "+815055550001" || !hasStep(rec, "site_by_did") || len(rec.EntryIDs) != 1 {
				t.Errorf("call record = %+v", rec)
			}
			es := e.entries(t)
			if len(es) != 1 || es[0].SiteCode != "55" || es[0].Status != tt.wantStatus {
				t.Fatalf("entries = %+v", es)
			}
			if got := strings.Join(e.events(t, es[0].ID), " "); got != tt.wantEvents {
				t.Errorf("events %s, want %s", got, tt.wantEvents)
			}
		})
	}
	// The 9 undid the 17:30 check-out (back to 16:30); the last call checked out at 18:30.
	es := e.entries(t)
	if got := es[0].CheckOut.In(ledger.Tokyo).Format("15:04"); got != "18:30" {
		t.Errorf("check-out %s, want 18:30 (the last call's)", got)
	}
}

func TestFlowOneCallUndoCheckInThenCallAgain(t *testing.T) {
	e := newFlowEnv(t)
	e.withDIDSite(t)
	e.runCallTo(t, jstMorning, demoCaller, siteDID, reaction{after: prompts.UndoOffer, keys: "9"})
	es := e.entries(t)
	if len(es) != 1 || es[0].Status != ledger.EntryStatusCancelled {
		t.Fatalf("entries after undo = %+v, want one cancelled (kept, not deleted)", es)
	}
	// The check-in was undone: the next call is a check-in again.
	c := e.runCallTo(t, jstMorning.Add(time.Minute), demoCaller, siteDID)
	if !strings.Contains(c.heard(), prompts.RecordedCheckIn) {
		t.Errorf("heard %s, want a check-in", c.heard())
	}
	if es := e.entries(t); len(es) != 1 || es[0].Status != ledger.EntryStatusOpen {
		t.Fatalf("entries = %+v", es)
	}
}

func TestFlowOneCallNotAssigned(t *testing.T) {
	e := newFlowEnv(t)
	e.withDIDSite(t)
	ctx := context.Background()
	// Site 55 keeps assignments now, none of them the demo technician's.
	e.must(t, e.admin.AddTechnician(ctx, ledger.Technician{ID: codeTech, Name: "配置 済", ContractorID: ledger.DemoContractorID}, ""))
	e.must(t, e.admin.Assign(ctx, ledger.Assignment{SiteCode: "55", TechnicianID: codeTech, Trade: "型枠工"}))
	c := e.runCallTo(t, jstMorning, demoCaller, siteDID)
	want := seq(prompts.GreetingShort, prompts.RecordedCheckIn, prompts.NotAssigned, prompts.UndoOffer)
	if got := c.heard(); got != want {
		t.Fatalf("heard\n %s\nwant\n %s", got, want)
	}
	if es := e.entries(t); len(es) != 1 || es[0].Status != ledger.EntryStatusNeedsReview {
		t.Fatalf("entries = %+v, want one needs_review", es)
	}
	if rec := e.lastCall(t); !hasStep(rec, "not_assigned") || rec.Outcome != OutcomeRegistered.String() {
		t.Errorf("call record = %+v", rec)
	}
}

func TestFlowOneCallClosedSite(t *testing.T) {
	e := newFlowEnv(t)
	e.must(t, e.admin.AddSite(context.Background(), ledger.Site{Code: "56", Name: "終わった現場", DID: siteDID,
		ClosesOn: time.Date(2026, 10, 31, 0, 0, 0, 0, ledger.Tokyo)}))
	c := e.runCallTo(t, jstMorning, demoCaller, siteDID)
	if got, want := c.heard(), seq(prompts.GreetingShort, prompts.SiteClosed); got != want {
		t.Fatalf("heard %s, want %s", got, want)
	}
	if es := e.entries(t); len(es) != 0 {
		t.Fatalf("entries = %+v", es)
	}
	if rec := e.lastCall(t); rec.Outcome != OutcomeFailed.String() || rec.Reason != "site_closed" {
		t.Errorf("call record = %+v", rec)
	}
}

func TestFlowUnregisteredCallerOnSiteNumberKeysIDAndOne(t *testing.T) {
	e := newFlowEnv(t)
	e.withDIDSite(t)
	// The dialled site is offered: 1 takes it, no site code is keyed.
	c := e.runCallTo(t, jstMorning, otherCaller, siteDID,
		reaction{after: prompts.EnterID, keys: ledger.DemoTechnicianID},
		reaction{after: prompts.ThisSiteOffer, keys: "1"},
		reaction{after: prompts.ChooseActionMore, keys: "1"})
	want := seq(prompts.Greeting, prompts.EnglishOffer, prompts.EnterID, prompts.ThisSiteOffer, prompts.ChooseAction, prompts.ChooseActionMore,
		prompts.SiteCodeIs, "digits:55", prompts.ActionCheckIn, prompts.Registered, prompts.Goodbye)
	if got := c.heard(); got != want {
		t.Fatalf("heard\n %s\nwant\n %s", got, want)
	}
	if rec := e.lastCall(t); !hasStep(rec, "no_security_code") || !hasStep(rec, "offered_site") || rec.SiteCode != "55" {
		t.Errorf("call record = %+v", rec)
	}
}

func TestFlowSecurityCode(t *testing.T) {
	e := newFlowEnv(t)
	e.must(t, e.admin.AddTechnician(context.Background(),
		ledger.Technician{ID: codeTech, Name: "暗証 一郎", ContractorID: ledger.DemoContractorID}, "4321"))
	keyID := reaction{after: prompts.EnterID, keys: codeTech}
	wrong := func(code string) reaction { return reaction{after: prompts.EnterSecurityCode, keys: code} }
	tests := []struct {
		name        string
		at          time.Time
		script      []reaction
		wantHeard   string
		wantOutcome Outcome
		wantReason  string
		wrongSteps  int
	}{
		{"right code registers", jstMorning,
			[]reaction{keyID, wrong("4321"), {after: prompts.EnterSite, keys: "1234#"}, {after: prompts.ChooseActionMore, keys: "1"}},
			seq(prompts.Greeting, prompts.EnglishOffer, prompts.EnterID, prompts.EnterSecurityCode, prompts.EnterSite,
				prompts.ChooseAction, prompts.ChooseActionMore, prompts.SiteCodeIs, "digits:1234", prompts.ActionCheckIn, prompts.NotAssigned,
				prompts.PhoneRegisterOffer, prompts.Goodbye),
			OutcomeRegistered, "", 0},
		{"too short is not an attempt; three wrong codes lock", jstMorning.Add(time.Hour),
			[]reaction{keyID, wrong("12#"), wrong("1111"), wrong("2222"), wrong("3333")},
			seq(prompts.Greeting, prompts.EnglishOffer, prompts.EnterID, prompts.EnterSecurityCode,
				prompts.TooShort, prompts.EnterSecurityCode, prompts.WrongSecurityCode, prompts.EnterSecurityCode,
				prompts.WrongSecurityCode, prompts.EnterSecurityCode, prompts.Locked),
			OutcomeFailed, "locked", 3},
		{"locked: the next call is refused after the ID", jstMorning.Add(time.Hour + 10*time.Minute),
			[]reaction{keyID},
			seq(prompts.Greeting, prompts.EnglishOffer, prompts.EnterID, prompts.Locked),
			OutcomeFailed, "locked", 0},
		{"15 minutes later the right code works", jstMorning.Add(time.Hour + 16*time.Minute),
			[]reaction{keyID, wrong("4321"), {after: prompts.SameSiteOffer, keys: "1"}, {after: prompts.ChooseActionMore, keys: "2"}},
			seq(prompts.Greeting, prompts.EnglishOffer, prompts.EnterID, prompts.EnterSecurityCode, prompts.SameSiteOffer,
				prompts.ChooseAction, prompts.ChooseActionMore, prompts.SiteCodeIs, "digits:1234", prompts.ActionCheckOut, prompts.Registered,
				prompts.PhoneRegisterOffer, prompts.Goodbye),
			OutcomeRegistered, "", 0},
	}
	// MaxTries 4 shows the lock comes from the third wrong code, not the
	// tries running out.
	e.cfg.MaxTries = 4
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.runCall(t, tt.at, otherCaller, tt.script...)
			if got := c.heard(); got != tt.wantHeard {
				t.Errorf("heard\n %s\nwant\n %s", got, tt.wantHeard)
			}
			rec := e.lastCall(t)
			if rec.Outcome != tt.wantOutcome.String() || rec.Reason != tt.wantReason {
				t.Errorf("outcome %s reason %q, want %s %q", rec.Outcome, rec.Reason, tt.wantOutcome, tt.wantReason)
			}
			n := 0
			for _, st := range rec.Steps {
				if st == "security_code_wrong" {
					n++
				}
				if strings.Contains(st, "4321") || strings.Contains(st, "1111") {
					t.Errorf("a step holds a code: %v", rec.Steps)
				}
			}
			if n != tt.wrongSteps {
				t.Errorf("steps %v: %d wrong codes, want %d", rec.Steps, n, tt.wrongSteps)
			}
		})
	}
}

func TestFlowEnglish(t *testing.T) {
	e := newFlowEnv(t)
	ctx := context.Background()
	e.must(t, e.admin.AddTechnician(ctx, ledger.Technician{ID: codeTech, Name: "John Smith",
		ContractorID: ledger.DemoContractorID, Language: "en"}, ""))
	e.must(t, e.admin.AddPhone(ctx, ledger.Phone{E164: "09022223333", TechnicianID: codeTech}))
	e.withDIDSite(t)
	tests := []struct {
		name, caller, called string
		script               []reaction
		wantHeard            string
		wantLangs            string // language of each clip heard
	}{
		{"9 at the greeting", otherCaller, "ivr",
			[]reaction{{after: prompts.EnglishOffer, keys: "9"}, {after: prompts.EnterID, keys: ledger.DemoTechnicianID},
				{after: prompts.EnterSite, keys: "1234#"}, {after: prompts.ChooseActionMore, keys: "1"}},
			seq(prompts.Greeting, prompts.EnglishOffer, prompts.EnterID, prompts.EnterSite, prompts.ChooseAction, prompts.ChooseActionMore,
				prompts.SiteCodeIs, "digits:1234", prompts.ActionCheckIn, prompts.Registered, prompts.Goodbye),
			// Chosen in the call: it wins over the demo technician's stored ja.
			"ja ja en en en en en en en en en en en en"},
		{"another key at the greeting is type-ahead, not a language", otherCaller, "ivr",
			[]reaction{{after: prompts.EnglishOffer, keys: codeTech, during: true},
				{after: prompts.EnterSite, keys: "1234#"}, {after: prompts.ChooseActionMore, keys: "1"}},
			seq(prompts.Greeting, prompts.EnglishOffer, prompts.EnterID, prompts.EnterSite, prompts.ChooseAction, prompts.ChooseActionMore,
				prompts.SiteCodeIs, "digits:1234", prompts.ActionCheckIn, prompts.NotAssigned, prompts.Goodbye),
			"ja ja ja en en en en en en en en en en en"},
		{"stored language on the one-call path", "09022223333", siteDID, nil,
			seq(prompts.GreetingShort, prompts.RecordedCheckIn, prompts.UndoOffer), "en en en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.runCallTo(t, jstMorning, tt.caller, tt.called, tt.script...)
			if got := c.heard(); got != tt.wantHeard {
				t.Errorf("heard\n %s\nwant\n %s", got, tt.wantHeard)
			}
			if got := strings.Join(c.languages(e.cat), " "); got != tt.wantLangs {
				t.Errorf("languages\n %s\nwant\n %s", got, tt.wantLangs)
			}
		})
	}
}

// foremanEnv adds a foreman phone for the demo contractor and five
// technicians of his crew; it returns their IDs.
func (e *flowEnv) foremanEnv(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	e.must(t, e.admin.AddPhone(ctx, ledger.Phone{E164: foremanTel, ContractorID: ledger.DemoContractorID}))
	var ids []string
	for i := range 5 {
		id := "3333333333333" + string(rune('0'+i))
		e.must(t, e.admin.AddTechnician(ctx, ledger.Technician{ID: id, Name: "班員", ContractorID: ledger.DemoContractorID}, ""))
		e.must(t, e.admin.Assign(ctx, ledger.Assignment{SiteCode: ledger.DemoSiteCode, TechnicianID: id}))
		ids = append(ids, id)
	}
	e.must(t, e.admin.AddContractor(ctx, ledger.Contractor{ID: "other", Name: "他社"}))
	e.must(t, e.admin.AddTechnician(ctx, ledger.Technician{ID: "44444444444444", Name: "他社員", ContractorID: "other"}, ""))
	return ids
}

func TestFlowForemanEntersCrew(t *testing.T) {
	e := newFlowEnv(t)
	ids := e.foremanEnv(t)
	script := []reaction{{after: prompts.EnterSite, keys: "1234#"}, {after: prompts.ChooseAction, keys: "1"},
		{after: prompts.ForemanEnterID, keys: ids[0]}}
	want := []string{prompts.Greeting, prompts.EnglishOffer, prompts.EnterSite, prompts.ChooseAction, prompts.ForemanEnterID}
	readback := func(id, result string) []string {
		return []string{prompts.TechnicianIDIs, "digits:" + id, prompts.ActionCheckIn, result}
	}
	want = append(want, readback(ids[0], prompts.Registered)...)
	for _, id := range ids[1:] {
		script = append(script, reaction{after: prompts.ForemanNext, keys: id})
		want = append(want, prompts.ForemanNext)
		want = append(want, readback(id, prompts.Registered)...)
	}
	// Another contractor's technician, too short, then # alone.
	script = append(script, reaction{after: prompts.ForemanNext, keys: "44444444444444"},
		reaction{after: prompts.ForemanNext, keys: "12345#"}, reaction{after: prompts.ForemanNext, keys: "#"})
	want = append(want, prompts.ForemanNext, prompts.UnknownID, prompts.ForemanNext, prompts.TooShort, prompts.ForemanNext,
		"num_5", prompts.CountRegistered, prompts.ForemanDone, prompts.Goodbye)
	c := e.runCall(t, jstMorning, foremanTel, script...)
	if got := c.heard(); got != seq(want...) {
		t.Fatalf("heard\n %s\nwant\n %s", got, seq(want...))
	}
	es := e.entries(t)
	if len(es) != 5 {
		t.Fatalf("entries = %+v, want 5", es)
	}
	for _, en := range es {
		if en.SiteCode != "1234" || en.Status != ledger.EntryStatusOpen || !slices.Contains(ids, en.TechnicianID) {
			t.Errorf("entry %+v", en)
		}
		evs, err := e.admin.EntryEvents(context.Background(), en.ID)
		e.must(t, err)
		if len(evs) != 1 || evs[0].Actor != "foreman:demo:"+foremanE164 {
			t.Errorf("events of %s = %+v, want one by the foreman", en.TechnicianID, evs)
		}
	}
	rec := e.lastCall(t)
	if rec.Outcome != OutcomeRegistered.String() || len(rec.EntryIDs) != 5 || !hasStep(rec, "foreman") || !hasStep(rec, "foreman_done") {
		t.Errorf("call record = %+v", rec)
	}

	// The foreman calls again for the same crew: each is read back as
	// already registered, nothing new is written, and the call is recorded
	// as already_registered, not as a failure.
	again := []reaction{{after: prompts.EnterSite, keys: "1234#"}, {after: prompts.ChooseAction, keys: "1"},
		{after: prompts.ForemanEnterID, keys: ids[0]}, {after: prompts.ForemanNext, keys: "#"}}
	c = e.runCall(t, jstMorning.Add(time.Hour), foremanTel, again...)
	if got := c.heard(); !strings.Contains(got, seq(readback(ids[0], prompts.AlreadyRegistered)...)) {
		t.Errorf("repeat call heard\n %s\nwant the read-back with %s", got, prompts.AlreadyRegistered)
	}
	if es := e.entries(t); len(es) != 5 {
		t.Errorf("after the repeat call %d entries, want 5", len(es))
	}
	if rec := e.lastCall(t); rec.Outcome != OutcomeAlreadyRegistered.String() || len(rec.EntryIDs) != 0 {
		t.Errorf("repeat call record = %+v, want already_registered with no entries", rec)
	}
}

func TestFlowStatusAndCancel(t *testing.T) {
	e := newFlowEnv(t)
	e.runCall(t, jstMorning, demoCaller,
		reaction{after: prompts.EnterSite, keys: "1234#"}, reaction{after: prompts.ChooseActionMore, keys: "1"})
	// 3: today's entries, then 4: cancel the last one.
	c := e.runCall(t, jstMorning.Add(time.Hour), demoCaller,
		reaction{after: prompts.SameSiteOffer, keys: "1"},
		reaction{after: prompts.ChooseActionMore, keys: "3"},
		reaction{after: prompts.ChooseActionMore, keys: "4"})
	tn, err := prompts.TimeNames(prompts.Japanese, 7, 30)
	e.must(t, err)
	want := seq(append(append([]string{prompts.GreetingShort, prompts.SameSiteOffer, prompts.ChooseAction, prompts.ChooseActionMore,
		prompts.TodaysEntries, prompts.SiteCodeIs, "digits:1234", prompts.ActionCheckIn}, tn...),
		prompts.ChooseAction, prompts.ChooseActionMore, prompts.EntryCancelled, prompts.Goodbye)...)
	if got := c.heard(); got != want {
		t.Fatalf("heard\n %s\nwant\n %s", got, want)
	}
	es := e.entries(t)
	if len(es) != 1 || es[0].Status != ledger.EntryStatusCancelled {
		t.Fatalf("entries = %+v, want one cancelled", es)
	}
	if got := strings.Join(e.events(t, es[0].ID), " "); got != "check_in undo" {
		t.Errorf("events %s", got)
	}
	rec := e.lastCall(t)
	if rec.Outcome != OutcomeCancelled.String() || !hasStep(rec, "status") || !hasStep(rec, "cancel_last") {
		t.Errorf("call record = %+v", rec)
	}
	// Nothing left to cancel or read; then the caller hangs up.
	c = e.runCall(t, jstMorning.Add(2*time.Hour), demoCaller,
		reaction{after: prompts.SameSiteOffer, keys: "1"},
		reaction{after: prompts.ChooseActionMore, keys: "4"},
		reaction{after: prompts.ChooseActionMore, keys: "3"},
		reaction{after: prompts.ChooseActionMore, hangup: true})
	want = seq(prompts.GreetingShort, prompts.SameSiteOffer, prompts.ChooseAction, prompts.ChooseActionMore, prompts.NothingToCancel,
		prompts.ChooseAction, prompts.ChooseActionMore, prompts.NoEntriesToday, prompts.ChooseAction, prompts.ChooseActionMore)
	if got := c.heard(); got != want {
		t.Fatalf("heard\n %s\nwant\n %s", got, want)
	}
	if rec := e.lastCall(t); rec.Outcome != OutcomeStatus.String() {
		t.Errorf("outcome %s, want status", rec.Outcome)
	}
}

func TestFlowMistakeMessages(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		caller string
		script []reaction
		want   string // the heard sequence must contain this
	}{
		{"too short ID, then the long prompt", otherCaller,
			[]reaction{{after: prompts.EnterID, keys: "123#"}}, seq(prompts.TooShort, prompts.EnterIDLong)},
		{"unknown ID", otherCaller,
			[]reaction{{after: prompts.EnterID, keys: "99999999999999"}}, seq(prompts.UnknownID, prompts.EnterIDLong)},
		{"closed site", demoCaller,
			[]reaction{{after: prompts.EnterSite, keys: "57#"}}, seq(prompts.SiteClosed, prompts.EnterSiteLong)},
		{"unknown site", demoCaller,
			[]reaction{{after: prompts.EnterSite, keys: "58#"}}, seq(prompts.UnknownSite, prompts.EnterSiteLong)},
		{"wrong key", demoCaller,
			[]reaction{{after: prompts.EnterSite, keys: "1234#"}, {after: prompts.ChooseActionMore, keys: "8"}},
			seq(prompts.ChooseAction, prompts.ChooseActionMore, prompts.InvalidKey, prompts.ChooseAction, prompts.ChooseActionMore)},
		{"star starts again", demoCaller,
			[]reaction{{after: prompts.EnterSite, keys: "99*1234#"}, {after: prompts.ChooseActionMore, keys: "1"}},
			seq(prompts.EnterSite, prompts.ChooseAction, prompts.ChooseActionMore, prompts.SiteCodeIs, "digits:1234")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFlowEnv(t)
			e.must(t, e.admin.AddSite(ctx, ledger.Site{Code: "57", Name: "閉鎖", ClosesOn: time.Date(2026, 1, 1, 0, 0, 0, 0, ledger.Tokyo)}))
			c := e.runCall(t, jstMorning, tt.caller, tt.script...)
			if !strings.Contains(c.heard(), tt.want) {
				t.Errorf("heard\n %s\nwant it to contain\n %s", c.heard(), tt.want)
			}
		})
	}
}
