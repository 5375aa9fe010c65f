package sqlstore_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/sqlite"
)

// TestFeedQueryReadsTheQueue checks SQLite's plan for the --only-new
// export's pages: each walks the queue of due entries through
// export_due_order (already in export order) from where the last page
// ended, and reads each entry by its key, never scanning work_entries
// nor sorting the whole feed (a feed of one site may sort its own rows).
// A month holds 4.5 million entries; a day's changes are about 150,000
// of them.
func TestFeedQueryReadsTheQueue(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	last := &ledger.Entry{WorkDate: "2026-11-27", SiteCode: "77", TechnicianID: "12345678901234"}
	for i, f := range []ledger.EntryFilter{
		{From: "2026-11-01", To: "2026-11-30", OnlyNew: true},
		{From: "2026-11-01", To: "2026-11-30", OnlyNew: true, ContractorID: "acme"},
		{From: "2026-11-01", To: "2026-11-30", OnlyNew: true, SiteCode: "77"},
	} {
		maySort := i == 2
		for _, after := range []*ledger.Entry{nil, last} {
			q, args := st.FeedPageQuery(f, after, 5000)
			plan := sqlitePlan(t, st, q, args)
			all := strings.Join(plan, "; ")
			if !strings.Contains(all, "USING INDEX export_due_order") || !strings.Contains(all, "SEARCH e USING INTEGER PRIMARY KEY") {
				t.Errorf("%+v after %v: plan does not walk export_due_order and read entries by key: %s", f, after, all)
			}
			for _, d := range plan {
				if strings.HasPrefix(d, "SCAN e") || strings.Contains(d, "TEMP B-TREE") && !maySort {
					t.Errorf("%+v after %v: %q in plan %s", f, after, d, all)
				}
			}
		}
	}
}

func sqlitePlan(t *testing.T, st *sqlite.Store, q string, args []any) []string {
	t.Helper()
	rows, err := st.DB().QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}
