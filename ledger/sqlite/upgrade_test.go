package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/internal/sqlstore"
)

// A database made by the first release (schema version 1, with entries)
// is upgraded in place by Open, keeping its data.
func TestUpgradeFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	h, err := OpenHandle(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	old := sqlstore.NewUnmigrated(h, nil)
	if err := old.MigrateTo(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if v, err := old.AppliedVersion(t.Context()); err != nil || v != 1 {
		t.Fatalf("AppliedVersion = %d, %v; want 1", v, err)
	}
	if err := old.SeedDemo(t.Context()); err != nil {
		t.Fatal(err)
	}
	in := time.Date(2026, 11, 27, 8, 0, 0, 0, ledger.Tokyo)
	res, err := old.RecordAttendance(t.Context(), ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID,
		SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn, At: in, IdempotencyKey: "old"})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.AppliedVersion(t.Context()); err != nil || v != sqlstore.SchemaVersion() {
		t.Errorf("after upgrade AppliedVersion = %d, %v; want %d", v, err, sqlstore.SchemaVersion())
	}
	e, err := s.CorrectEntry(t.Context(), ledger.Correction{EntryID: res.Entry.ID, CheckOut: in.Add(8 * time.Hour), Actor: "a", Reason: "b"})
	if err != nil || e.Status != ledger.EntryStatusClosed {
		t.Errorf("correct an entry of the old schema: %+v, %v", e, err)
	}
	evs, err := s.EntryEvents(t.Context(), res.Entry.ID)
	if err != nil || len(evs) != 2 || evs[0].Detail != "" || evs[1].Detail == "" {
		t.Errorf("events = %+v, %v", evs, err)
	}
}
