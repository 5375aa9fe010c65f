// Package storetest is the conformance suite every ledger store passes:
// call Run from the store's own test with a function that opens a fresh,
// empty store for one test.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

// Opener opens a fresh, empty, migrated store for one test and arranges
// (with t.Cleanup) for it to be closed and dropped.
type Opener func(t *testing.T) ledger.DB

// Run runs the whole suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store)
	}{
		{"SeedDemoLookups", testSeedDemoLookups},
		{"Migrate", testMigrate},
		{"CheckIn", testCheckIn},
		{"CheckOut", testCheckOut},
		{"WorkDateAcrossMidnight", testWorkDateAcrossMidnight},
		{"Idempotency", testIdempotency},
		{"Rejections", testRejections},
		{"ConcurrentCheckIns", testConcurrentCheckIns},
		{"ConcurrentSameKey", testConcurrentSameKey},
		{"Calls", testCalls},
		{"ConcurrentCalls", testConcurrentCalls},
		{"Registration", testRegistration},
		{"ImportAllOrNothing", testImportAllOrNothing},
		{"ListAndExport", testListAndExport},
		{"CorrectAndCancel", testCorrectAndCancel},
		{"SiteByDID", testSiteByDID},
		{"SecurityCodeLockout", testSecurityCodeLockout},
		{"UndoCheckIn", testUndoCheckIn},
		{"UndoCheckOut", testUndoCheckOut},
		{"LastSiteAndDayEvents", testLastSiteAndDayEvents},
		{"NotAssigned", testNotAssigned},
		{"EnteredBy", testEnteredBy},
		{"FeedCheckOutAfterExport", testFeedCheckOutAfterExport},
		{"FeedChangesAfterExport", testFeedChangesAfterExport},
		{"FeedFullExportTwice", testFeedFullExportTwice},
		{"FeedChangeDuringExport", testFeedChangeDuringExport},
		{"FeedNeedsReview", testFeedNeedsReview},
		{"FeedHeldBack", testFeedHeldBack},
		{"FeedReplay", testFeedReplay},
		{"CheckTechnicianImport", testCheckTechnicianImport},
		{"TextRefused", testTextRefused},
		{"TechnicianDays", testTechnicianDays},
		{"DailyReport", testDailyReport},
		{"ErrorsSayItOnce", testErrorsSayItOnce},
		{"CallEndReason", testCallEndReason},
		{"CrewNumbers", testCrewNumbers},
		{"OwnPhone", testOwnPhone},
		{"OfficeScopes", testOfficeScopes},
		{"OfficeEdits", testOfficeEdits},
		{"OfficePages", testOfficePages},
		{"AuditActors", testAuditActors},
		{"Board", testBoard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := open(t)
			tt.fn(t, store{st, st, st, st})
		})
	}
}

type store struct {
	ledger.Store
	ledger.Admin
	flow ledger.FlowStore
	db   ledger.DB
}

func ctx(t *testing.T) context.Context { return t.Context() }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// jst returns a time given as Asia/Tokyo wall clock.
func jst(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, ledger.Tokyo)
	must(t, err)
	return v
}

func seed(t *testing.T, s store) {
	t.Helper()
	must(t, s.SeedDemo(ctx(t)))
}

func record(t *testing.T, s store, action ledger.Action, at time.Time, key string) ledger.AttendanceResult {
	t.Helper()
	res, err := s.RecordAttendance(ctx(t), ledger.AttendanceRequest{
		TechnicianID: ledger.DemoTechnicianID, SiteCode: ledger.DemoSiteCode,
		Action: action, At: at, CallID: "call-" + key, IdempotencyKey: key,
	})
	if err != nil {
		t.Fatalf("record %v at %v: %v", action, at, err)
	}
	return res
}

func entries(t *testing.T, s store) []ledger.Entry {
	t.Helper()
	es, err := s.ListEntries(ctx(t), ledger.EntryFilter{})
	must(t, err)
	return es
}

