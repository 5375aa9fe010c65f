package sqlstore_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/sqlite"
)

// TestFeedQueryReadsTheQueue checks SQLite's plans for the --only-new
// export: it reads the queue of due entries through export_due_order
// (already in export order), without sorting the whole feed (a feed of
// one site may sort its own rows), then the entries by key, never
// scanning work_entries. A month holds 4.5 million entries; a day's
// changes are about 150,000 of them.
func TestFeedQueryReadsTheQueue(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, f := range []ledger.EntryFilter{
		{From: "2026-11-01", To: "2026-11-30", OnlyNew: true},
		{From: "2026-11-01", To: "2026-11-30", OnlyNew: true, ContractorID: "acme"},
		{From: "2026-11-01", To: "2026-11-30", OnlyNew: true, SiteCode: "77"},
	} {
		maySort := i == 2
		q, args := st.ExportQuery(f)
		plan := sqlitePlan(t, st, q, args)
		all := strings.Join(plan, "; ")
		if !strings.Contains(all, "SEARCH d USING INDEX export_due_order") && !strings.Contains(all, "SCAN d USING INDEX export_due_order") {
			t.Errorf("%+v: plan does not read export_due_order: %s", f, all)
		}
		for _, d := range plan {
			if strings.HasPrefix(d, "SCAN e") || strings.Contains(d, "TEMP B-TREE") && !maySort {
				t.Errorf("%+v: %q in plan %s", f, d, all)
			}
		}
		q, args = st.FeedBatchQuery(f, []int64{1, 2, 3})
		plan = sqlitePlan(t, st, q, args)
		if all := strings.Join(plan, "; "); !strings.Contains(all, "SEARCH e USING INTEGER PRIMARY KEY") {
			t.Errorf("%+v: the due entries are not read by key: %s", f, all)
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
