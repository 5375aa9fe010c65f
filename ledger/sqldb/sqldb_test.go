package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger/postgres"
	"github.com/dezura/dezura/ledger/sqldb"
	"github.com/dezura/dezura/ledger/sqlite"
	"github.com/dezura/dezura/ledger/storetest"
)

// backend opens handles on one fresh database of a kind; every handle it
// opens is closed when the test ends.
type backend struct {
	name string
	// fresh returns an opener of handles on one new, empty database.
	fresh func(t *testing.T) func(t *testing.T) *sqldb.DB
}

func opened(t *testing.T, h *sqldb.DB, err error) *sqldb.DB {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

var backends = []backend{
	{"sqlite", func(t *testing.T) func(t *testing.T) *sqldb.DB {
		path := filepath.Join(t.TempDir(), "db")
		return func(t *testing.T) *sqldb.DB {
			h, err := sqlite.OpenHandle(t.Context(), path)
			return opened(t, h, err)
		}
	}},
	{"postgres", func(t *testing.T) func(t *testing.T) *sqldb.DB {
		u := storetest.PostgresSchema(t, "sqldb_test")
		return func(t *testing.T) *sqldb.DB {
			h, err := postgres.OpenHandle(t.Context(), u)
			return opened(t, h, err)
		}
	}},
}

func each(t *testing.T, f func(t *testing.T, open func(t *testing.T) *sqldb.DB)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.fresh(t)) })
	}
}

func TestRebind(t *testing.T) {
	tests := []struct {
		numbered bool
		in, want string
	}{
		{false, "SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = ? AND c = ?"},
		{true, "SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2"},
		{true, "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"},
		{true, "SELECT 1", "SELECT 1"},
	}
	for _, tt := range tests {
		d := sqldb.Dialect{Numbered: tt.numbered}
		if got := d.Rebind(tt.in); got != tt.want {
			t.Errorf("Rebind(%q) numbered %v = %q, want %q", tt.in, tt.numbered, got, tt.want)
		}
	}
}

// twoSets are two migration sets sharing one database; "b" needs "a"'s table.
func twoSets() (a, b sqldb.MigrationSet) {
	a = sqldb.MigrationSet{Name: "a", Migrations: []sqldb.Migration{
		{Version: 1, Name: "people", Stmts: []string{`CREATE TABLE a_people (id {{ID}}, name TEXT NOT NULL, at {{TS}})`}},
		{Version: 2, Name: "more", Stmts: []string{`ALTER TABLE a_people ADD COLUMN nick TEXT NOT NULL DEFAULT ''`}},
	}}
	b = sqldb.MigrationSet{Name: "b", Migrations: []sqldb.Migration{
		{Version: 1, Name: "notes", Stmts: []string{`CREATE TABLE b_notes (id {{rowid}}, person BIGINT NOT NULL REFERENCES a_people(id))`}},
		{Version: 2, Name: "per dialect", Stmts: []string{`CREATE TABLE b_wrong (x INTEGER)`},
			ByDialect: map[string][]string{
				"sqlite":   {`CREATE TABLE b_sqlite (x INTEGER)`},
				"postgres": {`CREATE TABLE b_postgres (x INTEGER)`},
			}},
	}, Expand: func(d *sqldb.Dialect, st string) string { return strings.ReplaceAll(st, "{{rowid}}", "{{ID}}") }}
	return a, b
}

func TestMigrationSets(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, open func(t *testing.T) *sqldb.DB) {
		ctx := t.Context()
		h := open(t)
		a, b := twoSets()
		if err := h.MigrateTo(ctx, a, 1); err != nil {
			t.Fatal(err)
		}
		if v, err := h.AppliedVersion(ctx, "a"); err != nil || v != 1 {
			t.Fatalf("a after MigrateTo 1: %d, %v", v, err)
		}
		for range 2 { // the second time applies nothing
			if err := h.Migrate(ctx, a); err != nil {
				t.Fatal(err)
			}
			if err := h.Migrate(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		for set, want := range map[string]int{"a": 2, "b": 2, "none": 0} {
			if v, err := h.AppliedVersion(ctx, set); err != nil || v != want {
				t.Errorf("AppliedVersion(%s) = %d, %v; want %d", set, v, err, want)
			}
		}
		own := "b_" + h.Dialect().Name
		for table, want := range map[string]int{"a_people": 1, "b_notes": 1, own: 1, "b_wrong": 0} {
			if n := tables(t, h, table); n != want {
				t.Errorf("table %s: %d, want %d", table, n, want)
			}
		}
		if _, err := h.SQL().ExecContext(ctx, h.Rebind(`INSERT INTO b_notes (person) VALUES (?)`), 42); err == nil {
			t.Error("b_notes took a note of nobody: the foreign key to a's table is missing")
		}
	})
}

