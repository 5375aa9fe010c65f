package ivr

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// Key sequences are safe by construction: for every state a caller can be
// in, each documented key sequence, typed ahead at full speed, keyed as
// each prompt starts or keyed after each prompt, either does what it says
// or ends in a clear error: never the opposite action, never another site,
// never another technician. The calls are real flows over the scripted
// fake call and a real SQLite store; the sites include decoys whose codes
// are pieces of the real ones (1, 2, 11, 12, 34, 234, 21234, 91234), so a
// sequence split the wrong way lands on a site and is caught.

// decoySites are sites whose codes a wrong split of "1234#", "2,1234#" or
// "9,1234#" would name.
var decoySites = []string{"1", "2", "11", "12", "34", "234", "21234", "91234"}

// keyState is who calls, from where, after what.
type keyState struct {
	name    string
	caller  string   // calling number
	called  string   // "ivr" or the site's own number
	tech    string   // the technician the call is about ("" for a foreman)
	prefix  []string // groups before the site: ID, code, the 9
	history []histEvent
	last    string // the site a 1 ("same site", "this site") names; "" none
	foreman bool
	// codeEnglish: a 9 at the greeting; the call is then in English.
	english bool
}

// histEvent is an attendance event before the call (minutes relative to
// the call, at site).
type histEvent struct {
	minutes int
	site    string
	action  ledger.Action
	tech    string
}

// keySeq is a documented key sequence and what it says.
type keySeq struct {
	groups []string
	site   string        // "last": the site a 1 names; else a code
	action ledger.Action // ActionUnknown: the one-call path decides (no keys)
}

var (
	seqSiteIn      = keySeq{[]string{"1234#", "1"}, "1234", ledger.ActionCheckIn}
	seqSiteOut     = keySeq{[]string{"1234#", "2"}, "1234", ledger.ActionCheckOut}
	seqSameIn      = keySeq{[]string{"1", "1"}, "last", ledger.ActionCheckIn}
	seqSameOut     = keySeq{[]string{"1", "2"}, "last", ledger.ActionCheckOut}
	seqAnotherIn   = keySeq{[]string{"2", "1234#", "1"}, "1234", ledger.ActionCheckIn}
	seqOtherSiteIn = keySeq{[]string{"55#", "1"}, "55", ledger.ActionCheckIn}
	seqNone        = keySeq{nil, "last", ledger.ActionUnknown}
	technicianSeqs = []keySeq{seqSiteIn, seqSiteOut, seqSameIn, seqSameOut, seqAnotherIn, seqOtherSiteIn}
)

