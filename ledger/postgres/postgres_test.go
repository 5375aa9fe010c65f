package postgres_test

import (
	"context"
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
	if want := len(sqlstore.Migrations.Migrations); n != want {
		t.Errorf("%d rows in schema_versions, want %d (each migration once)", n, want)
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

func BenchmarkExportMonth(b *testing.B) {
	s := open(b, freshSchema(b))
	n := benchEntries(b)
	ctx := b.Context()
	if err := s.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO sites (code, ccus_site_id, name, contractor_id, created_at)
		 SELECT 'b' || i, lpad(i::text, 14, '0'), '現場' || i, 'demo', now() FROM generate_series(1, 100) i`,
		`INSERT INTO technicians (id, name, contractor_id, created_at)
		 SELECT '8' || lpad(i::text, 13, '0'), '技能者' || i, 'demo', now() FROM generate_series(1, $1::int) i`,
		`INSERT INTO work_entries (work_date, technician_id, site_code, check_in, check_out, status, updated_at)
		 SELECT to_char(d, 'YYYY-MM-DD'), '8' || lpad(i::text, 13, '0'), 'b' || (i % 100 + 1),
		        d + interval '8 hours', d + interval '17 hours', 'closed', now()
		 FROM generate_series(1, $1::int) i, generate_series('2026-11-01'::timestamp, '2026-11-30', '1 day') d`,
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
	storetest.BenchExport(b, s, n)
}

func BenchmarkImportTechnicians(b *testing.B) {
	storetest.BenchImportTechnicians(b, open(b, freshSchema(b)), 100_000)
}
