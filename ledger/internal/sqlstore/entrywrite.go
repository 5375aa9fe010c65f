package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dezura/dezura/ledger"
)

// The statements in this file are the only ones that write a
// work-history entry (entrywrite_test.go checks that no other file
// does). Each bumps the entry's version, which makes it due for the
// CCUS export feed (version <> exported_version): no path can change an
// entry without the next export sending it. The export's own record of
// what it sent is markExportedQuery, which leaves the entry as it is.
const (
	insertEntryQuery = `INSERT INTO work_entries
		(work_date, technician_id, site_code, check_in, check_out, status, trade, role, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, version`
	saveEntryQuery = `UPDATE work_entries SET check_in = ?, check_out = ?, status = ?, trade = ?, role = ?,
		version = version + 1, updated_at = ? WHERE id = ? RETURNING version`
	// The rows the feed's reader holds carry the site's and contractor's
	// CCUS IDs: when one changes they must be sent again.
	resendSiteEntriesQuery = `UPDATE work_entries SET version = version + 1, updated_at = ?
		WHERE site_code = ? AND exported_live`
	resendContractorEntriesQuery = `UPDATE work_entries SET version = version + 1, updated_at = ?
		WHERE site_code IN (SELECT code FROM sites WHERE contractor_id = ?) AND exported_live`
	// markExportedQuery records what an export sent, for a batch of
	// entries given as (id, version, held) rows after the WITH; it never
	// moves an entry's record back (a slower, older export ending last).
	markExportedQuery = `UPDATE work_entries SET exported_version = v.version, exported_live = v.held, exported_at = ?
		FROM v WHERE work_entries.id = v.id AND work_entries.exported_version <= v.version`
)

// markBatch is how many entries one markExportedQuery records: three
// parameters each, well under SQLite's 32,766 and PostgreSQL's 65,535.
const markBatch = 1000

// feedMark is what an export sent of one entry.
type feedMark struct {
	id   int64
	sent ledger.FeedState
}

// markExported records, in one transaction, what an export sent.
func (s *Store) markExported(ctx context.Context, marks []feedMark) error {
	now := s.now().UTC()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for len(marks) > 0 {
			n := min(len(marks), markBatch)
			var q strings.Builder
			q.WriteString("WITH v(id, version, held) AS (VALUES ")
			args := make([]any, 0, 1+3*n)
			for i, m := range marks[:n] {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BOOLEAN))")
				args = append(args, m.id, m.sent.Version, m.sent.Held)
			}
			q.WriteString(") ")
			q.WriteString(markExportedQuery)
			if _, err := tx.ExecContext(ctx, s.q(q.String()), append(args, now)...); err != nil {
				return fmt.Errorf("record exported entries: %w", err)
			}
			marks = marks[n:]
		}
		return nil
	})
}

// insertEntry records a new entry (version 1).
func (s *Store) insertEntry(ctx context.Context, tx *sql.Tx, e ledger.Entry, now time.Time) (ledger.Entry, error) {
	err := s.row(ctx, tx, insertEntryQuery, e.WorkDate, e.TechnicianID, e.SiteCode, nullTime(e.CheckIn), nullTime(e.CheckOut),
		e.Status.String(), e.Trade, e.Role, now).Scan(&e.ID, &e.Version)
	if err != nil {
		return e, fmt.Errorf("insert entry: %w", err)
	}
	return e, nil
}

// saveEntry writes after over before (the same entry, read in tx for
// update): its times, status, trade and role, with a new version. When
// nothing differs it writes nothing and the version stays.
func (s *Store) saveEntry(ctx context.Context, tx *sql.Tx, before, after ledger.Entry, now time.Time) (ledger.Entry, error) {
	after.CheckIn, after.CheckOut = utcOrZero(after.CheckIn), utcOrZero(after.CheckOut)
	if sameEntry(before, after) {
		return before, nil
	}
	err := s.row(ctx, tx, saveEntryQuery, nullTime(after.CheckIn), nullTime(after.CheckOut), after.Status.String(),
		after.Trade, after.Role, now, after.ID).Scan(&after.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return before, fmt.Errorf("save entry %d: %w", after.ID, ledger.ErrNotFound)
	}
	if err != nil {
		return before, fmt.Errorf("save entry %d: %w", after.ID, err)
	}
	return after, nil
}

// sameEntry reports whether a and b say the same (times compared as
// instants).
func sameEntry(a, b ledger.Entry) bool {
	return a.ID == b.ID && a.CheckIn.Equal(b.CheckIn) && a.CheckOut.Equal(b.CheckOut) &&
		a.Status == b.Status && a.Trade == b.Trade && a.Role == b.Role
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}
