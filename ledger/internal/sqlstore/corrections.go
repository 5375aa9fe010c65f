package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/audit"
)

// Entry returns one entry by ID.
func (s *Store) Entry(ctx context.Context, id int64) (ledger.Entry, error) {
	e, err := scanEntry(s.db.QueryRowContext(ctx, s.q(`SELECT `+entryCols+` FROM work_entries WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, ledger.UnknownEntry(id)
	}
	if err != nil {
		return e, fmt.Errorf("look up entry %d: %w", id, err)
	}
	return e, nil
}

// EntryEvents returns the attendance log of one entry, oldest first.
func (s *Store) EntryEvents(ctx context.Context, entryID int64) ([]ledger.Event, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, kind, technician_id, site_code, work_date, at, entry_id,
		call_id, actor, reason, detail FROM attendance_events WHERE entry_id = ? ORDER BY id`), entryID)
	if err != nil {
		return nil, fmt.Errorf("ledger: events of entry %d: %w", entryID, err)
	}
	defer rows.Close()
	var out []ledger.Event
	for rows.Next() {
		var e ledger.Event
		var at sql.NullTime
		var entry sql.NullInt64
		if err := rows.Scan(&e.ID, &e.Kind, &e.TechnicianID, &e.SiteCode, &e.WorkDate, &at, &entry,
			&e.CallID, &e.Actor, &e.Reason, &e.Detail); err != nil {
			return nil, fmt.Errorf("ledger: events of entry %d: %w", entryID, err)
		}
		e.At, e.EntryID = timeOf(at), entry.Int64
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: events of entry %d: %w", entryID, err)
	}
	return out, nil
}

// CorrectEntry sets an entry's times as the contractor says, logging who
// and why. The export feed sends the entry again (saveEntry).
func (s *Store) CorrectEntry(ctx context.Context, c ledger.Correction) (ledger.Entry, error) {
	if strings.TrimSpace(c.Actor) == "" || strings.TrimSpace(c.Reason) == "" {
		return ledger.Entry{}, invalid("correct entry %d: say who and why", c.EntryID)
	}
	if c.CheckIn.IsZero() && c.CheckOut.IsZero() {
		return ledger.Entry{}, invalid("correct entry %d: give a check-in or check-out time", c.EntryID)
	}
	return s.changeEntry(ctx, c.EntryID, c.At, func(e *ledger.Entry) (string, string, error) {
		if e.Status == ledger.EntryStatusCancelled {
			return "", "", invalid("entry %d is cancelled", e.ID)
		}
		if !c.CheckIn.IsZero() {
			e.CheckIn = c.CheckIn.UTC()
		}
		if !c.CheckOut.IsZero() {
			e.CheckOut = c.CheckOut.UTC()
		}
		if !e.CheckIn.IsZero() && !e.CheckOut.IsZero() && e.CheckOut.Before(e.CheckIn) {
			return "", "", invalid("entry %d: check-out %s before check-in %s", e.ID,
				e.CheckOut.In(ledger.Tokyo).Format(time.DateTime), e.CheckIn.In(ledger.Tokyo).Format(time.DateTime))
		}
		if !e.CheckIn.IsZero() && ledger.WorkDate(e.CheckIn) != e.WorkDate {
			return "", "", invalid("entry %d: check-in %s is not on work date %s", e.ID,
				e.CheckIn.In(ledger.Tokyo).Format(time.DateTime), e.WorkDate)
		}
		e.Status = ledger.EntryStatusNeedsReview
		if !e.CheckIn.IsZero() && !e.CheckOut.IsZero() {
			e.Status = ledger.EntryStatusClosed
		}
		detail := fmt.Sprintf("check_in=%s check_out=%s", fmtTime(e.CheckIn), fmtTime(e.CheckOut))
		return "correction", detail, nil
	}, c.Actor, c.Reason)
}

// CancelEntry marks an entry cancelled, logging who and why.
func (s *Store) CancelEntry(ctx context.Context, entryID int64, actor, reason string, at time.Time) (ledger.Entry, error) {
	if strings.TrimSpace(actor) == "" || strings.TrimSpace(reason) == "" {
		return ledger.Entry{}, invalid("cancel entry %d: say who and why", entryID)
	}
	return s.changeEntry(ctx, entryID, at, func(e *ledger.Entry) (string, string, error) {
		if e.Status == ledger.EntryStatusCancelled {
			return "", "", invalid("entry %d is already cancelled", e.ID)
		}
		e.Status = ledger.EntryStatusCancelled
		return "cancel", "", nil
	}, actor, reason)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(ledger.Tokyo).Format(time.RFC3339)
}

// changeEntry loads an entry for update, applies change, and writes the
// entry and its event in one transaction.
func (s *Store) changeEntry(ctx context.Context, id int64, at time.Time, change func(*ledger.Entry) (kind, detail string, err error), actor, reason string) (ledger.Entry, error) {
	now := s.now().UTC()
	if at.IsZero() {
		at = now
	}
	var e ledger.Entry
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		before, err := scanEntry(tx.QueryRowContext(ctx, s.q(`SELECT `+entryCols+` FROM work_entries WHERE id = ?`+s.d.ForUpdate), id))
		if errors.Is(err, sql.ErrNoRows) {
			return ledger.UnknownEntry(id)
		}
		if err != nil {
			return err
		}
		e = before
		kind, detail, err := change(&e)
		if err != nil {
			return err
		}
		if e, err = s.saveEntry(ctx, tx, before, e, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO attendance_events
			(kind, technician_id, site_code, work_date, at, entry_id, call_id, idempotency_key, actor, reason, detail, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, '', NULL, ?, ?, ?, ?)`),
			kind, e.TechnicianID, e.SiteCode, e.WorkDate, at.UTC(), e.ID, actor, reason, detail, now)
		if err != nil {
			return err
		}
		return s.auditEntry(ctx, tx, "entry."+kind, e, entryRecord(before), reason)
	})
	if errors.Is(err, ledger.ErrNotFound) {
		return ledger.Entry{}, err // says which entry already
	}
	if err != nil {
		return ledger.Entry{}, fmt.Errorf("change entry %d: %w", id, err)
	}
	return e, nil
}

// SiteByDID returns the site whose called number is e164 (any form
// NormalizePhone takes); ErrNotFound if none.
func (s *Store) SiteByDID(ctx context.Context, number string) (ledger.Site, error) {
	did, err := ledger.NormalizePhone(number)
	if err != nil {
		return ledger.Site{}, fmt.Errorf("site by number: %w", err)
	}
	st, err := scanSite(s.db.QueryRowContext(ctx, s.q(`SELECT `+siteCols+` FROM sites WHERE did = ?`), did))
	if errors.Is(err, sql.ErrNoRows) {
		return st, ledger.NotFound(ledger.ErrUnknownSite, "no site has the number %s (give a site its number with: dezura site add --did)", did)
	}
	if err != nil {
		return st, fmt.Errorf("look up the site of number %s: %w", did, err)
	}
	return st, nil
}

// entryRecord is an entry as the audit log keeps it.
func entryRecord(e ledger.Entry) map[string]any {
	return map[string]any{"id": e.ID, "work_date": e.WorkDate, "technician_id": e.TechnicianID, "site_code": e.SiteCode,
		"check_in": fmtTime(e.CheckIn), "check_out": fmtTime(e.CheckOut), "status": e.Status.String()}
}

// auditEntry records an office's change to entry e (before: its record
// before the change) with the reason given, under the site's contractor.
func (s *Store) auditEntry(ctx context.Context, tx *sql.Tx, action string, e ledger.Entry, before map[string]any, reason string) error {
	var contractor sql.NullString
	if err := tx.QueryRowContext(ctx, s.q(`SELECT contractor_id FROM sites WHERE code = ?`), e.SiteCode).Scan(&contractor); err != nil {
		return err
	}
	after := entryRecord(e)
	after["reason"] = reason
	return s.audit(ctx, tx, audit.Record{Action: action, Object: fmt.Sprintf("entry:%d", e.ID), ContractorID: contractor.String,
		Before: before, After: after})
}