func tables(t *testing.T, h *sqldb.DB, name string) int {
	t.Helper()
	var n int
	if err := h.SQL().QueryRowContext(t.Context(), h.Rebind(h.Dialect().TableExists), name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A set whose versions a legacy table recorded (as the ledger's
// schema_migrations and billing's billing_schema_migrations did) is taken
// up where it was: the recorded versions are not run again.
func TestLegacyVersionsImportedOnce(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, open func(t *testing.T) *sqldb.DB) {
		ctx := t.Context()
		h := open(t)
		for _, st := range []string{
			`CREATE TABLE old_versions (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`,
			`INSERT INTO old_versions VALUES (1, 'then')`,
			`CREATE TABLE l_things (id INTEGER PRIMARY KEY)`,
		} {
			if _, err := h.SQL().ExecContext(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		set := sqldb.MigrationSet{Name: "l", LegacyTable: "old_versions", Migrations: []sqldb.Migration{
			{Version: 1, Name: "things", Stmts: []string{`CREATE TABLE l_things (id INTEGER PRIMARY KEY)`}}, // fails if run again
			{Version: 2, Name: "stuff", Stmts: []string{`CREATE TABLE l_stuff (id INTEGER PRIMARY KEY)`}},
		}}
		if err := h.Migrate(ctx, set); err != nil {
			t.Fatal(err)
		}
		if v, err := h.AppliedVersion(ctx, "l"); err != nil || v != 2 {
			t.Errorf("AppliedVersion = %d, %v; want 2", v, err)
		}
		// The legacy table stays as it was; a later version added to it by
		// nobody is not imported again.
		if _, err := h.SQL().ExecContext(ctx, `INSERT INTO old_versions VALUES (7, 'never')`); err != nil {
			t.Fatal(err)
		}
		if err := h.Migrate(ctx, set); err != nil {
			t.Fatal(err)
		}
		if v, err := h.AppliedVersion(ctx, "l"); err != nil || v != 2 {
			t.Errorf("AppliedVersion after a second Migrate = %d, %v; want 2", v, err)
		}
	})
}

// Four processes' worth of handles migrating an empty database at once
// apply each migration once.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, open func(t *testing.T) *sqldb.DB) {
		a, b := twoSets()
		hs := []*sqldb.DB{open(t), open(t), open(t), open(t)}
		var wg sync.WaitGroup
		errs := make([]error, len(hs))
		for i, h := range hs {
			wg.Go(func() { errs[i] = errors.Join(h.Migrate(t.Context(), a), h.Migrate(t.Context(), b)) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("handle %d: %v", i, err)
			}
		}
		var n int
		if err := hs[0].SQL().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM schema_versions`).Scan(&n); err != nil || n != 4 {
			t.Errorf("%d versions recorded (%v), want 4", n, err)
		}
	})
}

func TestInTxRunsAgainAfterAConflict(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, open func(t *testing.T) *sqldb.DB) {
		ctx := t.Context()
		h := open(t)
		if _, err := h.SQL().ExecContext(ctx, `CREATE TABLE u (k TEXT PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		if _, err := h.SQL().ExecContext(ctx, `INSERT INTO u VALUES ('taken')`); err != nil {
			t.Fatal(err)
		}
		runs := 0
		err := h.InTx(ctx, func(tx *sql.Tx) error {
			runs++
			k := "taken" // a concurrent writer's row: the first run collides
			if runs > 1 {
				k = "free"
			}
			_, err := tx.ExecContext(ctx, h.Rebind(`INSERT INTO u VALUES (?)`), k)
			return err
		})
		if err != nil || runs != 2 {
			t.Errorf("InTx: %v after %d runs, want success on the second", err, runs)
		}
		boom := errors.New("boom")
		runs = 0
		if err := h.InTx(ctx, func(*sql.Tx) error { runs++; return boom }); !errors.Is(err, boom) || runs != 1 {
			t.Errorf("InTx with a plain error: %v after %d runs, want it once", err, runs)
		}
	})
}

// lockBackends are the three kinds of named locks: each opener gives
// handles on one database.
var lockBackends = append([]backend{{"sqlite-memory", func(t *testing.T) func(t *testing.T) *sqldb.DB {
	h, err := sqlite.OpenHandle(t.Context(), ":memory:")
	h = opened(t, h, err)
	return func(*testing.T) *sqldb.DB { return h } // one handle: a memory database is one handle's
}}}, backends...)

func TestNamedLocks(t *testing.T) {
	t.Parallel()
	for _, b := range lockBackends {
		t.Run(b.name, func(t *testing.T) {
			open := b.fresh(t)
			ctx := t.Context()
			h1, h2 := open(t), open(t)
			l, err := h1.TryLock(ctx, "job")
			if err != nil || l == nil {
				t.Fatalf("first TryLock: %v, %v", l, err)
			}
			if err := l.Check(ctx); err != nil {
				t.Errorf("Check of a held lock: %v", err)
			}
			if l2, err := h2.TryLock(ctx, "job"); err != nil || l2 != nil {
				t.Fatalf("TryLock of a held lock: %v, %v; want nil, nil", l2, err)
			}
			other, err := h2.TryLock(ctx, "other-job")
			if err != nil || other == nil {
				t.Fatalf("a lock of another name: %v, %v", other, err)
			}
			other.Release()
			short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
			defer cancel()
			if _, err := h2.Lock(short, "job"); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Lock while held, until the deadline: %v", err)
			}
			got := make(chan error, 1)
			go func() {
				l2, err := h2.Lock(ctx, "job")
				if err == nil {
					l2.Release()
				}
				got <- err
			}()
			l.Release()
			if err := <-got; err != nil {
				t.Errorf("Lock after the release: %v", err)
			}
		})
	}
}

// A lost PostgreSQL session releases its lock: another node takes it,
// and the old holder's Check says so.
func TestAdvisoryLockLostWithItsSession(t *testing.T) {
	t.Parallel()
	open := backends[1].fresh(t)
	ctx := t.Context()
	h1, h2 := open(t), open(t)
	l, err := h1.TryLock(ctx, "lead")
	if err != nil || l == nil {
		t.Fatalf("TryLock: %v, %v", l, err)
	}
	var pid int
	if err := h1.SQL().QueryRowContext(ctx, `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND objid = (hashtext('dezura-lead:' || current_schema()) & 4294967295)::oid`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := h2.SQL().ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	if err := l.Check(ctx); err == nil {
		t.Error("Check after the session ended: nil")
	}
	l.Discard()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l2, err := h2.TryLock(ctx, "lead")
		if err != nil {
			t.Fatal(err)
		}
		if l2 != nil {
			l2.Release()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lock of a terminated session is still held")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
