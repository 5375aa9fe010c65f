package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

// The CCUS export as a change feed (ledger/README.md, "CCUS export").

// opsOf lists the rows as "work_date site technician op vN".
func opsOf(rows []ledger.ExportRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s %s %s %v v%d", r.WorkDate, r.SiteCode, r.TechnicianID, r.Op, r.Version))
	}
	return out
}

func feed(t *testing.T, s store, o ledger.ExportOptions) []ledger.ExportRow {
	t.Helper()
	rows, err := export(t, s, ledger.EntryFilter{From: "2026-11-01", To: "2026-11-30", OnlyNew: true}, o)
	must(t, err)
	return rows
}

func wantOps(t *testing.T, what string, rows []ledger.ExportRow, want ...string) {
	t.Helper()
	if got := opsOf(rows); !slices.Equal(got, want) {
		t.Errorf("%s: feed = %q, want %q", what, got, want)
	}
}

// The morning export sends an open entry; the evening's check-out makes
// it due again and the next --only-new sends it as changed (the exported
// mark used to survive the check-out, and the 退場時刻 never left).
func testFeedCheckOutAfterExport(t *testing.T, s store) {
	seed(t, s)
	tech := ledger.DemoTechnicianID + " "
	in := record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-27 08:00"), "in").Entry
	if in.Version != 1 {
		t.Errorf("new entry has version %d, want 1", in.Version)
	}
	wantOps(t, "morning", feed(t, s, ledger.ExportOptions{}), "2026-11-27 1234 "+tech+"new v1")
	wantOps(t, "before the check-out", feed(t, s, ledger.ExportOptions{}))
	out := record(t, s, ledger.ActionCheckOut, jst(t, "2026-11-27 17:30"), "out").Entry
	if out.Version != 2 {
		t.Errorf("checked-out entry has version %d, want 2", out.Version)
	}
	rows := feed(t, s, ledger.ExportOptions{})
	wantOps(t, "evening", rows, "2026-11-27 1234 "+tech+"changed v2")
	if len(rows) == 1 && !rows[0].CheckOut.Equal(jst(t, "2026-11-27 17:30")) {
		t.Errorf("evening row = %+v, want the check-out", rows[0])
	}
	// A check-out that changes nothing (an earlier time) is no change.
	record(t, s, ledger.ActionCheckOut, jst(t, "2026-11-27 17:00"), "out-earlier")
	wantOps(t, "after a check-out that changed nothing", feed(t, s, ledger.ExportOptions{}))
	// A night shift's check-out after midnight closes the evening's entry.
	record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-28 21:00"), "night-in")
	wantOps(t, "night shift in", feed(t, s, ledger.ExportOptions{}), "2026-11-28 1234 "+tech+"new v1")
	record(t, s, ledger.ActionCheckOut, jst(t, "2026-11-29 05:30"), "night-out")
	wantOps(t, "night shift out", feed(t, s, ledger.ExportOptions{}), "2026-11-28 1234 "+tech+"changed v2")
}

// Every other way an exported entry changes makes it due again: a
// correction, an undo, a cancellation (sent as cancelled), a check-in
// that registers a cancelled day again (new: the reader removed it).
func testFeedChangesAfterExport(t *testing.T, s store) {
	seed(t, s)
	tech := ledger.DemoTechnicianID + " "
	in := record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-27 08:00"), "in")
	out := record(t, s, ledger.ActionCheckOut, jst(t, "2026-11-27 17:00"), "out")
	id := in.Entry.ID
	wantOps(t, "first", feed(t, s, ledger.ExportOptions{}), "2026-11-27 1234 "+tech+"new v2")
	_, err := s.CorrectEntry(ctx(t), ledger.Correction{EntryID: id, CheckOut: jst(t, "2026-11-27 18:00"), Actor: "事務", Reason: "残業"})
	must(t, err)
	wantOps(t, "correction", feed(t, s, ledger.ExportOptions{}), "2026-11-27 1234 "+tech+"changed v3")
	_, err = s.flow.UndoAttendance(ctx(t), out.EventID, "事務", "押し間違い", time.Time{})
	must(t, err)
	wantOps(t, "undone check-out", feed(t, s, ledger.ExportOptions{}), "2026-11-27 1234 "+tech+"changed v4")
	_, err = s.CancelEntry(ctx(t), id, "事務", "誤登録", time.Time{})
	must(t, err)
	rows := feed(t, s, ledger.ExportOptions{})
	wantOps(t, "cancellation", rows, "2026-11-27 1234 "+tech+"cancelled v5")
	if len(rows) == 1 && rows[0].Status != ledger.EntryStatusCancelled {
		t.Errorf("cancellation row = %+v", rows[0])
	}
	record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-27 09:00"), "in-again")
	wantOps(t, "registered again", feed(t, s, ledger.ExportOptions{}), "2026-11-27 1234 "+tech+"new v6")
	// An entry cancelled before the feed ever sent it needs no row; it
	// is recorded and does not come back.
	e := record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-28 08:00"), "in-28").Entry
	_, err = s.CancelEntry(ctx(t), e.ID, "事務", "誤登録", time.Time{})
	must(t, err)
	_, sum, err := exportSum(t, s, ledger.EntryFilter{OnlyNew: true}, ledger.ExportOptions{})
	must(t, err)
	if sum.Rows() != 0 || sum.Settled != 1 {
		t.Errorf("never-sent cancelled entry: summary %+v, want no row, 1 settled", sum)
	}
	wantOps(t, "after settling", feed(t, s, ledger.ExportOptions{}))
}

