package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/internal/sqlstore"
	"github.com/dezura/dezura/ledger/postgres"
	"github.com/dezura/dezura/ledger/storetest"
)

// freshSchema gives one test an empty schema of its own (dropped when it
// ends); without PostgreSQL it skips, except in CI where it fails.
func freshSchema(t testing.TB) string { return storetest.PostgresSchema(t, "ledger_test") }

func open(t testing.TB, u string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), u)
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
	storetest.Run(t, func(t *testing.T) ledger.DB { return open(t, freshSchema(t)) })
}

func TestOpenByURL(t *testing.T) {
	u := freshSchema(t)
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		s, err := ledger.Open(t.Context(), scheme+u[len("postgres://"):])
		if err != nil {
			t.Fatalf("ledger.Open(%s...): %v", scheme, err)
		}
		s.Close()
	}
}

// Two nodes starting at once on an empty database: both succeed, and the
// schema is migrated once.
func TestConcurrentMigrations(t *testing.T) {
	u := freshSchema(t)
	const nodes = 4
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	stores := make([]*postgres.Store, nodes)
	for i := range nodes {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(context.Background(), u) })
	}
	wg.Wait()
	for i := range nodes {
		if errs[i] != nil {
			t.Errorf("node %d: %v", i, errs[i])
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	var n int
	if err := stores[0].DB().QueryRow("SELECT COUNT(*) FROM schema_versions WHERE migration_set = 'ledger'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != sqlstore.MigrationCount() {
		t.Errorf("%d rows in schema_versions, want %d (each migration once)", n, sqlstore.MigrationCount())
	}
}

// Two processes, each with its own pool, recording the same check-in at
// the same moment make one entry.
func TestTwoNodesRace(t *testing.T) {
	u := freshSchema(t)
	a, b := open(t, u), open(t, u)
	if err := a.SeedDemo(t.Context()); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, ledger.Tokyo)
	const rounds = 10
	for r := range rounds {
		day := at.AddDate(0, 0, r)
		var wg sync.WaitGroup
		res := make([]ledger.AttendanceResult, 2)
		errs := make([]error, 2)
		for i, s := range []*postgres.Store{a, b} {
			wg.Go(func() {
				res[i], errs[i] = s.RecordAttendance(context.Background(), ledger.AttendanceRequest{
					TechnicianID: ledger.DemoTechnicianID, SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn,
					At: day, IdempotencyKey: fmt.Sprintf("node%d-round%d", i, r)})
			})
		}
		wg.Wait()
		for i := range 2 {
			if errs[i] != nil {
				t.Fatalf("round %d node %d: %v", r, i, errs[i])
			}
		}
		if res[0].AlreadyRegistered == res[1].AlreadyRegistered || res[0].Entry.ID != res[1].Entry.ID {
			t.Errorf("round %d: results %+v and %+v; want one new entry and one AlreadyRegistered", r, res[0], res[1])
		}
	}
	es, err := a.ListEntries(t.Context(), ledger.EntryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != rounds {
		t.Errorf("%d entries, want %d", len(es), rounds)
	}
}

func BenchmarkRecordAttendance(b *testing.B) {
	storetest.BenchRecordAttendance(b, open(b, freshSchema(b)))
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
// (DEZURA_BENCH_ENTRIES, 4,500,000 at the source document's scale): the
// full export of the month, and the daily --only-new export of one day's
// changes (a thirtieth of them: 150,000 of 4.5 million), which must read
// only the queue of due entries.
func BenchmarkExportMonth(b *testing.B) {
	s := open(b, freshSchema(b))
	n := benchEntries(b)
	ctx := b.Context()
	if err := s.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	// Entries as they are recorded, day by day; every one sent by the
	// feed but the last day's, which are due.
	for _, q := range []string{
		`INSERT INTO sites (code, ccus_site_id, name, contractor_id, created_at)
		 SELECT 'b' || i, lpad(i::text, 14, '0'), '現場' || i, 'demo', now() FROM generate_series(1, 100) i`,
		`INSERT INTO technicians (id, name, contractor_id, created_at)
		 SELECT '8' || lpad(i::text, 13, '0'), '技能者' || i, 'demo', now() FROM generate_series(1, $1::int) i`,
		`INSERT INTO work_entries (work_date, technician_id, site_code, check_in, check_out, status, updated_at, version)
		 SELECT to_char(d, 'YYYY-MM-DD'), '8' || lpad(i::text, 13, '0'), 'b' || (i % 100 + 1),
		        d + interval '8 hours', d + interval '17 hours', 'closed', now(), 2
		 FROM generate_series('2026-11-01'::timestamp, '2026-11-30', '1 day') d, generate_series(1, $1::int) i`,
		`INSERT INTO export_sent (entry_id, version, held, sent_at)
		 SELECT id, version, TRUE, now() FROM work_entries WHERE work_date < '2026-11-30'`,
		`INSERT INTO export_due (entry_id, version, work_date, site_code, technician_id)
		 SELECT id, version, work_date, site_code, technician_id FROM work_entries WHERE work_date = '2026-11-30'`,
		`ANALYZE`,
	} {
		args := []any{n / 30}
		if !strings.Contains(q, "$1") {
			args = nil
		}
		if _, err := s.DB().ExecContext(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("full", func(b *testing.B) { storetest.BenchExport(b, s, n) })
	b.Run("only-new-day", func(b *testing.B) {
		// The day's entries new again: not sent, queued; and vacuumed,
		// as autovacuum would have during the day that queued them.
		redo := func() {
			for _, q := range []string{
				`DELETE FROM export_sent WHERE entry_id IN (SELECT id FROM work_entries WHERE work_date = '2026-11-30')`,
				`INSERT INTO export_due (entry_id, version, work_date, site_code, technician_id)
				 SELECT id, version, work_date, site_code, technician_id FROM work_entries WHERE work_date = '2026-11-30'
				 ON CONFLICT (entry_id) DO NOTHING`,
				`VACUUM ANALYZE export_due`, `VACUUM ANALYZE export_sent`,
			} {
				if _, err := s.DB().ExecContext(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		}
		redo()
		// No plan may read the whole month: each page walks the queue and
		// reads the day's entries by key.
		for _, after := range []*ledger.Entry{nil, {WorkDate: "2026-11-30", SiteCode: "b5", TechnicianID: "80000000000000"}} {
			q, args := s.FeedPageQuery(ledger.EntryFilter{From: "2026-11-01", To: "2026-11-30"}, after, 5000)
			if p := explain(b, s.DB(), q, args); strings.Contains(p, "Seq Scan on work_entries") || strings.Contains(p, "Seq Scan on export_sent") {
				b.Fatalf("the --only-new export scans a table of the whole month:\n%s", p)
			}
		}
		storetest.BenchExportFeed(b, s, n/30, redo)
	})
}

// The --only-new export reads the queue of due entries a page at a time
// through export_due_order, and each entry by its key, never the month's
// work_entries; here a month of 3,000 technicians with the last day's
// 3,000 entries due, read 100 at a time (the export reads 5,000 of a
// month of 4.5 million: the same choice for the planner).
func TestFeedQueryReadsTheQueue(t *testing.T) {
	s := open(t, freshSchema(t))
	ctx := t.Context()
	if err := s.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO sites (code, ccus_site_id, name, contractor_id, created_at)
		 SELECT 'b' || i, lpad(i::text, 14, '0'), '現場' || i, 'demo', now() FROM generate_series(1, 100) i`,
		`INSERT INTO technicians (id, name, contractor_id, created_at)
		 SELECT '8' || lpad(i::text, 13, '0'), '技能者' || i, 'demo', now() FROM generate_series(1, 3000) i`,
		`INSERT INTO work_entries (work_date, technician_id, site_code, check_in, status, updated_at)
		 SELECT to_char(d, 'YYYY-MM-DD'), '8' || lpad(i::text, 13, '0'), 'b' || (i % 100 + 1), d, 'open', now()
		 FROM generate_series('2026-11-01'::timestamp, '2026-11-30', '1 day') d, generate_series(1, 3000) i`,
		`INSERT INTO export_sent (entry_id, version, held, sent_at)
		 SELECT id, version, TRUE, now() FROM work_entries WHERE work_date < '2026-11-30'`,
		`INSERT INTO export_due (entry_id, version, work_date, site_code, technician_id)
		 SELECT id, version, work_date, site_code, technician_id FROM work_entries WHERE work_date = '2026-11-30'`,
		`ANALYZE`,
	} {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	f := ledger.EntryFilter{From: "2026-11-01", To: "2026-11-30"}
	for _, after := range []*ledger.Entry{nil, {WorkDate: "2026-11-30", SiteCode: "b5", TechnicianID: "80000000000000"}} {
		q, args := s.FeedPageQuery(f, after, 100)
		if plan := explain(t, s.DB(), q, args); !strings.Contains(plan, "export_due_order") || !strings.Contains(plan, "work_entries_pkey") ||
			strings.Contains(plan, "Seq Scan on work_entries") {
			t.Errorf("a page after %v does not walk the queue and read the entries by key:\n%s", after, plan)
		}
	}
}

// explain returns PostgreSQL's plan for q.
func explain(t testing.TB, conn interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, q string, args []any) string {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), "EXPLAIN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	return strings.Join(plan, "\n")
}
