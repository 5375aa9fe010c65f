package storetest

import (
	"fmt"
	"testing"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/internal/sqlstore"
)

// UpgradeToFeed checks schema version 6 on a database made before it:
// old is an unmigrated store on an empty database, reopen opens that
// database with this binary (migrating it). Entries the old export had
// marked come out of the first --only-new as their state says: sent and
// unchanged ones not at all, the check-out after an export (which the
// old mark hid) as changed, a cancelled one as cancelled, the rest as new.
func UpgradeToFeed(t *testing.T, old *sqlstore.Store, reopen func(t *testing.T) ledger.DB) {
	c := t.Context()
	if err := old.MigrateTo(c, 4); err != nil {
		t.Fatal(err)
	}
	if err := old.SeedDemo(c); err != nil {
		t.Fatal(err)
	}
	const ts = "'2026-11-26 00:00:00+00:00'"
	entry := func(day int, status, exportedAt string) string {
		return fmt.Sprintf(`INSERT INTO work_entries (work_date, technician_id, site_code, check_in, check_out, status, exported_at, updated_at)
			VALUES ('2026-11-%02d', '%s', '%s', '2026-11-%02d 00:00:00+00:00', %s, '%s', %s, %s)`,
			day, ledger.DemoTechnicianID, ledger.DemoSiteCode, day,
			map[bool]string{true: fmt.Sprintf("'2026-11-%02d 08:00:00+00:00'", day), false: "NULL"}[status != "open"],
			status, exportedAt, ts)
	}
	for _, q := range []string{
		entry(1, "exported", ts),      // exported closed, unchanged since
		entry(2, "open", ts),          // exported while open, still open
		entry(3, "closed", ts),        // exported open, checked out since: never sent
		entry(4, "cancelled", "NULL"), // cancelled (the cancellation cleared the mark)
		entry(5, "closed", "NULL"),    // never exported
	} {
		if _, err := old.DB().ExecContext(c, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	adm := reopen(t)
	es, err := adm.ListEntries(c, ledger.EntryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Status == ledger.EntryStatusExported {
			t.Errorf("entry %+v still has status exported", e)
		}
	}
	k := &sliceSink{}
	if _, err := adm.ExportEntries(c, ledger.EntryFilter{OnlyNew: true}, ledger.ExportOptions{}, k); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range k.rows {
		got = append(got, fmt.Sprintf("%s %v v%d", r.WorkDate, r.Op, r.Version))
	}
	want := "[2026-11-03 changed v2 2026-11-04 cancelled v1 2026-11-05 new v1]"
	if fmt.Sprint(got) != want {
		t.Errorf("first --only-new after the upgrade: %v, want %s", got, want)
	}
}
