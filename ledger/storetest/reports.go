package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

// checkIn records a check-in of tech at site at the Tokyo time at.
func checkIn(t *testing.T, s store, tech, site, at string) ledger.AttendanceResult {
	t.Helper()
	res, err := s.RecordAttendance(ctx(t), ledger.AttendanceRequest{TechnicianID: tech, SiteCode: site,
		Action: ledger.ActionCheckIn, At: jst(t, at), IdempotencyKey: tech + site + at})
	must(t, err)
	return res
}

// testTechnicianDays: one per technician and work date at the
// contractor's sites, however many sites that day; cancelled entries and
// other contractors' sites left out; [from, to) in Tokyo.
func testTechnicianDays(t *testing.T, s store) {
	seed(t, s)
	crew := ledger.DemoCrew()
	tech := ledger.DemoTechnicianID
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "1235", Name: "二つ目", ContractorID: ledger.DemoContractorID}))
	must(t, s.AddContractor(ctx(t), ledger.Contractor{ID: "other", Name: "他社"}))
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "2000", Name: "他社現場", ContractorID: "other"}))
	checkIn(t, s, tech, "1234", "2026-11-02 08:00")
	checkIn(t, s, tech, "1235", "2026-11-02 13:00") // the same day at a second site
	checkIn(t, s, crew[0], "1234", "2026-11-02 08:00")
	cancelled := checkIn(t, s, tech, "1234", "2026-11-03 08:00")
	_, err := s.CancelEntry(ctx(t), cancelled.Entry.ID, "office", "wrong day", time.Time{})
	must(t, err)
	checkIn(t, s, crew[1], "1234", "2026-11-30 23:59") // last minute of the month
	checkIn(t, s, crew[1], "1234", "2026-12-01 00:00") // the next month
	checkIn(t, s, crew[2], "1234", "2026-10-31 23:59") // the month before
	checkIn(t, s, tech, "2000", "2026-11-04 08:00")    // another contractor's site
	nov, dec := jst(t, "2026-11-01 00:00"), jst(t, "2026-12-01 00:00")
	tests := []struct {
		contractor string
		from, to   time.Time
		want       int
	}{
		{ledger.DemoContractorID, nov, dec, 3},
		{"other", nov, dec, 1},
		{"nobody", nov, dec, 0},
		{ledger.DemoContractorID, dec, dec.AddDate(0, 1, 0), 1},
		{ledger.DemoContractorID, jst(t, "2026-11-02 00:00"), jst(t, "2026-11-03 00:00"), 2},
		{ledger.DemoContractorID, nov.UTC(), dec.UTC(), 3}, // the same instants in another zone
	}
	for _, tt := range tests {
		got, err := s.db.TechnicianDays(ctx(t), tt.contractor, tt.from, tt.to)
		if err != nil || got != tt.want {
			t.Errorf("TechnicianDays(%s, %v, %v) = %d, %v; want %d", tt.contractor, tt.from, tt.to, got, err, tt.want)
		}
	}
}

// testDailyReport: one work date's entries per site by state and that
// day's calls (Asia/Tokyo) per site by outcome, counted by the database.
func testDailyReport(t *testing.T, s store) {
	seed(t, s)
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "1235", Name: "二つ目", ContractorID: ledger.DemoContractorID}))
	crew := ledger.DemoCrew()
	checkIn(t, s, ledger.DemoTechnicianID, "1234", "2026-11-27 07:30")
	checkIn(t, s, crew[0], "1234", "2026-11-27 07:40")
	_, err := s.RecordAttendance(ctx(t), ledger.AttendanceRequest{TechnicianID: crew[0], SiteCode: "1234",
		Action: ledger.ActionCheckOut, At: jst(t, "2026-11-27 17:00"), IdempotencyKey: "out"})
	must(t, err)
	gone := checkIn(t, s, crew[1], "1234", "2026-11-27 07:50")
	_, err = s.CancelEntry(ctx(t), gone.Entry.ID, "office", "not there", time.Time{})
	must(t, err)
	_, err = s.RecordAttendance(ctx(t), ledger.AttendanceRequest{TechnicianID: crew[2], SiteCode: "1235",
		Action: ledger.ActionCheckOut, At: jst(t, "2026-11-27 18:00"), IdempotencyKey: "only-out"}) // needs review
	must(t, err)
	checkIn(t, s, crew[2], "1234", "2026-11-28 07:30") // the next day
	calls := []struct{ id, site, outcome, at string }{
		{"a", "1234", "registered", "2026-11-27 07:30"},
		{"b", "1234", "already_registered", "2026-11-27 07:31"},
		{"c", "1234", "registered", "2026-11-27 00:00"}, // first instant of the day
		{"d", "", "abandoned", "2026-11-27 23:59"},
		{"e", "1235", "registered", "2026-11-27 18:00"},
		{"f", "1234", "registered", "2026-11-28 00:00"}, // the next day
		{"g", "1234", "registered", "2026-11-26 23:59"}, // the day before
		{"h", "9999", "failed", "2026-11-27 09:00"},     // a site with calls only
	}
	for _, c := range calls {
		at := jst(t, c.at)
		must(t, s.RecordCall(ctx(t), ledger.CallRecord{CallID: c.id, SiteCode: c.site, Outcome: c.outcome, ArrivedAt: at, EndedAt: at}))
	}
	rep, err := s.db.DailyReport(ctx(t), "2026-11-27")
	must(t, err)
	want := ledger.DailyReport{Date: "2026-11-27", CallsWithoutSite: 1, Sites: []ledger.SiteDay{
		{Site: "1234", Entries: 3, CheckedIn: 3, CheckedOut: 1, Open: 1, Cancelled: 1, Calls: 3,
			Outcomes: map[string]int{"registered": 2, "already_registered": 1}},
		{Site: "1235", Entries: 1, CheckedOut: 1, NeedsReview: 1, Calls: 1, Outcomes: map[string]int{"registered": 1}},
		{Site: "9999", Calls: 1, Outcomes: map[string]int{"failed": 1}},
	}}
	if fmt.Sprint(rep) != fmt.Sprint(want) {
		t.Errorf("DailyReport =\n%+v\nwant\n%+v", rep, want)
	}
	empty, err := s.db.DailyReport(ctx(t), "2026-12-25")
	must(t, err)
	if empty.Date != "2026-12-25" || empty.Sites == nil || len(empty.Sites) != 0 || empty.CallsWithoutSite != 0 {
		t.Errorf("a day without anything: %+v", empty)
	}
	if _, err := s.db.DailyReport(ctx(t), "27/11/2026"); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("bad date: %v", err)
	}
}
