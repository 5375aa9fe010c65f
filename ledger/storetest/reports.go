package storetest

import (
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