// Exporting a range twice without --only-new gives the same rows, though
// the first export recorded them; a dry run records nothing.
func testFeedFullExportTwice(t *testing.T, s store) {
	seed(t, s)
	record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-27 08:00"), "in")
	record(t, s, ledger.ActionCheckOut, jst(t, "2026-11-27 17:00"), "out")
	e := record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-28 08:00"), "in-28").Entry
	_, err := s.CancelEntry(ctx(t), e.ID, "事務", "誤登録", time.Time{})
	must(t, err)
	record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-29 08:00"), "in-29")
	full := ledger.EntryFilter{From: "2026-11-01", To: "2026-11-30"}
	dry, err := export(t, s, full, ledger.ExportOptions{DryRun: true})
	must(t, err)
	first, err := export(t, s, full, ledger.ExportOptions{})
	must(t, err)
	second, err := export(t, s, full, ledger.ExportOptions{})
	must(t, err)
	if !slices.Equal(opsOf(first), opsOf(second)) || !slices.Equal(opsOf(dry), opsOf(first)) || len(first) != 2 {
		t.Errorf("full exports: dry %q, first %q, second %q; want the same 2 rows", opsOf(dry), opsOf(first), opsOf(second))
	}
	for i := range min(len(first), len(second)) {
		if !slices.Equal(first[i].Record(), second[i].Record()) {
			t.Errorf("row %d: %q, then %q", i, first[i].Record(), second[i].Record())
		}
	}
	// The full export sent the live entries; the feed still owes nothing
	// for the cancelled one the reader never had.
	wantOps(t, "feed after a full export", feed(t, s, ledger.ExportOptions{}))
}

// An entry needing review stays out until reviewed; with IncludeReview
// it is exported, its status column saying so.
func testFeedNeedsReview(t *testing.T, s store) {
	seed(t, s)
	tech := ledger.DemoTechnicianID + " "
	lone := record(t, s, ledger.ActionCheckOut, jst(t, "2026-11-27 17:00"), "lone").Entry // no check-in
	_, sum, err := exportSum(t, s, ledger.EntryFilter{OnlyNew: true}, ledger.ExportOptions{})
	must(t, err)
	if sum.Rows() != 0 || sum.NeedsReview != 1 {
		t.Errorf("needs-review entry: summary %+v, want it left out", sum)
	}
	if msg := sum.String(); msg != "exported 0 entries; 1 entry needs review, left out until reviewed" {
		t.Errorf("summary says %q", msg)
	}
	rows := feed(t, s, ledger.ExportOptions{IncludeReview: true, DryRun: true})
	wantOps(t, "with IncludeReview", rows, "2026-11-27 1234 "+tech+"new v1")
	if len(rows) == 1 && rows[0].Status != ledger.EntryStatusNeedsReview {
		t.Errorf("row = %+v, want status needs_review", rows[0])
	}
	_, err = s.CorrectEntry(ctx(t), ledger.Correction{EntryID: lone.ID, CheckIn: jst(t, "2026-11-27 08:00"), Actor: "事務", Reason: "入場の電話忘れ"})
	must(t, err)
	wantOps(t, "once reviewed", feed(t, s, ledger.ExportOptions{}), "2026-11-27 1234 "+tech+"new v2")
}