func testSeedDemoLookups(t *testing.T, s store) {
	seed(t, s)
	seed(t, s) // idempotent
	tech, err := s.TechnicianByPhone(ctx(t), ledger.DemoPhone)
	must(t, err)
	if tech.ID != ledger.DemoTechnicianID || tech.ContractorID != ledger.DemoContractorID || tech.Language != "ja" || tech.Disabled {
		t.Errorf("TechnicianByPhone = %+v", tech)
	}
	if got, err := s.TechnicianByPhone(ctx(t), "090-1234-5678"); err != nil || got.ID != ledger.DemoTechnicianID {
		t.Errorf("TechnicianByPhone(national form) = %+v, %v", got, err)
	}
	if _, err := s.TechnicianByPhone(ctx(t), "+819099999999"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("unknown phone: err %v, want ErrNotFound", err)
	}
	if _, err := s.Technician(ctx(t), "99999999999999"); !errors.Is(err, ledger.ErrUnknownTechnician) || !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("unknown technician: err %v", err)
	}
	site, err := s.SiteByCode(ctx(t), ledger.DemoSiteCode)
	must(t, err)
	if site.Name != "デモ現場" || site.CCUSSiteID != ledger.DemoCCUSSiteID || !site.OpensOn.IsZero() || !site.ClosesOn.IsZero() {
		t.Errorf("SiteByCode = %+v", site)
	}
	if _, err := s.SiteByCode(ctx(t), "9999"); !errors.Is(err, ledger.ErrUnknownSite) || !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("unknown site: err %v", err)
	}
	cs, err := s.Contractors(ctx(t))
	must(t, err)
	ts, err := s.Technicians(ctx(t), "")
	must(t, err)
	ps, err := s.Phones(ctx(t))
	must(t, err)
	crew := ledger.DemoCrew()
	if len(cs) != 1 || len(ts) != 1+len(crew) || len(ps) != 2 {
		t.Errorf("after two SeedDemo: %d contractors, %d technicians, %d phones; want 1, %d, 2", len(cs), len(ts), len(ps), 1+len(crew))
	}

	// The foreman: a phone of the demo contractor with no technician, so
	// that a call from it is proxy entry (ivr's foremanPhone).
	fp, err := s.Phone(ctx(t), ledger.DemoForemanPhone)
	must(t, err)
	if fp.E164 != ledger.DemoForemanPhone || fp.ContractorID != ledger.DemoContractorID || fp.TechnicianID != "" || fp.Disabled {
		t.Errorf("Phone(DemoForemanPhone) = %+v", fp)
	}
	if _, err := s.TechnicianByPhone(ctx(t), ledger.DemoForemanPhone); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("TechnicianByPhone(DemoForemanPhone): err %v, want ErrNotFound (a foreman is no technician)", err)
	}
	// The crew: distinct 14-digit technicians of the demo contractor,
	// enabled and assigned to the demo site.
	if len(crew) < 2 {
		t.Fatalf("DemoCrew = %v: a crew is at least two", crew)
	}
	as, err := s.Assignments(ctx(t), ledger.DemoSiteCode)
	must(t, err)
	assigned := map[string]bool{}
	for _, a := range as {
		if a.Disabled {
			t.Errorf("assignment %+v is disabled", a)
		}
		if assigned[a.TechnicianID] {
			t.Errorf("technician %s assigned to site %s twice", a.TechnicianID, a.SiteCode)
		}
		assigned[a.TechnicianID] = true
	}
	if len(as) != 1+len(crew) || !assigned[ledger.DemoTechnicianID] {
		t.Errorf("assignments of site %s = %+v, want the demo technician and the crew", ledger.DemoSiteCode, as)
	}
	seen := map[string]bool{}
	for _, id := range crew {
		if len(id) != 14 || strings.Trim(id, "0123456789") != "" || seen[id] || id == ledger.DemoTechnicianID {
			t.Errorf("crew member %q: want a distinct 14-digit technician ID", id)
		}
		seen[id] = true
		tech, err := s.Technician(ctx(t), id)
		if err != nil {
			t.Errorf("crew member %s: %v", id, err)
			continue
		}
		if tech.ContractorID != ledger.DemoContractorID || tech.Disabled || tech.Name == "" {
			t.Errorf("crew member %s = %+v", id, tech)
		}
		if !assigned[id] {
			t.Errorf("crew member %s is not assigned to site %s", id, ledger.DemoSiteCode)
		}
	}
	// DemoCrew hands out a copy: changing it changes nothing.
	crew[0] = "x"
	if ledger.DemoCrew()[0] == "x" {
		t.Error("DemoCrew returned a shared slice")
	}
}

