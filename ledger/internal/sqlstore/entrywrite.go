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
// work-history entry or the export feed's tables (entrywrite_test.go
// checks that no other file does). Every write of an entry bumps its
// version and, in the same transaction, queues it in export_due: no path
// can change an entry without the next --only-new export sending it.
// The export takes an entry off the queue only if it has not changed
// since the export read it (markExported).
const (
	insertEntryQuery = `INSERT INTO work_entries
		(work_date, technician_id, site_code, check_in, check_out, status, trade, role, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, version`
	saveEntryQuery = `UPDATE work_entries SET check_in = ?, check_out = ?, status = ?, trade = ?, role = ?,
		version = version + 1, updated_at = ? WHERE id = ? RETURNING version`
	// The queue row carries the version, so that an export that sent an
	// older one leaves it queued; the upsert waits for an export holding
	// the row.
	enqueueQuery = `INSERT INTO export_due (entry_id, version, work_date, site_code, technician_id)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version`

	// The rows the feed's reader holds carry the site's and contractor's
	// CCUS IDs: when one changes they must be sent again.
	heldAtSite         = `site_code = ? AND id IN (SELECT entry_id FROM export_sent WHERE held)`
	heldAtContractor   = `site_code IN (SELECT code FROM sites WHERE contractor_id = ?) AND id IN (SELECT entry_id FROM export_sent WHERE held)`
	resendQuery        = `UPDATE work_entries SET version = version + 1, updated_at = ? WHERE `
	enqueueResentQuery = `INSERT INTO export_due (entry_id, version, work_date, site_code, technician_id)
		SELECT id, version, work_date, site_code, technician_id FROM work_entries WHERE `
	enqueueResentConflictTail = ` ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version`
)

// insertEntry records a new entry (version 1), queued for the feed.
func (s *Store) insertEntry(ctx context.Context, tx *sql.Tx, e ledger.Entry, now time.Time) (ledger.Entry, error) {
	err := s.row(ctx, tx, insertEntryQuery, e.WorkDate, e.TechnicianID, e.SiteCode, nullTime(e.CheckIn), nullTime(e.CheckOut),
		e.Status.String(), e.Trade, e.Role, now).Scan(&e.ID, &e.Version)
	if err != nil {
		return e, fmt.Errorf("insert entry: %w", err)
	}
	return e, s.enqueue(ctx, tx, e)
}

// saveEntry writes after over before (the same entry, read in tx for
// update): its times, status, trade and role, with a new version, queued
// for the feed. When nothing differs it writes nothing.
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
	return after, s.enqueue(ctx, tx, after)
}

func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, e ledger.Entry) error {
	if _, err := s.exec(ctx, tx, enqueueQuery, e.ID, e.Version, e.WorkDate, e.SiteCode, e.TechnicianID); err != nil {
		return fmt.Errorf("queue entry %d for the export: %w", e.ID, err)
	}
	return nil
}

// resend makes due again the entries the feed's reader holds that where
// selects (heldAtSite or heldAtContractor, with key).
func (s *Store) resend(ctx context.Context, tx *sql.Tx, where, key string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, s.q(resendQuery+where), now, key); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.q(enqueueResentQuery+where+enqueueResentConflictTail), key)
	return err
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

// markBatch is how many entries one round of markExported records: at
// most four parameters each, well under SQLite's 32,766 and PostgreSQL's
// 65,535.
const markBatch = 2000

// feedMark is what an export sent of one entry.
type feedMark struct {
	id   int64
	sent ledger.FeedState
}

// markExported records, in one transaction, what an export sent: each
// entry leaves the queue if its queued version is the one sent (else it
// changed meanwhile and stays due), and export_sent keeps the version
// sent and whether the reader holds the entry, never moving back (a
// slower, older export ending last). Every statement finds its rows by
// primary key; the delete locks the queue rows, so a change committed
// meanwhile is either seen (and put back) or waits and queues again.
func (s *Store) markExported(ctx context.Context, marks []feedMark) error {
	now := s.now().UTC()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for len(marks) > 0 {
			n := min(len(marks), markBatch)
			if err := s.markBatch(ctx, tx, marks[:n], now); err != nil {
				return fmt.Errorf("record exported entries: %w", err)
			}
			marks = marks[n:]
		}
		return nil
	})
}

func (s *Store) markBatch(ctx context.Context, tx *sql.Tx, marks []feedMark, now time.Time) error {
	ids := make([]any, len(marks))
	sent := make(map[int64]int64, len(marks))
	for i, m := range marks {
		ids[i] = m.id
		sent[m.id] = m.sent.Version
	}
	// Take the batch off the queue, and put back what changed since the
	// export read it (rare: a change made during the export).
	rows, err := tx.QueryContext(ctx, s.q(`DELETE FROM export_due WHERE entry_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)
		RETURNING entry_id, version, work_date, site_code, technician_id`), ids...)
	if err != nil {
		return err
	}
	var back []ledger.Entry
	for rows.Next() {
		var e ledger.Entry
		if err := rows.Scan(&e.ID, &e.Version, &e.WorkDate, &e.SiteCode, &e.TechnicianID); err != nil {
			rows.Close()
			return err
		}
		if e.Version != sent[e.ID] {
			back = append(back, e)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range back {
		if err := s.enqueue(ctx, tx, e); err != nil {
			return err
		}
	}
	args := make([]any, 0, 4*len(marks))
	for _, m := range marks {
		args = append(args, m.id, m.sent.Version, m.sent.Held, now)
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO export_sent (entry_id, version, held, sent_at) VALUES (?, ?, ?, ?)`+
		strings.Repeat(", (?, ?, ?, ?)", len(marks)-1)+
		` ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version, held = excluded.held, sent_at = excluded.sent_at
		WHERE export_sent.version <= excluded.version`), args...)
	return err
}