func TestKeySequencesAreSafe(t *testing.T) {
	const (
		demo = ledger.DemoTechnicianID
		code = "22222222222222" // has security code 4321
	)
	crew := ledger.DemoCrew()
	histories := map[string][]histEvent{
		"first call ever":          nil,
		"first call of the day":    {{-24*60 - 1, "1234", ledger.ActionCheckIn, ""}, {-24*60 + 540, "1234", ledger.ActionCheckOut, ""}},
		"a minute after check-in":  {{-1, "1234", ledger.ActionCheckIn, ""}},
		"after check-in and -out":  {{-40, "1234", ledger.ActionCheckIn, ""}, {-5, "1234", ledger.ActionCheckOut, ""}},
		"checked in at site 55":    {{-1, "55", ledger.ActionCheckIn, ""}},
		"checked in this morning":  {{-120, "1234", ledger.ActionCheckIn, ""}},
		"crew checked in a minute": {{-1, "1234", ledger.ActionCheckIn, crew[0]}, {-1, "1234", ledger.ActionCheckIn, crew[1]}},
	}
	lastOf := func(h string) string {
		if evs := histories[h]; len(evs) > 0 {
			return evs[len(evs)-1].site
		}
		return ""
	}
	var states []keyState
	for _, h := range []string{"first call ever", "first call of the day", "a minute after check-in", "after check-in and -out", "checked in this morning"} {
		states = append(states,
			keyState{name: "registered phone, " + h, caller: demoCaller, called: "ivr", tech: demo, history: histories[h], last: lastOf(h)},
			keyState{name: "unknown phone, " + h, caller: otherCaller, called: "ivr", tech: demo, prefix: []string{demo}, history: histories[h], last: lastOf(h)},
			keyState{name: "unknown phone with a code, " + h, caller: otherCaller, called: "ivr", tech: code, prefix: []string{code, "4321"},
				history: withTech(histories[h], code), last: lastOf(h)},
			keyState{name: "unknown phone in English, " + h, caller: otherCaller, called: "ivr", tech: demo, prefix: []string{"9", demo},
				history: histories[h], last: lastOf(h), english: true},
		)
	}
	for _, h := range []string{"first call ever", "checked in at site 55", "a minute after check-in"} {
		states = append(states,
			keyState{name: "registered phone at site 55's number, " + h, caller: demoCaller, called: siteDID, tech: demo, history: histories[h], last: "55"},
			keyState{name: "unknown phone at site 55's number, " + h, caller: otherCaller, called: siteDID, tech: demo, prefix: []string{demo},
				history: histories[h], last: "55"})
	}
	for _, h := range []string{"first call ever", "crew checked in a minute"} {
		states = append(states,
			keyState{name: "foreman, " + h, caller: foremanTel, called: "ivr", history: histories[h], foreman: true},
			keyState{name: "foreman in English, " + h, caller: foremanTel, called: "ivr", history: histories[h], foreman: true,
				prefix: []string{"9"}, english: true},
			keyState{name: "foreman at site 55's number, " + h, caller: foremanTel, called: siteDID, history: histories[h], foreman: true, last: "55"})
	}

	e := newKeyEnv(t)
	cells, errs, retried := 0, 0, 0
	for _, st := range states {
		seqs := technicianSeqs
		if st.called == siteDID && st.caller == demoCaller {
			seqs = append([]keySeq{seqNone}, seqs...)
		}
		if st.foreman {
			seqs = foremanSeqs(crew)
		}
		for _, sq := range seqs {
			for _, timing := range []keyTiming{keyAhead, keyEarly, keyAfter} {
				name := fmt.Sprintf("%s/%s/%s", st.name, strings.Join(sq.groups, ","), timing)
				cells++
				e.lookalikes = true
				ok := e.checkCell(t, name, st, sq, timing)
				why := mayFail(st, sq, timing)
				switch {
				case ok:
					continue
				case why == "":
					t.Errorf("%s: ended in an error, but the keys say what to do and nothing makes them ambiguous", name)
				case why == "lookalike":
					// Without the look-alike sites the same keys do what they say.
					retried++
					e.lookalikes = false
					if !e.checkCell(t, name+" (no look-alike sites)", st, sq, timing) {
						t.Errorf("%s: ended in an error without the look-alike sites too", name)
					}
				}
				errs++
				t.Logf("clear error (%s): %s", why, name)
			}
		}
	}
	t.Logf("%d cells: %d did what the keys say, %d ended in a clear error (%d of them because of look-alike sites: without those they did what the keys say)",
		cells, cells-errs, errs, retried)
}

// mayFail says why a cell may end in a clear error rather than do what
// its keys say ("" for no reason: it must succeed).
func mayFail(st keyState, sq keySeq, timing keyTiming) string {
	site := sq.site
	if site == "last" {
		site = st.last
	}
	switch {
	case site == "":
		return "no site of last time" // "1" names nothing
	case guarded(st, sq, site):
		return "check-out a minute after check-in: press 2 again"
	case timing == keyAfter:
		return ""
	case slices.Equal(sq.groups, seqAnotherIn.groups):
		return "lookalike" // 2 then 1234# typed ahead is also site 21234
	case st.foreman && st.english:
		return "lookalike" // 9 then 1234# typed ahead is also site 91234
	}
	return ""
}

// withTech gives each event of h to tech.
func withTech(h []histEvent, tech string) []histEvent {
	out := slices.Clone(h)
	for i := range out {
		if out[i].tech == "" {
			out[i].tech = tech
		}
	}
	return out
}

// foremanSeqs are a foreman's sequences: site, action, crew (by ID or by
// crew number) and # alone.
func foremanSeqs(crew []string) []keySeq {
	return []keySeq{
		{[]string{"1234#", "1", crew[0], crew[1], "#"}, "1234", ledger.ActionCheckIn},
		{[]string{"1234#", "1", "12#", "13#", "#"}, "1234", ledger.ActionCheckIn},
		{[]string{"1234#", "2", crew[0], "13#", "#"}, "1234", ledger.ActionCheckOut},
		{[]string{"55#", "1", "12#", "#"}, "55", ledger.ActionCheckIn},
	}
}

// keyEnv is a flow environment with the decoy sites, site 55 on its own
// number, a technician with a security code, the foreman's phone and crew
// numbers 12 and 13.
type keyEnv struct {
	*flowEnv
	// lookalikes adds the sites 21234 and 91234, which "2,1234#" and
	// "9,1234#" typed ahead also name.
	lookalikes bool
	templates  map[bool]string // a prepared ledger file for each lookalikes
	dir        string
	cells      int
	current    string // the ledger file of the cell being run
}

