package storetest

import (
	"errors"
	"testing"

	"github.com/dezura/dezura/ledger"
)

func testListAndExport(t *testing.T, s store) {
	seed(t, s)
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "55", CCUSSiteID: "55555555555555", Name: "別現場", ContractorID: ledger.DemoContractorID}))
	days := []string{"2026-11-01", "2026-11-02", "2026-11-03"}
	for _, d := range days {
		record(t, s, ledger.ActionCheckIn, jst(t, d+" 08:00"), d+"in")
		record(t, s, ledger.ActionCheckOut, jst(t, d+" 17:00"), d+"out")
	}
	_, err := s.RecordAttendance(ctx(t), ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "55",
		Action: ledger.ActionCheckIn, At: jst(t, "2026-11-02 18:00")})
	must(t, err)
	tests := []struct {
		f    ledger.EntryFilter
		want int
	}{
		{ledger.EntryFilter{}, 4},
		{ledger.EntryFilter{From: "2026-11-02"}, 3},
		{ledger.EntryFilter{From: "2026-11-02", To: "2026-11-02"}, 2},
		{ledger.EntryFilter{SiteCode: "55"}, 1},
		{ledger.EntryFilter{Status: ledger.EntryStatusOpen}, 1},
		{ledger.EntryFilter{ContractorID: "other"}, 0},
		{ledger.EntryFilter{TechnicianID: ledger.DemoTechnicianID, Limit: 2}, 2},
	}
	for _, tt := range tests {
		got, err := s.ListEntries(ctx(t), tt.f)
		must(t, err)
		if len(got) != tt.want {
			t.Errorf("ListEntries(%+v): %d entries, want %d", tt.f, len(got), tt.want)
		}
	}
	if _, err := s.ListEntries(ctx(t), ledger.EntryFilter{From: "2026/11/01"}); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("bad date: err %v", err)
	}
	rows, err := export(t, s, ledger.EntryFilter{From: "2026-11-01", To: "2026-11-02", OnlyNew: true}, ledger.ExportOptions{})
	must(t, err)
	if len(rows) != 3 {
		t.Fatalf("export: %d rows, want 3", len(rows))
	}
	r := rows[0]
	if r.WorkDate != "2026-11-01" || r.CCUSSiteID != ledger.DemoCCUSSiteID || r.CCUSBusinessID != "000000000001" ||
		r.TechnicianName == "" || r.Trade != "とび工" || r.Role != "職長" || !r.CheckIn.Equal(jst(t, "2026-11-01 08:00")) {
		t.Errorf("export row = %+v", r)
	}
	// An export whose writer fails marks nothing.
	failed := errors.New("disk full")
	for _, sink := range []*sliceSink{{writeErr: failed}, {flushErr: failed}} {
		if _, err := s.ExportEntries(ctx(t), ledger.EntryFilter{OnlyNew: true}, ledger.ExportOptions{}, sink); !errors.Is(err, failed) {
			t.Errorf("export with a failing sink: err %v", err)
		}
	}
	again, err := export(t, s, ledger.EntryFilter{OnlyNew: true}, ledger.ExportOptions{})
	must(t, err)
	if len(again) != 1 || again[0].WorkDate != "2026-11-03" {
		t.Errorf("second export with OnlyNew = %+v, want only 2026-11-03", again)
	}
	exported, err := s.ListEntries(ctx(t), ledger.EntryFilter{Status: ledger.EntryStatusExported})
	must(t, err)
	if len(exported) != 4 { // every entry was sent as it is now, the open one at site 55 too
		t.Errorf("%d entries sent as they are, want 4", len(exported))
	}
	for _, e := range exported {
		if e.Status == ledger.EntryStatusExported {
			t.Errorf("entry %+v: the export changed its status", e)
		}
	}
}

// sliceSink collects export rows, failing on demand.
type sliceSink struct {
	rows               []ledger.ExportRow
	writeErr, flushErr error
	flushed            bool
}

func (k *sliceSink) Write(r ledger.ExportRow) error {
	k.rows = append(k.rows, r)
	return k.writeErr
}

func (k *sliceSink) Flush() error {
	k.flushed = true
	return k.flushErr
}

func export(t *testing.T, s store, f ledger.EntryFilter, o ledger.ExportOptions) ([]ledger.ExportRow, error) {
	t.Helper()
	rows, _, err := exportSum(t, s, f, o)
	return rows, err
}

// exportSum exports to a slice and checks the summary counts the rows.
func exportSum(t *testing.T, s store, f ledger.EntryFilter, o ledger.ExportOptions) ([]ledger.ExportRow, ledger.ExportSummary, error) {
	t.Helper()
	k := &sliceSink{}
	sum, err := s.ExportEntries(ctx(t), f, o, k)
	if err == nil && (sum.Rows() != len(k.rows) || !k.flushed) {
		t.Errorf("ExportEntries summary %+v, wrote %d, flushed %v", sum, len(k.rows), k.flushed)
	}
	return k.rows, sum, err
}
