package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Migration is one schema version of a set: statements run in one
// transaction. Released migrations are never edited; a change is a new
// version.
type Migration struct {
	Version int
	Name    string
	Stmts   []string
	// ByDialect, when it has the dialect's name, runs instead of Stmts:
	// for a change one database cannot express as the other does (SQLite
	// adds a foreign key by rebuilding the table).
	ByDialect map[string][]string
}

// MigrationSet is the ordered schema history of one part of the database
// (the ledger's tables, billing's, the console's), recorded under its name
// in schema_versions. A set may depend on sets applied before it (billing's
// foreign keys name the ledger's contractors).
type MigrationSet struct {
	Name       string
	Migrations []Migration
	// LegacyTable is the table that recorded this set's versions before
	// the sets shared schema_versions (version INTEGER column); its
	// versions are copied over once, the first time the set is migrated.
	LegacyTable string
	// Expand, if not nil, rewrites each statement before the dialect's
	// {{ID}} and {{TS}}, for released migrations written with a
	// placeholder of their own.
	Expand func(d *Dialect, stmt string) string
}

// Latest is the newest version in the set (0 for none).
func (s MigrationSet) Latest() int {
	if len(s.Migrations) == 0 {
		return 0
	}
	return s.Migrations[len(s.Migrations)-1].Version
}

// Statements returns migration version's statements as they run on
// dialect d (nil if the set has no such version).
func (s MigrationSet) Statements(d *Dialect, version int) []string {
	for _, m := range s.Migrations {
		if m.Version != version {
			continue
		}
		stmts := m.Stmts
		if alt, ok := m.ByDialect[d.Name]; ok {
			stmts = alt
		}
		out := make([]string, len(stmts))
		for i, st := range stmts {
			if s.Expand != nil {
				st = s.Expand(d, st)
			}
			out[i] = d.Types.Replace(st)
		}
		return out
	}
	return nil
}

// migrateLockKey serialises migrations of every set among the processes
// on one database.
const migrateLockKey = "migrate"

// Migrate applies every pending migration of set, each in its own
// transaction that also records it. Safe to run from several processes
// at once: PostgreSQL takes a transaction-scoped lock, SQLite's BEGIN
// IMMEDIATE serialises writers.
func (h *DB) Migrate(ctx context.Context, set MigrationSet) error {
	return h.MigrateTo(ctx, set, set.Latest())
}

// MigrateTo applies the pending migrations of set up to version (for
// tests of upgrades from an older schema).
func (h *DB) MigrateTo(ctx context.Context, set MigrationSet, version int) error {
	if err := h.Tx(ctx, nil, func(tx *sql.Tx) error { return h.prepareVersions(ctx, tx, set) }); err != nil {
		return fmt.Errorf("%s schema: record of versions: %w", set.Name, err)
	}
	for _, m := range set.Migrations {
		if m.Version > version {
			break
		}
		err := h.Tx(ctx, nil, func(tx *sql.Tx) error { return h.apply(ctx, tx, set, m) })
		if err != nil {
			return fmt.Errorf("%s schema: migration %d (%s): %w", set.Name, m.Version, m.Name, err)
		}
	}
	return nil
}

// prepareVersions creates schema_versions and copies the set's versions
// from its legacy table the first time.
func (h *DB) prepareVersions(ctx context.Context, tx *sql.Tx, set MigrationSet) error {
	if err := h.LockTx(ctx, tx, migrateLockKey); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, h.d.Types.Replace(`CREATE TABLE IF NOT EXISTS schema_versions (
		migration_set TEXT NOT NULL,
		version INTEGER NOT NULL,
		name TEXT NOT NULL,
		applied_at {{TS}} NOT NULL,
		PRIMARY KEY (migration_set, version))`)); err != nil {
		return err
	}
	if set.LegacyTable == "" {
		return nil
	}
	var have, legacy int
	if err := tx.QueryRowContext(ctx, h.Rebind(`SELECT COUNT(*) FROM schema_versions WHERE migration_set = ?`), set.Name).Scan(&have); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, h.Rebind(h.d.TableExists), set.LegacyTable).Scan(&legacy); err != nil {
		return err
	}
	if have > 0 || legacy == 0 {
		return nil
	}
	versions, err := legacyVersions(ctx, tx, set.LegacyTable)
	if err != nil {
		return err
	}
	for _, v := range versions {
		if err := h.record(ctx, tx, set, v); err != nil {
			return err
		}
	}
	return nil
}

func legacyVersions(ctx context.Context, tx *sql.Tx, table string) ([]int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM `+table+` ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// apply runs migration m of set in tx unless it is recorded already.
func (h *DB) apply(ctx context.Context, tx *sql.Tx, set MigrationSet, m Migration) error {
	if err := h.LockTx(ctx, tx, migrateLockKey); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, h.Rebind(`SELECT COUNT(*) FROM schema_versions WHERE migration_set = ? AND version = ?`),
		set.Name, m.Version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, st := range set.Statements(&h.d, m.Version) {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%.60s...: %w", st, err)
		}
	}
	return h.record(ctx, tx, set, m.Version)
}

func (h *DB) record(ctx context.Context, tx *sql.Tx, set MigrationSet, version int) error {
	name := ""
	for _, m := range set.Migrations {
		if m.Version == version {
			name = m.Name
		}
	}
	_, err := tx.ExecContext(ctx, h.Rebind(`INSERT INTO schema_versions (migration_set, version, name, applied_at) VALUES (?, ?, ?, ?)`),
		set.Name, version, name, time.Now().UTC())
	return err
}

// AppliedVersion returns the newest applied version of the set named
// setName (0 for none).
func (h *DB) AppliedVersion(ctx context.Context, setName string) (int, error) {
	var v sql.NullInt64
	err := h.db.QueryRowContext(ctx, h.Rebind(`SELECT MAX(version) FROM schema_versions WHERE migration_set = ?`), setName).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("%s schema version: %w", setName, err)
	}
	return int(v.Int64), nil
}
