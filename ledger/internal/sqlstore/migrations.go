package sqlstore

import (
	"context"

	"github.com/dezura/dezura/ledger/audit"
	"github.com/dezura/dezura/ledger/sqldb"
)

// Migrations is the ledger's schema history, the "ledger" migration set.
// Append only; never edit a released migration. {{ID}} is an
// auto-increment primary key, {{TS}} a timestamp column type. Before the
// sets shared schema_versions its versions were in schema_migrations.
var Migrations = sqldb.MigrationSet{Name: "ledger", LegacyTable: "schema_migrations", Migrations: migrations}

var migrations = []sqldb.Migration{
	{Version: 1, Name: "initial model", Stmts: []string{
		`CREATE TABLE contractors (
			id TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			ccus_business_id TEXT NOT NULL DEFAULT '',
			disabled BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {{TS}} NOT NULL
		)`,
		`CREATE TABLE technicians (
			id TEXT PRIMARY KEY CHECK (length(id) = 14),
			name TEXT NOT NULL,
			contractor_id TEXT REFERENCES contractors(id),
			language TEXT NOT NULL DEFAULT 'ja',
			security_code_hash TEXT NOT NULL DEFAULT '',
			disabled BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {{TS}} NOT NULL
		)`,
		`CREATE INDEX technicians_contractor ON technicians(contractor_id)`,
		`CREATE TABLE phones (
			e164 TEXT PRIMARY KEY,
			technician_id TEXT REFERENCES technicians(id),
			contractor_id TEXT REFERENCES contractors(id),
			disabled BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {{TS}} NOT NULL,
			CHECK ((technician_id IS NULL) <> (contractor_id IS NULL))
		)`,
		`CREATE TABLE sites (
			code TEXT PRIMARY KEY,
			ccus_site_id TEXT NOT NULL DEFAULT '',
			name TEXT NOT NULL,
			contractor_id TEXT REFERENCES contractors(id),
			opens_on TEXT NOT NULL DEFAULT '',
			closes_on TEXT NOT NULL DEFAULT '',
			did TEXT UNIQUE,
			disabled BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {{TS}} NOT NULL
		)`,
		`CREATE TABLE assignments (
			site_code TEXT NOT NULL REFERENCES sites(code),
			technician_id TEXT NOT NULL REFERENCES technicians(id),
			trade TEXT NOT NULL DEFAULT '',
			role TEXT NOT NULL DEFAULT '',
			disabled BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {{TS}} NOT NULL,
			PRIMARY KEY (site_code, technician_id)
		)`,
		`CREATE TABLE work_entries (
			id {{ID}},
			work_date TEXT NOT NULL,
			technician_id TEXT NOT NULL REFERENCES technicians(id),
			site_code TEXT NOT NULL REFERENCES sites(code),
			check_in {{TS}},
			check_out {{TS}},
			status TEXT NOT NULL,
			trade TEXT NOT NULL DEFAULT '',
			role TEXT NOT NULL DEFAULT '',
			exported_at {{TS}},
			updated_at {{TS}} NOT NULL,
			UNIQUE (technician_id, site_code, work_date)
		)`,
		`CREATE INDEX work_entries_date ON work_entries(work_date, site_code)`,
		`CREATE TABLE attendance_events (
			id {{ID}},
			kind TEXT NOT NULL,
			technician_id TEXT NOT NULL,
			site_code TEXT NOT NULL,
			work_date TEXT NOT NULL,
			at {{TS}} NOT NULL,
			entry_id BIGINT REFERENCES work_entries(id),
			call_id TEXT NOT NULL DEFAULT '',
			idempotency_key TEXT UNIQUE,
			actor TEXT NOT NULL DEFAULT '',
			reason TEXT NOT NULL DEFAULT '',
			recorded_at {{TS}} NOT NULL
		)`,
		`CREATE INDEX attendance_events_entry ON attendance_events(entry_id)`,
		`CREATE TABLE calls (
			call_id TEXT PRIMARY KEY,
			caller TEXT NOT NULL DEFAULT '',
			called TEXT NOT NULL DEFAULT '',
			arrived_at {{TS}},
			answered_at {{TS}},
			ended_at {{TS}},
			technician_id TEXT NOT NULL DEFAULT '',
			site_code TEXT NOT NULL DEFAULT '',
			language TEXT NOT NULL DEFAULT '',
			outcome TEXT NOT NULL DEFAULT '',
			reason TEXT NOT NULL DEFAULT '',
			steps TEXT NOT NULL DEFAULT '[]',
			entry_ids TEXT NOT NULL DEFAULT '[]',
			dtmf_transport TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX calls_arrived ON calls(arrived_at)`,
	}},
	{Version: 2, Name: "corrections: event detail", Stmts: []string{
		`ALTER TABLE attendance_events ADD COLUMN detail TEXT NOT NULL DEFAULT ''`,
	}},
	{Version: 3, Name: "phone entry: security code attempts; events by technician and day", Stmts: []string{
		// One row per security code keyed from an unregistered phone; the
		// code itself is never stored.
		`CREATE TABLE code_attempts (
			id {{ID}},
			technician_id TEXT NOT NULL,
			caller TEXT NOT NULL DEFAULT '',
			call_id TEXT NOT NULL DEFAULT '',
			at {{TS}} NOT NULL,
			ok BOOLEAN NOT NULL,
			locked_until {{TS}}
		)`,
		`CREATE INDEX code_attempts_technician ON code_attempts(technician_id, id)`,
		`CREATE INDEX attendance_events_technician ON attendance_events(technician_id, work_date)`,
	}},
	{Version: 4, Name: "a technician's newest event without sorting all of them", Stmts: []string{
		// LastSite runs on every call that offers the last site; with only
		// (technician_id, work_date) it sorted the technician's whole
		// history each time.
		`CREATE INDEX attendance_events_technician_id ON attendance_events(technician_id, id)`,
	}},
	// Version 5 is left to another change made at the same time; the
	// runner applies whatever is missing, in order.
	{Version: 6, Name: "the CCUS export is a change feed: entry versions, what is due, what was sent", Stmts: []string{
		// version counts an entry's changes; every write bumps it and
		// queues the entry in export_due, in the same transaction
		// (entrywrite.go). The export reads export_due in export order,
		// and for each entry it sent deletes the queue row (if the
		// entry has not changed since) and records the version and
		// whether the reader now holds it in export_sent. Two narrow
		// tables: recording 150,000 rows costs a fifth of updating them
		// in work_entries, whose every update rewrites three indexes.
		// No foreign keys: entries are never deleted, only entrywrite.go
		// writes these tables, and a key check per recorded row was a
		// third of the recording's time.
		`ALTER TABLE work_entries ADD COLUMN version BIGINT NOT NULL DEFAULT 1`,
		`CREATE TABLE export_due (
			entry_id BIGINT PRIMARY KEY,
			version BIGINT NOT NULL,
			work_date TEXT NOT NULL,
			site_code TEXT NOT NULL,
			technician_id TEXT NOT NULL
		)`,
		`CREATE INDEX export_due_order ON export_due(work_date, site_code, technician_id)`,
		`CREATE TABLE export_sent (
			entry_id BIGINT PRIMARY KEY,
			version BIGINT NOT NULL,
			held BOOLEAN NOT NULL,
			sent_at {{TS}} NOT NULL
		)`,
		// Before, exported_at marked an exported entry (no longer
		// written) and the export turned closed into 'exported'; every
		// change but a check-out cleared the mark. Closed (or put up for
		// review) after it was exported: the check-out the old export
		// never sent; due, as changed.
		`UPDATE work_entries SET version = 2 WHERE exported_at IS NOT NULL AND status IN ('closed', 'needs_review')`,
		`INSERT INTO export_sent (entry_id, version, held, sent_at)
			SELECT id, 1, TRUE, exported_at FROM work_entries WHERE exported_at IS NOT NULL`,
		`UPDATE work_entries SET status = 'closed' WHERE status = 'exported'`,
		// Whether a cancelled entry had been sent is not known (the
		// cancellation cleared the mark): the feed sends each once as
		// cancelled; a reader that never had it has nothing to remove.
		`INSERT INTO export_sent (entry_id, version, held, sent_at)
			SELECT id, 0, TRUE, updated_at FROM work_entries WHERE status = 'cancelled' AND exported_at IS NULL`,
		`INSERT INTO export_due (entry_id, version, work_date, site_code, technician_id)
			SELECT id, version, work_date, site_code, technician_id FROM work_entries w
			WHERE NOT EXISTS (SELECT 1 FROM export_sent x WHERE x.entry_id = w.id AND x.version = w.version)`,
	}},
	{Version: 7, Name: "callers: end reason of calls, crew numbers, phones registered by their technician, phone log", Stmts: []string{
		// What ended the call (caller_hangup, service_hangup, timeout, ...),
		// beside the flow's own reason.
		`ALTER TABLE calls ADD COLUMN end_reason TEXT NOT NULL DEFAULT ''`,
		// A foreman keys a crew member's 2-3 digit number instead of his
		// 14-digit ID; unique within the contractor (NULLs do not collide).
		`ALTER TABLE technicians ADD COLUMN crew_number TEXT`,
		`CREATE UNIQUE INDEX technicians_crew_number ON technicians(contractor_id, crew_number)`,
		// Who registered a number ('office' or 'self': the technician by his
		// own call) and who disabled it.
		`ALTER TABLE phones ADD COLUMN source TEXT NOT NULL DEFAULT 'office'`,
		`ALTER TABLE phones ADD COLUMN disabled_by TEXT NOT NULL DEFAULT ''`,
		`UPDATE phones SET disabled_by = 'office' WHERE disabled = TRUE`,
		`CREATE TABLE phone_events (
			id {{ID}},
			e164 TEXT NOT NULL,
			kind TEXT NOT NULL,
			technician_id TEXT NOT NULL DEFAULT '',
			contractor_id TEXT NOT NULL DEFAULT '',
			actor TEXT NOT NULL,
			call_id TEXT NOT NULL DEFAULT '',
			at {{TS}} NOT NULL
		)`,
		`CREATE INDEX phone_events_e164 ON phone_events(e164, id)`,
	}},
	{Version: 8, Name: "office screens: the board's review list, phones and crews by technician", Stmts: []string{
		// The board and the review queue read a site's entries that need
		// review; few of millions do.
		`CREATE INDEX work_entries_review ON work_entries(work_date, site_code) WHERE status = 'needs_review'`,
		// A contractor's phones are found through its technicians.
		`CREATE INDEX phones_technician ON phones(technician_id)`,
		`CREATE INDEX phones_contractor ON phones(contractor_id)`,
		// A foreman's crew: the sites a technician is assigned to.
		`CREATE INDEX assignments_technician ON assignments(technician_id)`,
		`CREATE INDEX sites_contractor ON sites(contractor_id)`,
	}},
}

// SchemaVersion is the newest migration version in this binary.
func SchemaVersion() int { return Migrations.Latest() }

// MigrationCount is the number of migrations in this binary (versions
// may have gaps: see version 6).
func MigrationCount() int { return len(migrations) }

// Migrate applies every pending migration of the ledger's set, then of
// the audit log's (which the ledger's operations write to).
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.h.Migrate(ctx, Migrations); err != nil {
		return err
	}
	return s.h.Migrate(ctx, audit.Migrations)
}

// MigrateTo applies the pending migrations of the ledger's set up to
// version, and the audit log's (for tests of upgrades from an older
// ledger schema, made with this binary's operations, which audit).
func (s *Store) MigrateTo(ctx context.Context, version int) error {
	if err := s.h.MigrateTo(ctx, Migrations, version); err != nil {
		return err
	}
	return s.h.Migrate(ctx, audit.Migrations)
}

// AppliedVersion returns the newest applied migration version (0 for none).
func (s *Store) AppliedVersion(ctx context.Context) (int, error) {
	return s.h.AppliedVersion(ctx, Migrations.Name)
}