func newKeyEnv(t *testing.T) *keyEnv {
	return &keyEnv{flowEnv: &flowEnv{}, templates: map[bool]string{}, dir: t.TempDir()}
}

// reset gives the next call a fresh ledger: a copy of a file prepared
// once (migrated, with the sites and people below), since opening and
// filling a new SQLite for each of hundreds of calls is most of the time.
func (e *keyEnv) reset(t *testing.T) {
	t.Helper()
	if e.store != nil {
		e.store.Close()
		e.store = nil
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(e.current + suffix) // the last cell's ledger; a file not there is fine
		}
	}
	tmpl, ok := e.templates[e.lookalikes]
	if !ok {
		tmpl = filepath.Join(e.dir, fmt.Sprintf("template-%v.db", e.lookalikes))
		*e.flowEnv = *newFlowEnvAt(t, "sqlite:"+tmpl)
		e.prepare(t)
		e.store.Close()
		e.store = nil
		e.templates[e.lookalikes] = tmpl
	}
	b, err := os.ReadFile(tmpl)
	e.must(t, err)
	e.cells++
	cell := filepath.Join(e.dir, fmt.Sprintf("cell-%d.db", e.cells))
	e.must(t, os.WriteFile(cell, b, 0o600))
	*e.flowEnv = *newFlowEnvAt(t, "sqlite:"+cell)
	e.current = cell
}

// prepare adds site 55 on its own number, the decoy sites, a technician
// with a security code, the foreman's phone and crew numbers 12 and 13.
func (e *keyEnv) prepare(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	e.withDIDSite(t)
	for _, code := range decoySites {
		if !e.lookalikes && (code == "21234" || code == "91234") {
			continue
		}
		e.must(t, e.admin.AddSite(ctx, ledger.Site{Code: code, Name: "囮 " + code, ContractorID: ledger.DemoContractorID}))
	}
	e.must(t, e.admin.AddTechnician(ctx, ledger.Technician{ID: codeTech, Name: "暗証 一郎", ContractorID: ledger.DemoContractorID}, "4321"))
	e.must(t, e.admin.AddPhone(ctx, ledger.Phone{E164: foremanTel, ContractorID: ledger.DemoContractorID}))
	crew := ledger.DemoCrew()
	e.must(t, e.admin.SetCrewNumber(ctx, crew[0], "12"))
	e.must(t, e.admin.SetCrewNumber(ctx, crew[1], "13"))
}

// keyEvent is an attendance event as the cell checks it.
type keyEvent struct {
	id           int64
	kind, tech   string
	site, detail string
}

func (e *keyEnv) eventsAfter(t *testing.T, id int64) []keyEvent {
	t.Helper()
	db := e.store.(interface{ DB() *sql.DB }).DB()
	rows, err := db.Query(`SELECT id, kind, technician_id, site_code, detail FROM attendance_events WHERE id > ? ORDER BY id`, id)
	e.must(t, err)
	defer rows.Close()
	var out []keyEvent
	for rows.Next() {
		var ev keyEvent
		e.must(t, rows.Scan(&ev.id, &ev.kind, &ev.tech, &ev.site, &ev.detail))
		out = append(out, ev)
	}
	e.must(t, rows.Err())
	return out
}

// standing are the check-ins and check-outs of evs not undone.
func standing(evs []keyEvent) []keyEvent {
	undone := map[string]bool{}
	for _, ev := range evs {
		if ev.kind == "undo" {
			undone[strings.TrimPrefix(ev.detail, "undo=")] = true
		}
	}
	var out []keyEvent
	for _, ev := range evs {
		if (ev.kind == "check_in" || ev.kind == "check_out") && !undone[fmt.Sprint(ev.id)] {
			out = append(out, ev)
		}
	}
	return out
}