func testMigrate(t *testing.T, s store) {
	must(t, s.Migrate(ctx(t)))
	must(t, s.Migrate(ctx(t)))
	seed(t, s)
}

func testCheckIn(t *testing.T, s store) {
	seed(t, s)
	at := jst(t, "2026-11-27 07:55")
	first := record(t, s, ledger.ActionCheckIn, at, "k1")
	if first.AlreadyRegistered {
		t.Error("first check-in: AlreadyRegistered")
	}
	e := first.Entry
	if e.ID == 0 || e.WorkDate != "2026-11-27" || e.Status != ledger.EntryStatusOpen || !e.CheckIn.Equal(at) || !e.CheckOut.IsZero() {
		t.Errorf("first check-in entry = %+v", e)
	}
	if e.Trade != "とび工" || e.Role != "職長" {
		t.Errorf("entry trade/role = %q/%q, want the assignment's", e.Trade, e.Role)
	}
	second := record(t, s, ledger.ActionCheckIn, at.Add(2*time.Hour), "k2")
	if !second.AlreadyRegistered || second.Entry.ID != e.ID || !second.Entry.CheckIn.Equal(at) {
		t.Errorf("second check-in = %+v, want AlreadyRegistered with entry %d", second, e.ID)
	}
	if es := entries(t, s); len(es) != 1 {
		t.Errorf("%d entries, want 1", len(es))
	}
	// The next day is a new entry.
	next := record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-28 08:00"), "k3")
	if next.AlreadyRegistered || next.Entry.ID == e.ID || next.Entry.WorkDate != "2026-11-28" {
		t.Errorf("next day's check-in = %+v", next)
	}
}

func testCheckOut(t *testing.T, s store) {
	seed(t, s)
	in := jst(t, "2026-11-27 08:00")
	out := jst(t, "2026-11-27 17:30")
	e := record(t, s, ledger.ActionCheckIn, in, "in").Entry
	res := record(t, s, ledger.ActionCheckOut, out, "out")
	if res.AlreadyRegistered || res.Entry.ID != e.ID || res.Entry.Status != ledger.EntryStatusClosed ||
		!res.Entry.CheckIn.Equal(in) || !res.Entry.CheckOut.Equal(out) {
		t.Errorf("check-out = %+v", res)
	}
	// A later second check-out moves the time; an earlier one does not.
	later := jst(t, "2026-11-27 19:00")
	if got := record(t, s, ledger.ActionCheckOut, later, "out2").Entry; !got.CheckOut.Equal(later) || got.ID != e.ID {
		t.Errorf("second check-out = %+v", got)
	}
	if got := record(t, s, ledger.ActionCheckOut, out, "out3").Entry; !got.CheckOut.Equal(later) {
		t.Errorf("earlier third check-out moved the time: %+v", got)
	}
	// Check-out with no check-in: an entry with only a check-out, for review.
	lone := record(t, s, ledger.ActionCheckOut, jst(t, "2026-11-29 17:00"), "lone").Entry
	if lone.Status != ledger.EntryStatusNeedsReview || !lone.CheckIn.IsZero() || lone.WorkDate != "2026-11-29" {
		t.Errorf("lone check-out = %+v", lone)
	}
	if es := entries(t, s); len(es) != 2 {
		t.Errorf("%d entries, want 2", len(es))
	}
}

