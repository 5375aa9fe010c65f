package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// The export reads each entry with what the feed last sent of it
// (version 0 and not held if nothing), its site and contractor.
const (
	exportCols = `SELECT ` + entryColsE + `, COALESCE(x.version, 0), COALESCE(x.held, FALSE),
	s.ccus_site_id, s.name, COALESCE(s.contractor_id, ''), COALESCE(c.ccus_business_id, ''), t.name
	FROM work_entries e JOIN sites s ON s.code = e.site_code
	JOIN technicians t ON t.id = e.technician_id
	LEFT JOIN contractors c ON c.id = s.contractor_id
	LEFT JOIN export_sent x ON x.entry_id = e.id`
	exportOrder = ` ORDER BY e.work_date, e.site_code, e.technician_id`
)

// feedBatch is how many due entries the feed reads by key at a time: few
// enough that reading them by key is every planner's choice, rather than
// hashing the whole of work_entries (4.5 million rows a month) to join a
// day's 150,000.
const feedBatch = 1000

// ExportEntries writes the export of the entries f selects to sink (see
// ledger.Admin), reading without SQLite's write lock, then records what
// it sent, per entry with the version the row carried, so an entry
// changed meanwhile stays due.
func (s *Store) ExportEntries(ctx context.Context, f ledger.EntryFilter, o ledger.ExportOptions, sink ledger.ExportSink) (ledger.ExportSummary, error) {
	sum := ledger.ExportSummary{DryRun: o.DryRun}
	if err := validDates(f); err != nil {
		return sum, err
	}
	var marks []feedMark
	visit := func(r ledger.ExportRow, sent ledger.FeedState) error {
		d := ledger.PlanExport(r, sent, f.OnlyNew, o)
		sum.Count(r, d)
		if d.Record(sent) {
			marks = append(marks, feedMark{r.ID, d.Sent})
		}
		if d.Action != ledger.ExportWrite {
			return nil
		}
		r.Op = d.Op
		if err := sink.Write(r); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	}
	read := s.readFull
	if f.OnlyNew {
		read = s.readFeed
	}
	err := read(ctx, f, visit)
	if err == nil {
		if err = sink.Flush(); err != nil {
			err = fmt.Errorf("flush: %w", err)
		}
	}
	if err != nil {
		return sum, fmt.Errorf("export entries (nothing recorded as sent): %w", err)
	}
	if o.DryRun || len(marks) == 0 {
		return sum, nil
	}
	if err := s.markExported(ctx, marks); err != nil {
		return sum, fmt.Errorf("the export is complete, but what it sent was not recorded (the next export sends it again): %w", err)
	}
	return sum, nil
}

type exportVisit func(ledger.ExportRow, ledger.FeedState) error

// readFull visits the range as it is, in one statement (a consistent
// snapshot on both databases).
func (s *Store) readFull(ctx context.Context, f ledger.EntryFilter, visit exportVisit) error {
	q, args := s.ExportQuery(f)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, sent, err := scanExportRow(rows)
		if err != nil {
			return err
		}
		if err := visit(r, sent); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// readFeed visits the due entries f selects, in export order: the queue
// through export_due_order, then the entries by key, a batch at a time.
// On PostgreSQL both run in one read-only snapshot transaction; on
// SQLite, without one, so that calls are not kept waiting (each entry is
// read whole, and what is recorded is per entry and version, so the feed
// stays exact).
func (s *Store) readFeed(ctx context.Context, f ledger.EntryFilter, visit exportVisit) error {
	var tx *sql.Tx
	if s.d.SnapshotIsolation != sql.LevelDefault {
		var err error
		if tx, err = s.db.BeginTx(ctx, &sql.TxOptions{Isolation: s.d.SnapshotIsolation, ReadOnly: true}); err != nil {
			return err
		}
		defer tx.Rollback() // read only: nothing to commit
	}
	q, args := s.ExportQuery(f)
	ids, err := s.queuedIDs(ctx, tx, q, args)
	if err != nil {
		return err
	}
	for len(ids) > 0 {
		n := min(len(ids), feedBatch)
		if err := s.visitByID(ctx, tx, f, ids[:n], visit); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func (s *Store) queuedIDs(ctx context.Context, tx *sql.Tx, q string, args []any) ([]int64, error) {
	rows, err := s.conn(tx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// visitByID reads the entries ids (in export order) and visits them in
// that order.
func (s *Store) visitByID(ctx context.Context, tx *sql.Tx, f ledger.EntryFilter, ids []int64, visit exportVisit) error {
	q, args := s.FeedBatchQuery(f, ids)
	rows, err := s.conn(tx).QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type read struct {
		r    ledger.ExportRow
		sent ledger.FeedState
	}
	byID := make(map[int64]read, len(ids))
	for rows.Next() {
		r, sent, err := scanExportRow(rows)
		if err != nil {
			return err
		}
		byID[r.ID] = read{r, sent}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if e, ok := byID[id]; ok { // else its status is not f's
			if err := visit(e.r, e.sent); err != nil {
				return err
			}
		}
	}
	return nil
}

// ExportQuery is the statement (in the dialect's placeholders) and
// arguments the export of f starts with: for a full export, the rows;
// for the feed (f.OnlyNew), the due entries' IDs in export order.
// Exported for plan tests and benchmarks.
func (s *Store) ExportQuery(f ledger.EntryFilter) (string, []any) {
	if f.OnlyNew {
		keys := f
		keys.Status = ledger.EntryStatusUnknown // read with the entries
		where, args := entryWhere(keys, "d")
		q := `SELECT d.entry_id FROM export_due d`
		if f.ContractorID != "" {
			q += ` JOIN sites s ON s.code = d.site_code`
		}
		return s.q(q + where + ` ORDER BY d.work_date, d.site_code, d.technician_id` + limit(f)), args
	}
	where, args := entryWhere(f, "e")
	// A full export is the range as it is: a cancelled entry is no work history.
	if where == "" {
		where = " WHERE "
	} else {
		where += " AND "
	}
	return s.q(exportCols + where + `e.status <> 'cancelled'` + exportOrder + limit(f)), args
}

// FeedBatchQuery is the statement and arguments that read the due
// entries ids for the feed of f. Exported for plan tests and benchmarks.
func (s *Store) FeedBatchQuery(f ledger.EntryFilter, ids []int64) (string, []any) {
	// The ids are the due ones in f's range (the queue was read with it):
	// the range again would tempt a planner to read it whole.
	where, args := entryWhere(ledger.EntryFilter{Status: f.Status}, "e")
	if where == "" {
		where = " WHERE "
	} else {
		where += " AND "
	}
	where += "e.id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
	for _, id := range ids {
		args = append(args, id)
	}
	return s.q(exportCols + where), args
}

func limit(f ledger.EntryFilter) string {
	if f.Limit > 0 {
		return fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return ""
}

func scanExportRow(rows *sql.Rows) (ledger.ExportRow, ledger.FeedState, error) {
	var r ledger.ExportRow
	var sent ledger.FeedState
	var in, out sql.NullTime
	var status string
	if err := rows.Scan(&r.ID, &r.WorkDate, &r.TechnicianID, &r.SiteCode, &in, &out, &status, &r.Trade, &r.Role, &r.Version,
		&sent.Version, &sent.Held,
		&r.CCUSSiteID, &r.SiteName, &r.ContractorID, &r.CCUSBusinessID, &r.TechnicianName); err != nil {
		return r, sent, err
	}
	r.CheckIn, r.CheckOut = timeOf(in), timeOf(out)
	var err error
	r.Status, err = ledger.ParseEntryStatus(status)
	return r, sent, err
}