// A row without its site's CCUS site ID or its contractor's business ID
// is held back and listed, not recorded; it comes out once the ID is
// registered. Changing an ID sends again the entries the reader holds.
func testFeedHeldBack(t *testing.T, s store) {
	seed(t, s)
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "77", Name: "駅前ビル", ContractorID: ledger.DemoContractorID}))
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "78", Name: "無所属", CCUSSiteID: "78787878787878"}))
	at := jst(t, "2026-11-27 08:00")
	for _, site := range []string{ledger.DemoSiteCode, "77", "78"} {
		_, err := s.RecordAttendance(ctx(t), ledger.AttendanceRequest{TechnicianID: ledger.DemoCrew()[0], SiteCode: site, Action: ledger.ActionCheckIn, At: at})
		must(t, err)
	}
	tech := ledger.DemoCrew()[0] + " "
	rows, sum, err := exportSum(t, s, ledger.EntryFilter{OnlyNew: true}, ledger.ExportOptions{})
	must(t, err)
	wantOps(t, "with two sites lacking IDs", rows, "2026-11-27 1234 "+tech+"new v1")
	if !errors.Is(sum.Err(), ledger.ErrHeldBack) || len(sum.HeldBack) != 2 {
		t.Fatalf("summary %+v, Err %v; want 2 held back, ErrHeldBack", sum, sum.Err())
	}
	for i, want := range []string{"site 77 (駅前ビル) has no CCUS site ID", "site 78 has no contractor"} {
		if !strings.Contains(sum.HeldBack[i].Reason, want) {
			t.Errorf("held back %d: %q, want %q", i, sum.HeldBack[i].Reason, want)
		}
	}
	// Not recorded: still held back next time.
	if _, again, _ := exportSum(t, s, ledger.EntryFilter{OnlyNew: true}, ledger.ExportOptions{}); len(again.HeldBack) != 2 {
		t.Errorf("second export held back %d, want 2", len(again.HeldBack))
	}
	must(t, s.SetSiteCCUSID(ctx(t), "77", "77777777777777"))
	wantOps(t, "once site 77 has its ID", feed(t, s, ledger.ExportOptions{}), "2026-11-27 77 "+tech+"new v1")
	// A changed ID: the reader's rows carry the old one.
	must(t, s.SetContractorCCUSBusinessID(ctx(t), ledger.DemoContractorID, "999999999999"))
	rows = feed(t, s, ledger.ExportOptions{})
	wantOps(t, "a new business ID", rows, "2026-11-27 1234 "+tech+"changed v2", "2026-11-27 77 "+tech+"changed v2")
	if len(rows) > 0 && rows[0].CCUSBusinessID != "999999999999" {
		t.Errorf("row = %+v, want the new business ID", rows[0])
	}
	if err := s.SetSiteCCUSID(ctx(t), "77", "x7"); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("a CCUS ID with a letter: err %v, want ErrInvalid", err)
	}
	if err := s.SetSiteCCUSID(ctx(t), "404", "1"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("an unknown site: err %v, want ErrNotFound", err)
	}
}

// flushHook is a sink that runs a function when the export has read
// everything and before it records what it sent.
type flushHook struct {
	sliceSink
	onFlush func()
}

func (k *flushHook) Flush() error {
	k.onFlush()
	return k.sliceSink.Flush()
}

// A change made while an export runs (after it read the entry, before it
// recorded it) is not lost: the export records the version it sent, and
// the entry stays due.
func testFeedChangeDuringExport(t *testing.T, s store) {
	seed(t, s)
	tech := ledger.DemoTechnicianID + " "
	record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-27 08:00"), "in")
	for _, onlyNew := range []bool{true, false} {
		k := &flushHook{onFlush: func() {
			if onlyNew {
				record(t, s, ledger.ActionCheckOut, jst(t, "2026-11-27 17:00"), "out")
			} else {
				record(t, s, ledger.ActionCheckOut, jst(t, "2026-11-27 18:00"), "out-later")
			}
		}}
		_, err := s.ExportEntries(ctx(t), ledger.EntryFilter{OnlyNew: onlyNew}, ledger.ExportOptions{}, k)
		must(t, err)
		if len(k.rows) != 1 || !k.rows[0].CheckOut.IsZero() && onlyNew {
			t.Errorf("export (only new %v) = %q, want the entry as it was read", onlyNew, opsOf(k.rows))
		}
	}
	// Sent v1 (open) by the feed, v2 (closed at 17:00) by the full
	// export; the check-out at 18:00 made v3 during the full export.
	rows := feed(t, s, ledger.ExportOptions{})
	wantOps(t, "after changes during exports", rows, "2026-11-27 1234 "+tech+"changed v3")
}
