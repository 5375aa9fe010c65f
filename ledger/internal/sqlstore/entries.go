package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// entryWhere builds the WHERE clause of an EntryFilter over work_entries e
// joined with sites s.
func entryWhere(f ledger.EntryFilter) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.From != "" {
		add("e.work_date >= ?", f.From)
	}
	if f.To != "" {
		add("e.work_date <= ?", f.To)
	}
	if f.SiteCode != "" {
		add("e.site_code = ?", f.SiteCode)
	}
	if f.TechnicianID != "" {
		add("e.technician_id = ?", f.TechnicianID)
	}
	if f.ContractorID != "" {
		add("s.contractor_id = ?", f.ContractorID)
	}
	switch f.Status {
	case ledger.EntryStatusUnknown:
	case ledger.EntryStatusExported: // no longer stored: sent by the feed as it is now
		where = append(where, "e.version = e.exported_version AND e.exported_live")
	default:
		add("e.status = ?", f.Status.String())
	}
	if f.OnlyNew {
		// Matches the predicate of the partial index work_entries_due
		// (migration 6), so the feed reads only what is due.
		where = append(where, dueCondition)
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

func validDates(f ledger.EntryFilter) error {
	for _, d := range []string{f.From, f.To} {
		if d == "" {
			continue
		}
		if _, err := ledger.ParseWorkDate(d); err != nil {
			return fmt.Errorf("%w: %w", ledger.ErrInvalid, err)
		}
	}
	return nil
}

const entryColsE = `e.id, e.work_date, e.technician_id, e.site_code, e.check_in, e.check_out, e.status, e.trade, e.role, e.version`

// ListEntries returns entries by work date, site, technician.
func (s *Store) ListEntries(ctx context.Context, f ledger.EntryFilter) ([]ledger.Entry, error) {
	if err := validDates(f); err != nil {
		return nil, fmt.Errorf("ledger: list entries: %w", err)
	}
	where, args := entryWhere(f)
	q := `SELECT ` + entryColsE + ` FROM work_entries e JOIN sites s ON s.code = e.site_code` + where +
		` ORDER BY e.work_date, e.site_code, e.technician_id`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: list entries: %w", err)
	}
	defer rows.Close()
	var out []ledger.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("ledger: list entries: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: list entries: %w", err)
	}
	return out, nil
}

// dueCondition selects the entries the export feed must send.
const dueCondition = "e.version <> e.exported_version"

// exportQuery reads the rows of an export with their feed state.
const exportQuery = `SELECT ` + entryColsE + `, e.exported_version, e.exported_live,
	s.ccus_site_id, s.name, COALESCE(s.contractor_id, ''), COALESCE(c.ccus_business_id, ''), t.name
	FROM work_entries e JOIN sites s ON s.code = e.site_code
	JOIN technicians t ON t.id = e.technician_id
	LEFT JOIN contractors c ON c.id = s.contractor_id`

// ExportEntries writes the export of the entries f selects to sink (see
// ledger.Admin). The rows come from one statement, a consistent snapshot
// on both databases, read without holding SQLite's write lock; what was
// sent is recorded afterwards, per entry with the version the row
// carried, so an entry changed during the export stays due.
func (s *Store) ExportEntries(ctx context.Context, f ledger.EntryFilter, o ledger.ExportOptions, sink ledger.ExportSink) (ledger.ExportSummary, error) {
	sum := ledger.ExportSummary{DryRun: o.DryRun}
	if err := validDates(f); err != nil {
		return sum, fmt.Errorf("ledger: export entries: %w", err)
	}
	q, args := s.ExportQuery(f)
	var marks []feedMark
	err := func() error {
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
			d := ledger.PlanExport(r, sent, f.OnlyNew, o)
			sum.Count(r, d)
			if d.Record(sent) {
				marks = append(marks, feedMark{r.ID, d.Sent})
			}
			if d.Action != ledger.ExportWrite {
				continue
			}
			r.Op = d.Op
			if err := sink.Write(r); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := sink.Flush(); err != nil {
			return fmt.Errorf("flush: %w", err)
		}
		return nil
	}()
	if err != nil {
		return sum, fmt.Errorf("ledger: export entries: nothing recorded as sent: %w", err)
	}
	if o.DryRun || len(marks) == 0 {
		return sum, nil
	}
	if err := s.markExported(ctx, marks); err != nil {
		return sum, fmt.Errorf("ledger: export entries: the file is complete, but what it sent was not recorded (the next export sends it again): %w", err)
	}
	return sum, nil
}

// ExportQuery is the statement (in the dialect's placeholders) and
// arguments ExportEntries runs for f; exported for plan tests and
// benchmarks.
func (s *Store) ExportQuery(f ledger.EntryFilter) (string, []any) {
	where, args := entryWhere(f)
	if !f.OnlyNew { // a full export is the range as it is: a cancelled entry is no work history
		if where == "" {
			where = " WHERE "
		} else {
			where += " AND "
		}
		where += "e.status <> 'cancelled'"
	}
	q := exportQuery + where + ` ORDER BY e.work_date, e.site_code, e.technician_id`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return s.q(q), args
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
