package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/sqlite"
	"github.com/dezura/dezura/ledger/storetest"
)

func openTemp(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.DB { return openTemp(t) })
}

func TestConformanceInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.DB {
		s, err := ledger.Open(t.Context(), "sqlite::memory:")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestPragmas(t *testing.T) {
	s := openTemp(t)
	tests := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"busy_timeout", "10000"},
		{"foreign_keys", "1"},
	}
	for _, tt := range tests {
		var got string
		if err := s.DB().QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
		}
	}
	v, err := s.AppliedVersion(t.Context())
	if err != nil || v < 1 {
		t.Errorf("AppliedVersion = %d, %v", v, err)
	}
}

func TestReopenKeepsEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SeedDemo(t.Context()); err != nil {
		t.Fatal(err)
	}
	res, err := s.RecordAttendance(t.Context(), ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID,
		SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn, At: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := ledger.Open(t.Context(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es, err := st.ListEntries(t.Context(), ledger.EntryFilter{})
	if err != nil || len(es) != 1 || es[0] != res.Entry {
		t.Errorf("after reopen: %+v, %v; want [%+v]", es, err, res.Entry)
	}
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	for _, u := range []string{"dezura.db", "mysql://x", ""} {
		if _, err := ledger.Open(t.Context(), u); !errors.Is(err, ledger.ErrUnsupportedURL) ||
			!strings.Contains(err.Error(), "sqlite:PATH") {
			t.Errorf("Open(%q): err %v", u, err)
		}
	}
}

func BenchmarkRecordAttendance(b *testing.B) {
	storetest.BenchRecordAttendance(b, openTemp(b))
}

// benchEntries is the size of the export benchmark: DEZURA_BENCH_ENTRIES,
// default 150,000 (5,000 technicians for 30 days); the source document's
// scale is 4,500,000.
func benchEntries(b *testing.B) int {
	n := 150_000
	if v := os.Getenv("DEZURA_BENCH_ENTRIES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 30 {
			b.Fatalf("DEZURA_BENCH_ENTRIES=%q: want a number >= 30", v)
		}
	}
	return n / 30 * 30
}

// BenchmarkExportMonth measures, on one month of entries
// (DEZURA_BENCH_ENTRIES), the full export of the month and the daily
// --only-new export of one day's changes (a thirtieth of them).
func BenchmarkExportMonth(b *testing.B) {
	s := openTemp(b)
	n := benchEntries(b)
	ctx := b.Context()
	if err := s.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	techs := n / 30
	// Entries as they are recorded, day by day; every one sent by the
	// feed but the last day's, which are due.
	for _, q := range []string{
		`INSERT INTO sites (code, ccus_site_id, name, contractor_id, created_at)
		 WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 100)
		 SELECT 'b' || i, printf('%014d', i), '現場' || i, 'demo', '2026-01-01 00:00:00+00:00' FROM g`,
		`INSERT INTO technicians (id, name, contractor_id, created_at)
		 WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ?)
		 SELECT printf('8%013d', i), '技能者' || i, 'demo', '2026-01-01 00:00:00+00:00' FROM g`,
		`INSERT INTO work_entries (work_date, technician_id, site_code, check_in, check_out, status, updated_at)
		 WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ?),
		      d(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM d WHERE j < 30)
		 SELECT printf('2026-11-%02d', j), printf('8%013d', i), 'b' || (i % 100 + 1),
		        printf('2026-11-%02d 23:00:00+00:00', j - 1 + (j = 1)), printf('2026-11-%02d 08:00:00+00:00', j),
		        'closed', '2026-11-30 00:00:00+00:00' FROM d, g`,
		`INSERT INTO export_sent (entry_id, version, held, sent_at)
		 SELECT id, version, TRUE, '2026-11-30 00:00:00+00:00' FROM work_entries WHERE work_date < '2026-11-30'`,
	} {
		var args []any
		if strings.Contains(q, "?") {
			args = []any{techs}
		}
		if _, err := s.DB().ExecContext(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("full", func(b *testing.B) { storetest.BenchExport(b, s, n) })
	b.Run("only-new-day", func(b *testing.B) {
		storetest.BenchExportFeed(b, s, techs, func() {
			for _, q := range []string{
				`DELETE FROM export_sent WHERE entry_id IN (SELECT id FROM work_entries WHERE work_date = '2026-11-30')`,
				`INSERT INTO export_due (entry_id, version, work_date, site_code, technician_id)
				 SELECT id, version, work_date, site_code, technician_id FROM work_entries WHERE work_date = '2026-11-30'
				 ON CONFLICT (entry_id) DO NOTHING`,
			} {
				if _, err := s.DB().ExecContext(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

func BenchmarkImportTechnicians(b *testing.B) {
	storetest.BenchImportTechnicians(b, openTemp(b), 100_000)
}

// Two handles on one file (as two processes would have) recording at once:
// no SQLITE_BUSY reaches the caller, and one check-in per day makes one entry.
func TestTwoHandlesOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	a, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.SeedDemo(t.Context()); err != nil {
		t.Fatal(err)
	}
	const days = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*days)
	for i, s := range []*sqlite.Store{a, b} {
		wg.Go(func() {
			for d := range days {
				_, err := s.RecordAttendance(t.Context(), ledger.AttendanceRequest{
					TechnicianID: ledger.DemoTechnicianID, SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn,
					At: time.Date(2026, 11, 1+d, 8, 0, i, 0, ledger.Tokyo), IdempotencyKey: fmt.Sprintf("h%d-d%d", i, d)})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	es, err := b.ListEntries(t.Context(), ledger.EntryFilter{})
	if err != nil || len(es) != days {
		t.Errorf("%d entries, %v; want %d", len(es), err, days)
	}
}

// TestRecordCallAfterClose: call records queued before Close are written,
// and one after Close fails at once rather than waiting for a writer
// that has stopped.
func TestRecordCallAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if err := s.RecordCall(t.Context(), ledger.CallRecord{CallID: fmt.Sprint("before-", i)}); err != nil {
				t.Errorf("record %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.RecordCall(ctx, ledger.CallRecord{CallID: "after"}); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("RecordCall after Close: %v, want an error at once", err)
	}
	s, err = sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	calls, err := s.ListCalls(t.Context(), ledger.CallFilter{})
	if err != nil || len(calls) != 50 {
		t.Errorf("after reopening: %d calls, %v; want 50", len(calls), err)
	}
}