func testWorkDateAcrossMidnight(t *testing.T, s store) {
	seed(t, s)
	tests := []struct {
		name        string
		in, out     string
		wantDate    string
		wantStatus  ledger.EntryStatus
		wantEntries int
	}{
		{"night shift closes the evening's entry", "2026-11-27 21:00", "2026-11-28 05:30", "2026-11-27", ledger.EntryStatusClosed, 1},
		{"15:00 UTC is midnight JST", "2026-12-01 23:59", "2026-12-02 00:00", "2026-12-01", ledger.EntryStatusClosed, 1},
		{"two days later is not a night shift", "2026-12-10 21:00", "2026-12-12 05:00", "2026-12-12", ledger.EntryStatusNeedsReview, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(entries(t, s))
			in := record(t, s, ledger.ActionCheckIn, jst(t, tt.in), tt.name+"in").Entry
			out := record(t, s, ledger.ActionCheckOut, jst(t, tt.out), tt.name+"out").Entry
			if out.WorkDate != tt.wantDate || out.Status != tt.wantStatus {
				t.Errorf("check-out entry = %+v, want date %s status %v", out, tt.wantDate, tt.wantStatus)
			}
			if tt.wantEntries == 1 && out.ID != in.ID {
				t.Errorf("check-out made entry %d, want it to close %d", out.ID, in.ID)
			}
			if got := len(entries(t, s)) - before; got != tt.wantEntries {
				t.Errorf("%d new entries, want %d", got, tt.wantEntries)
			}
		})
	}
}

func testIdempotency(t *testing.T, s store) {
	seed(t, s)
	in := jst(t, "2026-11-27 08:00")
	first := record(t, s, ledger.ActionCheckIn, in, "call-1/in")
	again := record(t, s, ledger.ActionCheckIn, in, "call-1/in")
	if again != first {
		t.Errorf("replayed check-in = %+v, want %+v", again, first)
	}
	out := jst(t, "2026-11-27 17:00")
	o1 := record(t, s, ledger.ActionCheckOut, out, "call-2/out")
	// A replay of the same request, even carrying another time, writes nothing.
	o2 := record(t, s, ledger.ActionCheckOut, out.Add(3*time.Hour), "call-2/out")
	if o2 != o1 || !o2.Entry.CheckOut.Equal(out) {
		t.Errorf("replayed check-out = %+v, want %+v", o2, o1)
	}
	// A replayed check-in after the check-out reports the entry as it is now.
	if r := record(t, s, ledger.ActionCheckIn, in, "call-1/in"); r.Entry.ID != first.Entry.ID || r.AlreadyRegistered || r.Entry.Status != ledger.EntryStatusClosed {
		t.Errorf("replayed check-in after check-out = %+v", r)
	}
	if es := entries(t, s); len(es) != 1 {
		t.Errorf("%d entries, want 1", len(es))
	}
}

func testRejections(t *testing.T, s store) {
	seed(t, s)
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "2000", Name: "期間限定", ContractorID: ledger.DemoContractorID,
		OpensOn: jst(t, "2026-11-01 00:00"), ClosesOn: jst(t, "2026-11-30 00:00")}))
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "3000", Name: "休止", ContractorID: ledger.DemoContractorID}))
	must(t, s.DisableSite(ctx(t), "3000"))
	must(t, s.AddTechnician(ctx(t), ledger.Technician{ID: "22222222222222", Name: "退職者"}, ""))
	must(t, s.DisableTechnician(ctx(t), "22222222222222"))
	tests := []struct {
		name string
		req  ledger.AttendanceRequest
		want error
	}{
		{"unknown technician", ledger.AttendanceRequest{TechnicianID: "99999999999999", SiteCode: "1234"}, ledger.ErrUnknownTechnician},
		{"disabled technician", ledger.AttendanceRequest{TechnicianID: "22222222222222", SiteCode: "1234"}, ledger.ErrUnknownTechnician},
		{"unknown site", ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "9999"}, ledger.ErrUnknownSite},
		{"before the site opens", ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "2000", At: jst(t, "2026-10-31 23:59")}, ledger.ErrSiteClosed},
		{"after the site closes", ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "2000", At: jst(t, "2026-12-01 00:00")}, ledger.ErrSiteClosed},
		{"disabled site", ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "3000"}, ledger.ErrSiteClosed},
		{"no action", ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "1234", Action: ledger.ActionUnknown}, ledger.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			if req.At.IsZero() {
				req.At = jst(t, "2026-11-15 08:00")
			}
			if tt.want != ledger.ErrInvalid {
				req.Action = ledger.ActionCheckIn
			}
			if _, err := s.RecordAttendance(ctx(t), req); !errors.Is(err, tt.want) {
				t.Errorf("err %v, want %v", err, tt.want)
			}
		})
	}
	// The last day of the site's period is open.
	if _, err := s.RecordAttendance(ctx(t), ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "2000",
		Action: ledger.ActionCheckIn, At: jst(t, "2026-11-30 23:00")}); err != nil {
		t.Errorf("check-in on the closing day: %v", err)
	}
	if es := entries(t, s); len(es) != 1 {
		t.Errorf("%d entries after rejections, want 1", len(es))
	}
}

