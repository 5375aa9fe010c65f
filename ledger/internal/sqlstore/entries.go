package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/sqldb"
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
	if f.Status != ledger.EntryStatusUnknown {
		add("e.status = ?", f.Status.String())
	}
	if f.OnlyNew {
		where = append(where, "e.exported_at IS NULL")
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
			return err
		}
	}
	return nil
}

const entryColsE = `e.id, e.work_date, e.technician_id, e.site_code, e.check_in, e.check_out, e.status, e.trade, e.role`

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

// ExportEntries streams the CCUS export rows matching f to sink, flushes
// it, then, with markExported and in the same transaction, stamps exactly those
// entries exported (closed ones become EntryStatusExported). The
// transaction is a snapshot (REPEATABLE READ on PostgreSQL; SQLite's write
// lock), so an entry recorded during the export is neither emitted nor
// marked.
func (s *Store) ExportEntries(ctx context.Context, f ledger.EntryFilter, markExported bool, sink ledger.ExportSink) (int, error) {
	if err := validDates(f); err != nil {
		return 0, fmt.Errorf("ledger: export entries: %w", err)
	}
	where, args := entryWhere(f)
	if f.Status == ledger.EntryStatusUnknown { // a cancelled entry is no work history
		if where == "" {
			where = " WHERE "
		} else {
			where += " AND "
		}
		where += "e.status <> 'cancelled'"
	}
	order := ` ORDER BY e.work_date, e.site_code, e.technician_id`
	limit := ""
	if f.Limit > 0 {
		limit = fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	n := 0
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: s.d.SnapshotIsolation})
	if err != nil {
		return 0, fmt.Errorf("ledger: export entries: %w", err)
	}
	err = func() error {
		rows, err := tx.QueryContext(ctx, s.q(`SELECT `+entryColsE+`, s.ccus_site_id, s.name, COALESCE(s.contractor_id, ''),
			COALESCE(c.ccus_business_id, ''), t.name
			FROM work_entries e JOIN sites s ON s.code = e.site_code
			JOIN technicians t ON t.id = e.technician_id
			LEFT JOIN contractors c ON c.id = s.contractor_id`+where+order+limit), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r ledger.ExportRow
			var in, out sql.NullTime
			var status string
			if err := rows.Scan(&r.ID, &r.WorkDate, &r.TechnicianID, &r.SiteCode, &in, &out, &status, &r.Trade, &r.Role,
				&r.CCUSSiteID, &r.SiteName, &r.ContractorID, &r.CCUSBusinessID, &r.TechnicianName); err != nil {
				return err
			}
			r.CheckIn, r.CheckOut = timeOf(in), timeOf(out)
			if r.Status, err = ledger.ParseEntryStatus(status); err != nil {
				return err
			}
			if err := sink.Write(r); err != nil {
				return fmt.Errorf("write: %w", err)
			}
			n++
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
		if !markExported || n == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE work_entries SET exported_at = ?,
			status = CASE WHEN status = 'closed' THEN 'exported' ELSE status END
			WHERE id IN (SELECT e.id FROM work_entries e JOIN sites s ON s.code = e.site_code`+where+order+limit+`)`),
			append([]any{s.now().UTC()}, args...)...)
		return err
	}()
	if err != nil {
		return 0, fmt.Errorf("ledger: export entries: %w", errors.Join(err, sqldb.IgnoreDone(tx.Rollback())))
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("ledger: export entries: %w", err)
	}
	return n, nil
}
