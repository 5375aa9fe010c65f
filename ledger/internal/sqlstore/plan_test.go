package sqlstore_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger/internal/sqlstore"
	"github.com/dezura/dezura/ledger/sqlite"
)

// TestCallQueriesUseAnIndex checks SQLite's plan for every query a call
// makes: each must search an index (or the primary key) and none may
// scan a table or sort in a temporary b-tree, so that a call costs the
// same for a technician with years of check-ins as for a new one. The
// newest-event query sorted all of a technician's events before
// migration 4.
func TestCallQueriesUseAnIndex(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checked := 0
	for _, q := range sqlstore.PreparedQueries {
		if !strings.HasPrefix(q, "SELECT") {
			continue // the writes: an insert or an update by primary key
		}
		checked++
		name, _, _ := strings.Cut(q, "\n")
		args := make([]any, strings.Count(q, "?"))
		for i := range args {
			args[i] = "x"
		}
		rows, err := st.DB().QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Close(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		all := strings.Join(plan, "; ")
		if !strings.Contains(all, "SEARCH") {
			t.Errorf("%s searches no index: %s", name, all)
		}
		for _, d := range plan {
			if (strings.HasPrefix(d, "SCAN ") && d != "SCAN CONSTANT ROW") || strings.Contains(d, "TEMP B-TREE") {
				t.Errorf("%s: %q in plan %s", name, d, all)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no call queries to check")
	}
}

// BenchmarkLastSiteLongHistory is LastSite for a technician with 20,000
// events (about 27 years of a check-in and a check-out every day) among
// 200,000.
func BenchmarkLastSiteLongHistory(b *testing.B) {
	ctx := b.Context()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	techs, err := st.Technicians(ctx, "")
	if err != nil || len(techs) == 0 {
		b.Fatalf("demo technicians: %v %v", techs, err)
	}
	sites, err := st.Sites(ctx, "")
	if err != nil || len(sites) == 0 {
		b.Fatalf("demo sites: %v %v", sites, err)
	}
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO attendance_events
		(kind, technician_id, site_code, work_date, at, actor, recorded_at) VALUES (?, ?, ?, ?, ?, 'phone', ?)`)
	if err != nil {
		b.Fatal(err)
	}
	day := time.Date(2000, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range 200_000 {
		tech := fmt.Sprintf("9%013d", i)
		if i%10 == 0 {
			tech = techs[0].ID
		}
		at := day.Add(time.Duration(i) * time.Hour)
		if _, err := ins.ExecContext(ctx, []string{"check_in", "check_out"}[i%2], tech, sites[0].Code,
			at.Format(time.DateOnly), at, at); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		s, err := st.LastSite(ctx, techs[0].ID)
		if err != nil || s.Code != sites[0].Code {
			b.Fatalf("LastSite = %v, %v; want %s", s.Code, err, sites[0].Code)
		}
	}
}