func testConcurrentCheckIns(t *testing.T, s store) {
	seed(t, s)
	const n = 8
	at := jst(t, "2026-11-27 08:00")
	var wg sync.WaitGroup
	results := make([]ledger.AttendanceResult, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = s.RecordAttendance(ctx(t), ledger.AttendanceRequest{
				TechnicianID: ledger.DemoTechnicianID, SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn,
				At: at.Add(time.Duration(i) * time.Second), IdempotencyKey: fmt.Sprintf("race-%d", i)})
		})
	}
	wg.Wait()
	fresh := 0
	for i := range n {
		must(t, errs[i])
		if !results[i].AlreadyRegistered {
			fresh++
		}
		if results[i].Entry.ID != results[0].Entry.ID {
			t.Errorf("result %d entry %d, result 0 entry %d", i, results[i].Entry.ID, results[0].Entry.ID)
		}
	}
	if fresh != 1 {
		t.Errorf("%d check-ins made an entry, want exactly 1", fresh)
	}
	if es := entries(t, s); len(es) != 1 {
		t.Errorf("%d entries, want 1", len(es))
	}
}

func testCalls(t *testing.T, s store) {
	seed(t, s)
	base := jst(t, "2026-11-27 08:00")
	recs := []ledger.CallRecord{
		{CallID: "a", Caller: ledger.DemoPhone, Called: "+81312345678", ArrivedAt: base, AnsweredAt: base.Add(time.Second),
			EndedAt: base.Add(12 * time.Second), TechnicianID: ledger.DemoTechnicianID, SiteCode: "1234", Language: "ja",
			Outcome: "registered", Steps: []string{"greet", "site", "action", "readback"}, EntryIDs: []int64{1}, DTMFTransport: "rfc4733"},
		{CallID: "b", Caller: "+819011112222", ArrivedAt: base.Add(time.Hour), Outcome: "abandoned", Reason: "hangup"},
	}
	for _, r := range recs {
		must(t, s.RecordCall(ctx(t), r))
	}
	must(t, s.RecordCall(ctx(t), recs[1])) // replayed: still one row
	all, err := s.ListCalls(ctx(t), ledger.CallFilter{})
	must(t, err)
	if len(all) != 2 {
		t.Fatalf("%d calls, want 2", len(all))
	}
	a := all[0]
	if a.CallID != "a" || !a.ArrivedAt.Equal(recs[0].ArrivedAt) || !a.EndedAt.Equal(recs[0].EndedAt) ||
		len(a.Steps) != 4 || a.Steps[3] != "readback" || len(a.EntryIDs) != 1 || a.EntryIDs[0] != 1 ||
		a.DTMFTransport != "rfc4733" || a.Outcome != "registered" || a.Language != "ja" {
		t.Errorf("call a = %+v", a)
	}
	if b := all[1]; !b.AnsweredAt.IsZero() || b.Steps == nil && b.Steps != nil || b.Reason != "hangup" {
		t.Errorf("call b = %+v", b)
	}
	tests := []struct {
		f    ledger.CallFilter
		want []string
	}{
		{ledger.CallFilter{Outcome: "registered"}, []string{"a"}},
		{ledger.CallFilter{Since: base.Add(time.Minute)}, []string{"b"}},
		{ledger.CallFilter{Since: base}, []string{"a", "b"}},
		{ledger.CallFilter{Outcome: "failed"}, nil},
	}
	for _, tt := range tests {
		got, err := s.ListCalls(ctx(t), tt.f)
		must(t, err)
		var ids []string
		for _, c := range got {
			ids = append(ids, c.CallID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
			t.Errorf("ListCalls(%+v) = %v, want %v", tt.f, ids, tt.want)
		}
	}
	if err := s.RecordCall(ctx(t), ledger.CallRecord{}); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("call without ID: err %v", err)
	}
}

