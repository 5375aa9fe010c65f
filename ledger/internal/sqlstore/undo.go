package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dezura/dezura/ledger"
)

const eventCols = `id, kind, technician_id, site_code, work_date, at, entry_id, call_id, actor, reason, detail`

func scanEvent(sc interface{ Scan(...any) error }) (ledger.Event, error) {
	var e ledger.Event
	var at sql.NullTime
	var entry sql.NullInt64
	if err := sc.Scan(&e.ID, &e.Kind, &e.TechnicianID, &e.SiteCode, &e.WorkDate, &at, &entry,
		&e.CallID, &e.Actor, &e.Reason, &e.Detail); err != nil {
		return e, err
	}
	e.At, e.EntryID = timeOf(at), entry.Int64
	return e, nil
}

// The queries a call makes read an index and stop: their cost does not grow
// with the technician's years of history or with a busy day
// (plan_test.go checks SQLite's plans).
const (
	// lastSiteQuery walks attendance_events_technician_id backwards from
	// the technician's newest event (migration 4); before that index it
	// sorted every event the technician ever had, on every call.
	lastSiteQuery = `SELECT site_code FROM attendance_events
		WHERE technician_id = ? AND kind IN ('check_in', 'check_out') ORDER BY id DESC LIMIT 1`
	dayEventsQuery = `SELECT ` + eventCols + ` FROM attendance_events
		WHERE technician_id = ? AND work_date = ? ORDER BY id`
)

// LastSite returns the site of the technician's newest check-in or
// check-out; ErrNotFound if none.
func (s *Store) LastSite(ctx context.Context, technicianID string) (ledger.Site, error) {
	var code string
	err := s.row(ctx, nil, lastSiteQuery, technicianID).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Site{}, ledger.NotFound(nil, "technician %s has no check-in or check-out yet", technicianID)
	}
	if err != nil {
		return ledger.Site{}, fmt.Errorf("ledger: last site of %s: %w", technicianID, err)
	}
	return s.site(ctx, nil, code)
}

// DayEvents returns the technician's attendance events of one work date,
// oldest first.
func (s *Store) DayEvents(ctx context.Context, technicianID, workDate string) ([]ledger.Event, error) {
	rows, err := s.rows(ctx, nil, dayEventsQuery, technicianID, workDate)
	if err != nil {
		return nil, fmt.Errorf("ledger: events of %s on %s: %w", technicianID, workDate, err)
	}
	defer rows.Close()
	var out []ledger.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("ledger: events of %s on %s: %w", technicianID, workDate, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: events of %s on %s: %w", technicianID, workDate, err)
	}
	return out, nil
}

// undoDetail marks the event an undo reverses: "undo=<event id>".
const undoDetail = "undo="

// UndoAttendance reverses what check-in or check-out event eventID did to
// its entry, and logs an "undo" event naming it (Detail "undo=<id>"):
//   - an undone check-in cancels the entry;
//   - an undone check-out puts back the check-out of the newest earlier
//     check-out event of the entry that is not undone, or, with none,
//     clears it: the entry is open again (or, with no check-in either,
//     cancelled).
//
// Undoing an event twice, or an event that is not a check-in or
// check-out, gives ErrInvalid; an unknown event ErrNotFound.
func (s *Store) UndoAttendance(ctx context.Context, eventID int64, actor, reason string, at time.Time) (ledger.Entry, error) {
	if strings.TrimSpace(actor) == "" || strings.TrimSpace(reason) == "" {
		return ledger.Entry{}, invalid("undo event %d: say who and why", eventID)
	}
	now := s.now().UTC()
	if at.IsZero() {
		at = now
	}
	var e ledger.Entry
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ev, err := scanEvent(tx.QueryRowContext(ctx, s.q(`SELECT `+eventCols+` FROM attendance_events WHERE id = ?`), eventID))
		if errors.Is(err, sql.ErrNoRows) {
			return ledger.NotFound(nil, "attendance event %d does not exist", eventID)
		}
		if err != nil {
			return err
		}
		if ev.Kind != ledger.ActionCheckIn.String() && ev.Kind != ledger.ActionCheckOut.String() {
			return invalid("event %d is a %s, not a check-in or check-out", eventID, ev.Kind)
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM attendance_events WHERE kind = 'undo' AND detail = ?`),
			undoDetail+strconv.FormatInt(eventID, 10)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return invalid("event %d is already undone", eventID)
		}
		before, err := scanEntry(tx.QueryRowContext(ctx, s.q(`SELECT `+entryCols+` FROM work_entries WHERE id = ?`+s.d.ForUpdate), ev.EntryID))
		if err != nil {
			return fmt.Errorf("entry %d: %w", ev.EntryID, err)
		}
		e = before
		if ev.Kind == ledger.ActionCheckIn.String() {
			e.Status = ledger.EntryStatusCancelled
		} else {
			prev, err := s.previousCheckOut(ctx, tx, e.ID, eventID)
			if err != nil {
				return err
			}
			e.CheckOut = prev
			switch {
			case e.CheckIn.IsZero() && prev.IsZero():
				e.Status = ledger.EntryStatusCancelled
			case prev.IsZero() && e.Status == ledger.EntryStatusClosed:
				e.Status = ledger.EntryStatusOpen // a needs_review entry stays for the contractor
			}
		}
		if e, err = s.saveEntry(ctx, tx, before, e, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO attendance_events
			(kind, technician_id, site_code, work_date, at, entry_id, call_id, idempotency_key, actor, reason, detail, recorded_at)
			VALUES ('undo', ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)`),
			e.TechnicianID, e.SiteCode, e.WorkDate, at.UTC(), e.ID, ev.CallID, actor, reason,
			undoDetail+strconv.FormatInt(eventID, 10), now)
		return err
	})
	if errors.Is(err, ledger.ErrNotFound) {
		return ledger.Entry{}, err // says which event already
	}
	if err != nil {
		return ledger.Entry{}, fmt.Errorf("undo event %d: %w", eventID, err)
	}
	return e, nil
}

// previousCheckOut is the time of the newest check-out event of the entry
// before event before that has not been undone; zero if none.
func (s *Store) previousCheckOut(ctx context.Context, tx *sql.Tx, entryID, before int64) (time.Time, error) {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT id, at FROM attendance_events
		WHERE entry_id = ? AND kind = 'check_out' AND id < ? ORDER BY id DESC`), entryID, before)
	if err != nil {
		return time.Time{}, err
	}
	type co struct {
		id int64
		at time.Time
	}
	var cands []co
	for rows.Next() {
		var c co
		var at sql.NullTime
		if err := rows.Scan(&c.id, &at); err != nil {
			rows.Close()
			return time.Time{}, err
		}
		c.at = timeOf(at)
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return time.Time{}, err
	}
	for _, c := range cands {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM attendance_events WHERE kind = 'undo' AND detail = ?`),
			undoDetail+strconv.FormatInt(c.id, 10)).Scan(&n); err != nil {
			return time.Time{}, err
		}
		if n == 0 {
			return c.at.UTC(), nil
		}
	}
	return time.Time{}, nil
}

var _ ledger.FlowStore = (*Store)(nil)
