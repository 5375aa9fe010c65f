package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dezura/dezura/ledger"
)

// The export reads each entry with what the feed last sent of it
// (version 0 and not held if nothing), its site and contractor.
const (
	exportCols = `SELECT ` + entryColsE + `, COALESCE(x.version, 0), COALESCE(x.held, FALSE),
	s.ccus_site_id, s.name, COALESCE(s.contractor_id, ''), COALESCE(c.ccus_business_id, ''), t.name`
	exportJoins = ` JOIN sites s ON s.code = e.site_code
	JOIN technicians t ON t.id = e.technician_id
	LEFT JOIN contractors c ON c.id = s.contractor_id
	LEFT JOIN export_sent x ON x.entry_id = e.id`
	fullFrom    = ` FROM work_entries e`
	feedFrom    = ` FROM export_due d JOIN work_entries e ON e.id = d.entry_id`
	feedKey     = `(d.work_date, d.site_code, d.technician_id)`
	exportOrder = ` ORDER BY e.work_date, e.site_code, e.technician_id`
)

// feedPage is how many due entries the feed reads at a time, from where
// the last page ended in export order: with a limit this small every
// planner walks the queue's index and reads each entry by its key,
// rather than hashing the whole of work_entries (4.5 million rows a
// month) to join a day's 150,000. A variable for tests of the paging.
var feedPage = 5000

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

// readFeed visits the due entries f selects, in export order, a page at
// a time. On PostgreSQL the pages are read in one read-only snapshot
// transaction; on SQLite without one, so that calls are not kept waiting
// (each entry is read whole, and what is recorded is per entry and
// version, so the feed stays exact).
func (s *Store) readFeed(ctx context.Context, f ledger.EntryFilter, visit exportVisit) error {
	var tx *sql.Tx
	if s.d.SnapshotIsolation != sql.LevelDefault {
		var err error
		if tx, err = s.db.BeginTx(ctx, &sql.TxOptions{Isolation: s.d.SnapshotIsolation, ReadOnly: true}); err != nil {
			return err
		}
		defer tx.Rollback() // read only: nothing to commit
	}
	var after *ledger.Entry
	for read := 0; f.Limit == 0 || read < f.Limit; {
		page := feedPage
		if f.Limit > 0 {
			page = min(page, f.Limit-read)
		}
		last, n, err := s.visitPage(ctx, tx, f, after, page, visit)
		if err != nil || n < page {
			return err
		}
		read += n
		after = &last
	}
	return nil
}

// visitPage visits up to n due entries after the entry after (nil: from
// the start) and returns the last one and how many there were.
func (s *Store) visitPage(ctx context.Context, tx *sql.Tx, f ledger.EntryFilter, after *ledger.Entry, n int, visit exportVisit) (ledger.Entry, int, error) {
	q, args := s.FeedPageQuery(f, after, n)
	rows, err := s.conn(tx).QueryContext(ctx, q, args...)
	if err != nil {
		return ledger.Entry{}, 0, err
	}
	defer rows.Close()
	var last ledger.Entry
	read := 0
	for rows.Next() {
		r, sent, err := scanExportRow(rows)
		if err != nil {
			return last, read, err
		}
		last = r.Entry
		read++
		if err := visit(r, sent); err != nil {
			return last, read, err
		}
	}
	return last, read, rows.Err()
}

// ExportQuery is the statement (in the dialect's placeholders) and
// arguments of a full export of f; exported for plan tests and
// benchmarks.
func (s *Store) ExportQuery(f ledger.EntryFilter) (string, []any) {
	where, args := entryWhere(f, "e")
	// A full export is the range as it is: a cancelled entry is no work history.
	if where == "" {
		where = " WHERE "
	} else {
		where += " AND "
	}
	return s.q(exportCols + fullFrom + exportJoins + where + `e.status <> 'cancelled'` + exportOrder + limit(f)), args
}

// FeedPageQuery is the statement and arguments that read the next n due
// entries of the feed of f after the entry after (nil: from the start),
// in export order. Exported for plan tests and benchmarks.
func (s *Store) FeedPageQuery(f ledger.EntryFilter, after *ledger.Entry, n int) (string, []any) {
	f.OnlyNew = false // the queue is what is due
	where, args := entryWhere(f, "d")
	if after != nil {
		if where == "" {
			where = " WHERE "
		} else {
			where += " AND "
		}
		where += feedKey + " > (?, ?, ?)"
		args = append(args, after.WorkDate, after.SiteCode, after.TechnicianID)
	}
	return s.q(exportCols + feedFrom + exportJoins + where + ` ORDER BY ` + feedKey[1:len(feedKey)-1] + fmt.Sprintf(" LIMIT %d", n)), args
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