// testConcurrentCalls records many calls at once, as the service does at
// a busy hour (they are committed in shared transactions), one of them
// twice: every one is stored once, each with its own fields.
func testConcurrentCalls(t *testing.T, s store) {
	seed(t, s)
	base := jst(t, "2026-11-27 08:00")
	const n = 300
	errs := make([]error, n+1)
	var wg sync.WaitGroup
	for i := range n + 1 {
		wg.Go(func() {
			id := i % n // the last one records call 0 again
			errs[i] = s.RecordCall(ctx(t), ledger.CallRecord{CallID: fmt.Sprintf("c%03d", id), Caller: ledger.DemoPhone,
				ArrivedAt: base.Add(time.Duration(id) * time.Second), Outcome: "registered",
				Reason: fmt.Sprint(id), Steps: []string{"greet", fmt.Sprint(id)}, EntryIDs: []int64{int64(id)}})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("record %d: %v", i, err)
		}
	}
	all, err := s.ListCalls(ctx(t), ledger.CallFilter{})
	must(t, err)
	if len(all) != n {
		t.Fatalf("%d calls, want %d", len(all), n)
	}
	for i, c := range all {
		if c.CallID != fmt.Sprintf("c%03d", i) || c.Reason != fmt.Sprint(i) || len(c.Steps) != 2 || c.Steps[1] != fmt.Sprint(i) ||
			len(c.EntryIDs) != 1 || c.EntryIDs[0] != int64(i) || !c.ArrivedAt.Equal(base.Add(time.Duration(i)*time.Second)) {
			t.Errorf("call %d = %+v", i, c)
		}
	}
}

func testCorrectAndCancel(t *testing.T, s store) {
	seed(t, s)
	in := jst(t, "2026-11-27 08:00")
	e := record(t, s, ledger.ActionCheckIn, in, "in").Entry
	out := jst(t, "2026-11-27 17:15")
	bad := []ledger.Correction{
		{EntryID: e.ID, CheckOut: out, Reason: "忘れ"},                               // no actor
		{EntryID: e.ID, CheckOut: out, Actor: "事務 佐藤"},                             // no reason
		{EntryID: e.ID, Actor: "事務 佐藤", Reason: "x"},                               // no times
		{EntryID: e.ID, CheckOut: in.Add(-time.Hour), Actor: "事務 佐藤", Reason: "x"}, // out before in
		{EntryID: e.ID, CheckIn: in.AddDate(0, 0, 1), Actor: "事務 佐藤", Reason: "x"}, // another day
	}
	for i, c := range bad {
		if _, err := s.CorrectEntry(ctx(t), c); !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("bad correction %d: err %v, want ErrInvalid", i, err)
		}
	}
	if _, err := s.CorrectEntry(ctx(t), ledger.Correction{EntryID: 999999, CheckOut: out, Actor: "a", Reason: "b"}); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("unknown entry: err %v", err)
	}
	got, err := s.CorrectEntry(ctx(t), ledger.Correction{EntryID: e.ID, CheckOut: out, Actor: "事務 佐藤", Reason: "退場の電話忘れ"})
	must(t, err)
	if got.Status != ledger.EntryStatusClosed || !got.CheckOut.Equal(out) || !got.CheckIn.Equal(in) {
		t.Errorf("corrected entry = %+v", got)
	}
	if back, err := s.Entry(ctx(t), e.ID); err != nil || back != got {
		t.Errorf("Entry = %+v, %v; want %+v", back, err, got)
	}
	cancelled, err := s.CancelEntry(ctx(t), e.ID, "事務 佐藤", "別現場の誤登録", time.Time{})
	must(t, err)
	if cancelled.Status != ledger.EntryStatusCancelled {
		t.Errorf("cancelled entry = %+v", cancelled)
	}
	if _, err := s.CancelEntry(ctx(t), e.ID, "x", "y", time.Time{}); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("cancel twice: err %v", err)
	}
	if rows, err := export(t, s, ledger.EntryFilter{}, ledger.ExportOptions{DryRun: true}); err != nil || len(rows) != 0 {
		t.Errorf("export of a cancelled entry = %+v, %v; want none", rows, err)
	}
	evs, err := s.EntryEvents(ctx(t), e.ID)
	must(t, err)
	var kinds []string
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind+"/"+ev.Actor)
	}
	if fmt.Sprint(kinds) != "[check_in/phone correction/事務 佐藤 cancel/事務 佐藤]" {
		t.Errorf("events = %v", kinds)
	}
	if evs[1].Reason != "退場の電話忘れ" || evs[1].Detail == "" || evs[0].CallID != "call-in" {
		t.Errorf("events = %+v", evs)
	}
	// A new check-in the same day registers the day again.
	again := record(t, s, ledger.ActionCheckIn, in.Add(time.Hour), "in-again")
	if again.AlreadyRegistered || again.Entry.ID != e.ID || again.Entry.Status != ledger.EntryStatusOpen || !again.Entry.CheckOut.IsZero() {
		t.Errorf("check-in after cancel = %+v", again)
	}
}