// checkCell runs one call and checks it did what its keys say or ended in
// a clear error; it reports which.
func (e *keyEnv) checkCell(t *testing.T, name string, st keyState, sq keySeq, timing keyTiming) bool {
	t.Helper()
	e.reset(t)
	ctx := context.Background()
	for i, h := range st.history {
		tech := h.tech
		if tech == "" {
			tech = st.tech
		}
		_, err := e.store.RecordAttendance(ctx, ledger.AttendanceRequest{TechnicianID: tech, SiteCode: h.site, Action: h.action,
			At: jstMorning.Add(time.Duration(h.minutes) * time.Minute), IdempotencyKey: fmt.Sprint("history-", i)})
		e.must(t, err)
	}
	before := e.eventsAfter(t, 0)
	var maxID int64
	if len(before) > 0 {
		maxID = before[len(before)-1].id
	}
	groups := append(slices.Clone(st.prefix), sq.groups...)
	c := e.runFake(t, jstMorning, func() *fakeCall { return newGroupCall(st.caller, st.called, timing, groups...) })
	rec := e.lastCall(t)

	site := sq.site
	if site == "last" {
		site = st.last
	}
	action := sq.action
	if action == ledger.ActionUnknown { // the one-call path: check-in first, then check-out
		action = ledger.ActionCheckIn
		if hist := standing(before); len(hist) > 0 && hist[len(hist)-1].site == "55" && hist[len(hist)-1].kind == "check_in" {
			action = ledger.ActionCheckOut
		}
	}
	techs := []string{st.tech}
	if st.foreman {
		techs = ledger.DemoCrew()[:2]
	}
	// Never the opposite action, another site or another technician.
	for _, ev := range standing(e.eventsAfter(t, maxID)) {
		if site == "" || ev.site != site || ev.kind != action.String() || !slices.Contains(techs, ev.tech) {
			t.Errorf("%s: recorded %s of %s at site %q; the keys say %s at site %q\nheard %s\nrecord %+v",
				name, ev.kind, ev.tech, ev.site, action, site, c.heard(), rec)
		}
	}
	if st.english && !st.foreman && rec.Language != prompts.English {
		t.Errorf("%s: language %s, want English", name, rec.Language)
	}
	switch rec.Outcome {
	case OutcomeRegistered.String(), OutcomeAlreadyRegistered.String():
		if site == "" {
			t.Errorf("%s: outcome %s for keys that name no site\nheard %s", name, rec.Outcome, c.heard())
		}
		return true
	case OutcomeFailed.String():
		// A clear error: the caller heard why and the apology, or (a
		// foreman) that no one was registered.
		if !strings.HasSuffix(c.heard(), prompts.TooManyErrors) &&
			!(st.foreman && strings.Contains(c.heard(), "num_0 "+prompts.CountRegistered)) {
			t.Errorf("%s: failed without saying so: heard %s", name, c.heard())
		}
		if timing == keyAfter && site != "" && !guarded(st, sq, site) {
			t.Errorf("%s: keyed after each prompt, the keys name site %s and %s, but the call failed (%s)\nheard %s\nsteps %v",
				name, site, action, rec.Reason, c.heard(), rec.Steps)
		}
		return false
	}
	t.Errorf("%s: outcome %s (%s)\nheard %s", name, rec.Outcome, rec.Reason, c.heard())
	return false
}

// guarded reports a check-out asked for less than ReverseGuard after the
// technician's check-in at that site: the caller is asked to press 2
// again, which the scripted caller does not.
func guarded(st keyState, sq keySeq, site string) bool {
	if sq.action != ledger.ActionCheckOut || st.foreman {
		return false
	}
	var last histEvent
	for _, h := range st.history {
		if h.site == site {
			last = h
		}
	}
	return last.action == ledger.ActionCheckIn && last.minutes > -30
}

// The case that was reported: an unknown phone keys "ID 1234# 1" and is
// checked in; the same keys a minute later (a habit, or a speed-dial
// macro) must not check him out, typed ahead or keyed after each prompt.
func TestRepeatedKeysDoNotCheckOut(t *testing.T) {
	for _, timing := range []keyTiming{keyAhead, keyEarly, keyAfter} {
		t.Run(timing.String(), func(t *testing.T) {
			e := newFlowEnv(t)
			keys := []string{ledger.DemoTechnicianID, "1234#", "1"}
			for i := range 2 {
				c := e.runFake(t, jstMorning.Add(time.Duration(i)*time.Minute), func() *fakeCall {
					return newGroupCall(otherCaller, "ivr", timing, keys...)
				})
				rec := e.lastCall(t)
				want := []outcomeWant{{OutcomeRegistered, ledger.EntryStatusOpen}, {OutcomeAlreadyRegistered, ledger.EntryStatusOpen}}[i]
				es := e.entries(t)
				if rec.Outcome != want.outcome.String() || len(es) != 1 || es[0].Status != want.status || !es[0].CheckOut.IsZero() {
					t.Fatalf("call %d: outcome %s, entries %+v; want %s and one open entry\nheard %s", i+1, rec.Outcome, es, want.outcome, c.heard())
				}
			}
		})
	}
}

// outcomeWant is a call's expected outcome and its entry's status.
type outcomeWant struct {
	outcome Outcome
	status  ledger.EntryStatus
}
