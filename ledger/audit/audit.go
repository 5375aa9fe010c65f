// Package audit is the audit log of dezura's records: who changed what,
// when, from what to what. The ledger's registration operations and the
// console's accounts write a record in the same transaction as the change
// they make, so a change and its record are committed together or not at
// all; nothing here updates or deletes a record.
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/sqldb"
)

// Migrations is the audit log's schema, the "audit" migration set, applied
// with the ledger's. Append only.
var Migrations = sqldb.MigrationSet{Name: "audit", Migrations: []sqldb.Migration{
	{Version: 1, Name: "audit log", Stmts: []string{
		`CREATE TABLE audit_log (
			id {{ID}},
			at {{TS}} NOT NULL,
			actor TEXT NOT NULL,
			action TEXT NOT NULL,
			object TEXT NOT NULL,
			contractor_id TEXT NOT NULL DEFAULT '',
			before_json TEXT NOT NULL DEFAULT '',
			after_json TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX audit_log_object ON audit_log(object, id)`,
		`CREATE INDEX audit_log_contractor ON audit_log(contractor_id, id)`,
	}},
}}

// Record is one change to write.
type Record struct {
	Action       string // "site.add", "site.update", ...
	Object       string // "site:77"
	ContractorID string // whose record ("" for none)
	Before       any    // marshalled to JSON; nil for an add
	After        any    // marshalled to JSON; nil for a removal
}

const insertQuery = `INSERT INTO audit_log (at, actor, action, object, contractor_id, before_json, after_json)
	VALUES (?, ?, ?, ?, ?, ?, ?)`

// Write records r in tx, made at time at by the actor ctx carries
// (ledger.ActorOf).
func Write(ctx context.Context, tx *sql.Tx, d *sqldb.Dialect, at time.Time, r Record) error {
	before, err := marshal(r.Before)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", r.Action, r.Object, err)
	}
	after, err := marshal(r.After)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", r.Action, r.Object, err)
	}
	if _, err := tx.ExecContext(ctx, d.Rebind(insertQuery), at.UTC(), ledger.ActorOf(ctx).String(),
		r.Action, r.Object, r.ContractorID, before, after); err != nil {
		return fmt.Errorf("audit %s %s: %w", r.Action, r.Object, err)
	}
	return nil
}

// Writer writes many records in one transaction with one prepared
// statement (a bulk import).
type Writer struct {
	stmt *sql.Stmt
	at   time.Time
	who  string
}

// NewWriter prepares the insert in tx; Close it before tx ends.
func NewWriter(ctx context.Context, tx *sql.Tx, d *sqldb.Dialect, at time.Time) (*Writer, error) {
	st, err := tx.PrepareContext(ctx, d.Rebind(insertQuery))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &Writer{stmt: st, at: at.UTC(), who: ledger.ActorOf(ctx).String()}, nil
}

// Write records r.
func (w *Writer) Write(ctx context.Context, r Record) error {
	before, err := marshal(r.Before)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", r.Action, r.Object, err)
	}
	after, err := marshal(r.After)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", r.Action, r.Object, err)
	}
	if _, err := w.stmt.ExecContext(ctx, w.at, w.who, r.Action, r.Object, r.ContractorID, before, after); err != nil {
		return fmt.Errorf("audit %s %s: %w", r.Action, r.Object, err)
	}
	return nil
}

// Close releases the prepared statement.
func (w *Writer) Close() error { return w.stmt.Close() }

func marshal(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// Filter selects records: of one object, of one contractor, or (All) of
// everything; newest first, a page at a time.
type Filter struct {
	Object       string
	ContractorID string
	All          bool // no contractor condition (the operator)
	After        string
	Limit        int
}

// List returns a page of records matching f. A filter with neither All
// nor ContractorID selects nothing.
func List(ctx context.Context, h *sqldb.DB, f Filter) (ledger.Page[ledger.Change], error) {
	var page ledger.Page[ledger.Change]
	if !f.All && f.ContractorID == "" {
		return page, nil
	}
	q := `SELECT id, at, actor, action, object, contractor_id, before_json, after_json FROM audit_log WHERE 1 = 1`
	var args []any
	if !f.All {
		q += ` AND contractor_id = ?`
		args = append(args, f.ContractorID)
	}
	if f.Object != "" {
		q += ` AND object = ?`
		args = append(args, f.Object)
	}
	if f.After != "" {
		id, err := strconv.ParseInt(f.After, 10, 64)
		if err != nil {
			return page, ledger.Invalid("page %q: start again from the first page", f.After)
		}
		q += ` AND id < ?`
		args = append(args, id)
	}
	limit := ledger.PageLimit(f.Limit)
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit+1)
	rows, err := h.SQL().QueryContext(ctx, h.Rebind(q), args...)
	if err != nil {
		return page, fmt.Errorf("read the audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c ledger.Change
		if err := rows.Scan(&c.ID, &c.At, &c.Actor, &c.Action, &c.Object, &c.ContractorID, &c.Before, &c.After); err != nil {
			return page, fmt.Errorf("read the audit log: %w", err)
		}
		c.At = c.At.UTC()
		page.Rows = append(page.Rows, c)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("read the audit log: %w", err)
	}
	if len(page.Rows) > limit {
		page.Rows = page.Rows[:limit]
		page.Next = strconv.FormatInt(page.Rows[limit-1].ID, 10)
	}
	return page, nil
}