func testSiteByDID(t *testing.T, s store) {
	seed(t, s)
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "88", Name: "DID現場", DID: "050-5555-0001"}))
	if err := s.AddSite(ctx(t), ledger.Site{Code: "89", Name: "同番号", DID: "+81 50 5555 0001"}); !errors.Is(err, ledger.ErrExists) {
		t.Errorf("second site with the same DID: err %v", err)
	}
	st, err := s.SiteByDID(ctx(t), "sip:+815055550001@carrier")
	if err != nil || st.Code != "88" {
		t.Errorf("SiteByDID = %+v, %v", st, err)
	}
	if _, err := s.SiteByDID(ctx(t), "+815055550002"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("unknown DID: err %v", err)
	}
}

// The same request sent several times at once (a retry racing the
// original) gets the same answer every time: one new entry, no
// AlreadyRegistered.
func testConcurrentSameKey(t *testing.T, s store) {
	seed(t, s)
	const n = 6
	for _, action := range []ledger.Action{ledger.ActionCheckIn, ledger.ActionCheckOut} {
		at := jst(t, "2026-11-27 08:00")
		if action == ledger.ActionCheckOut {
			at = jst(t, "2026-11-27 17:00")
		}
		var wg sync.WaitGroup
		results := make([]ledger.AttendanceResult, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				results[i], errs[i] = s.RecordAttendance(ctx(t), ledger.AttendanceRequest{
					TechnicianID: ledger.DemoTechnicianID, SiteCode: ledger.DemoSiteCode, Action: action,
					At: at, IdempotencyKey: "same-" + action.String()})
			})
		}
		wg.Wait()
		for i := range n {
			must(t, errs[i])
			if results[i] != results[0] || results[i].AlreadyRegistered {
				t.Errorf("%v result %d = %+v, result 0 = %+v", action, i, results[i], results[0])
			}
		}
	}
	es := entries(t, s)
	if len(es) != 1 || es[0].Status != ledger.EntryStatusClosed {
		t.Errorf("entries = %+v, want one closed", es)
	}
}
