package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// entryWhere builds the WHERE clause of an EntryFilter over work_entries e
// joined with sites s; key is the alias whose work_date, site_code and
// technician_id the filter reads (e, or the feed's queue d).
func entryWhere(f ledger.EntryFilter, key string) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.From != "" {
		add(key+".work_date >= ?", f.From)
	}
	if f.To != "" {
		add(key+".work_date <= ?", f.To)
	}
	if f.SiteCode != "" {
		add(key+".site_code = ?", f.SiteCode)
	}
	if f.TechnicianID != "" {
		add(key+".technician_id = ?", f.TechnicianID)
	}
	if f.ContractorID != "" {
		add("s.contractor_id = ?", f.ContractorID)
	}
	switch f.Status {
	case ledger.EntryStatusUnknown:
	case ledger.EntryStatusExported: // no longer stored: sent by the feed as it is now
		where = append(where, "EXISTS (SELECT 1 FROM export_sent x WHERE x.entry_id = e.id AND x.version = e.version AND x.held)")
	default:
		add("e.status = ?", f.Status.String())
	}
	if f.OnlyNew && key == "e" {
		where = append(where, "EXISTS (SELECT 1 FROM export_due d WHERE d.entry_id = e.id)")
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

const entryColsE = `e.id, e.work_date, e.technician_id, e.site_code, e.check_in, e.check_out, e.status, e.trade, e.role, e.version`

// ListEntries returns entries by work date, site, technician.
func (s *Store) ListEntries(ctx context.Context, f ledger.EntryFilter) ([]ledger.Entry, error) {
	if err := validDates(f); err != nil {
		return nil, fmt.Errorf("ledger: list entries: %w", err)
	}
	where, args := entryWhere(f, "e")
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
