package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/internal/sqlstore"
	"github.com/dezura/dezura/ledger/storetest"
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
	// The entry and its event as the first release wrote them (this
	// binary's write path needs columns the old schema lacks).
	in := time.Date(2026, 11, 27, 8, 0, 0, 0, ledger.Tokyo)
	var id int64
	if err := old.DB().QueryRowContext(t.Context(), `INSERT INTO work_entries (work_date, technician_id, site_code, check_in, status, updated_at)
		VALUES ('2026-11-27', ?, ?, ?, 'open', ?) RETURNING id`, ledger.DemoTechnicianID, ledger.DemoSiteCode, in.UTC(), in.UTC()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := old.DB().ExecContext(t.Context(), `INSERT INTO attendance_events (kind, technician_id, site_code, work_date, at, entry_id, recorded_at)
		VALUES ('check_in', ?, ?, '2026-11-27', ?, ?, ?)`, ledger.DemoTechnicianID, ledger.DemoSiteCode, in.UTC(), id, in.UTC()); err != nil {
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
	e, err := s.CorrectEntry(t.Context(), ledger.Correction{EntryID: id, CheckOut: in.Add(8 * time.Hour), Actor: "a", Reason: "b"})
	if err != nil || e.Status != ledger.EntryStatusClosed {
		t.Errorf("correct an entry of the old schema: %+v, %v", e, err)
	}
	evs, err := s.EntryEvents(t.Context(), id)
	if err != nil || len(evs) != 2 || evs[0].Detail != "" || evs[1].Detail == "" {
		t.Errorf("events = %+v, %v", evs, err)
	}
}

func TestUpgradeToFeed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	h, err := OpenHandle(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.UpgradeToFeed(t, sqlstore.NewUnmigrated(h, nil), func(t *testing.T) ledger.DB {
		s, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
