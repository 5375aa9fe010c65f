package sqlstore_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/sqlite"
)

// TestFeedQueryUsesTheDueIndex checks SQLite's plan for the --only-new
// export: it reads the partial index work_entries_due (only the entries
// that are due, already in export order), neither scanning work_entries
// nor sorting the whole feed (a feed of one site may sort its own
// rows). A month holds 4.5 million entries; a day's changes are about
// 150,000 of them.
func TestFeedQueryUsesTheDueIndex(t *testing.T) {
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
		rows, err := st.DB().QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		all := strings.Join(plan, "; ")
		if !strings.Contains(all, "USING INDEX work_entries_due") {
			t.Errorf("%+v: plan does not read work_entries_due: %s", f, all)
		}
		for _, d := range plan {
			if strings.HasPrefix(d, "SCAN e ") && !strings.Contains(d, "work_entries_due") || strings.Contains(d, "TEMP B-TREE") && !maySort {
				t.Errorf("%+v: %q in plan %s", f, d, all)
			}
		}
	}
}
