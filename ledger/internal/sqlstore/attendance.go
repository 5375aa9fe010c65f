package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dezura/dezura/ledger"
)

const entryCols = `id, work_date, technician_id, site_code, check_in, check_out, status, trade, role, version`

func scanEntry(sc interface{ Scan(...any) error }) (ledger.Entry, error) {
	var e ledger.Entry
	var in, out sql.NullTime
	var status string
	if err := sc.Scan(&e.ID, &e.WorkDate, &e.TechnicianID, &e.SiteCode, &in, &out, &status, &e.Trade, &e.Role, &e.Version); err != nil {
		return e, err
	}
	e.CheckIn, e.CheckOut = timeOf(in), timeOf(out)
	var err error
	if e.Status, err = ledger.ParseEntryStatus(status); err != nil {
		return e, err
	}
	return e, nil
}

// RecordAttendance writes one check-in or check-out: the event in the
// append-only log and the derived entry, in one transaction, committed
// (and so durable: SQLite runs with synchronous=FULL) before it returns.
//
//   - check-in: a new open entry for (technician, site, work date); if one
//     exists already, AlreadyRegistered and nothing is written (a
//     cancelled one is reopened with the new check-in time).
//   - check-out: closes that work date's open entry at the site, else the
//     previous work date's (a night shift ending after midnight), else
//     updates the check-out time of that date's entry if it has one, else
//     records an entry with only a check-out, status needs_review.
//   - a request whose IdempotencyKey was seen before returns the entry that
//     request made, as it is now, and writes nothing.
func (s *Store) RecordAttendance(ctx context.Context, req ledger.AttendanceRequest) (ledger.AttendanceResult, error) {
	if req.Action != ledger.ActionCheckIn && req.Action != ledger.ActionCheckOut {
		return ledger.AttendanceResult{}, invalid("record attendance: action %v is neither a check-in nor a check-out", req.Action)
	}
	if req.At.IsZero() {
		return ledger.AttendanceResult{}, invalid("record attendance: no time")
	}
	var res ledger.AttendanceResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = s.recordTx(ctx, tx, req)
		return err
	})
	if err != nil {
		return ledger.AttendanceResult{}, fmt.Errorf("record %v for %s at site %s: %w", req.Action, req.TechnicianID, req.SiteCode, err)
	}
	return res, nil
}

func (s *Store) recordTx(ctx context.Context, tx *sql.Tx, req ledger.AttendanceRequest) (ledger.AttendanceResult, error) {
	var res ledger.AttendanceResult
	if req.IdempotencyKey != "" {
		res, found, err := s.replayed(ctx, tx, req)
		if err != nil || found {
			return res, err
		}
	}
	tech, err := s.technician(ctx, tx, req.TechnicianID)
	if err != nil {
		return res, err
	}
	if tech.Disabled {
		return res, ledger.NewError(ledger.ErrUnknownTechnician, "technician %s is disabled", tech.ID)
	}
	st, err := s.site(ctx, tx, req.SiteCode)
	if err != nil {
		return res, err
	}
	wd := ledger.WorkDate(req.At)
	if err := siteOpen(st, wd); err != nil {
		return res, err
	}
	at := req.At.UTC()
	now := s.now().UTC()

	today, found, err := s.entryFor(ctx, tx, req.TechnicianID, req.SiteCode, wd)
	if err != nil {
		return res, err
	}
	var e ledger.Entry
	switch req.Action {
	case ledger.ActionCheckIn:
		if found && today.Status == ledger.EntryStatusCancelled {
			// The contractor cancelled that day's entry; a new call
			// registers the day afresh.
			reopened := today
			reopened.CheckIn, reopened.CheckOut, reopened.Status = at, time.Time{}, ledger.EntryStatusOpen
			as, err := s.assignment(ctx, tx, req.SiteCode, req.TechnicianID)
			if err != nil {
				return res, err
			}
			if as.missing() {
				reopened.Status, res.NotAssigned = ledger.EntryStatusNeedsReview, true
			}
			if e, err = s.saveEntry(ctx, tx, today, reopened, now); err != nil {
				return res, fmt.Errorf("reopen cancelled entry %d: %w", today.ID, err)
			}
			break
		}
		if found {
			// A concurrent request with the same key may have made this
			// entry while we waited for its lock: then this is a replay.
			if req.IdempotencyKey != "" {
				res, replay, err := s.replayed(ctx, tx, req)
				if err != nil || replay {
					return res, err
				}
			}
			return ledger.AttendanceResult{Entry: today, AlreadyRegistered: true}, nil
		}
		if e, res.NotAssigned, err = s.insertCheckIn(ctx, tx, wd, req, at, now); err != nil {
			return res, err
		}
	case ledger.ActionCheckOut:
		if e, err = s.checkOut(ctx, tx, req, wd, today, found, at, now); err != nil {
			return res, err
		}
	}
	if res.EventID, err = s.appendEvent(ctx, tx, req, wd, e.ID, now); err != nil {
		return res, err
	}
	res.Entry = e
	return res, nil
}

// appendEvent writes req to the attendance log, for entry entryID.
func (s *Store) appendEvent(ctx context.Context, tx *sql.Tx, req ledger.AttendanceRequest, wd string, entryID int64, now time.Time) (int64, error) {
	actor := req.EnteredBy
	if actor == "" {
		actor = "phone"
	}
	var id int64
	err := s.row(ctx, tx, insertEventQuery,
		req.Action.String(), req.TechnicianID, req.SiteCode, wd, req.At.UTC(), entryID, req.CallID,
		nullString(req.IdempotencyKey), actor, "", now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("append event: %w", err)
	}
	return id, nil
}

// siteOpen says why site st takes no attendance on work date wd, nil if
// it does.
func siteOpen(st ledger.Site, wd string) error {
	if st.Disabled {
		return ledger.NewError(ledger.ErrSiteClosed, "site %s is disabled", st.Code)
	}
	if d := dateOf(st.OpensOn); d != "" && wd < d {
		return ledger.NewError(ledger.ErrSiteClosed, "site %s opens on %s, after the work date %s", st.Code, d, wd)
	}
	if d := dateOf(st.ClosesOn); d != "" && wd > d {
		return ledger.NewError(ledger.ErrSiteClosed, "site %s closed on %s, before the work date %s", st.Code, d, wd)
	}
	return nil
}

// checkOut records a check-out at time at on work date wd (today is that
// date's entry, if found): it closes that day's open entry; a second
// check-out the same day moves the time if later; else it closes the
// previous day's open entry (a night shift ending after midnight); else
// it makes an entry with only a check-out, for review.
func (s *Store) checkOut(ctx context.Context, tx *sql.Tx, req ledger.AttendanceRequest, wd string, today ledger.Entry, found bool, at, now time.Time) (ledger.Entry, error) {
	switch {
	case found && today.Status == ledger.EntryStatusOpen:
		return s.closeEntry(ctx, tx, today, at, ledger.EntryStatusClosed, now)
	case found:
		// The later check-out counts (and the export feed sends the
		// entry again if it had it).
		out := today.CheckOut
		if at.After(out) {
			out = at
		}
		return s.closeEntry(ctx, tx, today, out, today.Status, now)
	}
	prevDate, err := ledger.PreviousWorkDate(wd)
	if err != nil {
		return ledger.Entry{}, err
	}
	prev, pfound, err := s.entryFor(ctx, tx, req.TechnicianID, req.SiteCode, prevDate)
	if err != nil {
		return ledger.Entry{}, err
	}
	if pfound && prev.Status == ledger.EntryStatusOpen {
		return s.closeEntry(ctx, tx, prev, at, ledger.EntryStatusClosed, now)
	}
	return s.insertAttendanceEntry(ctx, tx, wd, req, time.Time{}, at, ledger.EntryStatusNeedsReview, now)
}

// replayed returns the result of the request with req's idempotency key
// that was recorded before, if any: the entry as it is now and the event.
func (s *Store) replayed(ctx context.Context, tx *sql.Tx, req ledger.AttendanceRequest) (ledger.AttendanceResult, bool, error) {
	var res ledger.AttendanceResult
	var entryID sql.NullInt64
	var kind string
	err := s.row(ctx, tx, replayedQuery,
		req.IdempotencyKey).Scan(&res.EventID, &entryID, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return res, false, nil
	}
	if err != nil {
		return res, false, err
	}
	e, err := scanEntry(tx.QueryRowContext(ctx, s.q(`SELECT `+entryCols+` FROM work_entries WHERE id = ?`), entryID.Int64))
	if err != nil {
		return res, false, fmt.Errorf("entry of replayed request %s: %w", req.IdempotencyKey, err)
	}
	res.Entry = e
	if kind == ledger.ActionCheckIn.String() {
		as, err := s.assignment(ctx, tx, e.SiteCode, e.TechnicianID)
		if err != nil {
			return res, false, err
		}
		res.NotAssigned = as.missing()
	}
	return res, true, nil
}

// siteAssignment is what the assignments (施工体制) of a site say about
// one technician.
type siteAssignment struct {
	trade, role string
	assigned    bool // the technician has an enabled assignment at the site
	siteHasAny  bool // the site has at least one enabled assignment
}

// missing: the site keeps assignments and the technician has none. A site
// with no assignments at all takes everyone (a contractor who does not
// keep 施工体制 in dezura is not flooded with reviews).
func (a siteAssignment) missing() bool { return a.siteHasAny && !a.assigned }

const (
	assignmentQuery = `SELECT trade, role FROM assignments
		WHERE site_code = ? AND technician_id = ? AND disabled = FALSE`
	// EXISTS stops at the first row; COUNT(*) read every assignment of
	// the site on every check-in of a technician not assigned to it.
	siteHasAssignmentsQuery = `SELECT EXISTS (SELECT 1 FROM assignments WHERE site_code = ? AND disabled = FALSE)`
	entryForQuery           = `SELECT ` + entryCols + ` FROM work_entries
		WHERE technician_id = ? AND site_code = ? AND work_date = ?`
	replayedQuery    = `SELECT id, entry_id, kind FROM attendance_events WHERE idempotency_key = ?`
	insertEventQuery = `INSERT INTO attendance_events
		(kind, technician_id, site_code, work_date, at, entry_id, call_id, idempotency_key, actor, reason, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
)

func (s *Store) assignment(ctx context.Context, tx *sql.Tx, siteCode, techID string) (siteAssignment, error) {
	var a siteAssignment
	err := s.row(ctx, tx, assignmentQuery, siteCode, techID).Scan(&a.trade, &a.role)
	switch {
	case err == nil:
		a.assigned, a.siteHasAny = true, true
		return a, nil
	case !errors.Is(err, sql.ErrNoRows):
		return a, fmt.Errorf("assignment: %w", err)
	}
	if err := s.row(ctx, tx, siteHasAssignmentsQuery, siteCode).Scan(&a.siteHasAny); err != nil {
		return a, fmt.Errorf("assignments of site %s: %w", siteCode, err)
	}
	return a, nil
}

// insertCheckIn makes the day's entry for a check-in: open, or needs
// review when the technician is not assigned to the site.
func (s *Store) insertCheckIn(ctx context.Context, tx *sql.Tx, wd string, req ledger.AttendanceRequest, at, now time.Time) (ledger.Entry, bool, error) {
	as, err := s.assignment(ctx, tx, req.SiteCode, req.TechnicianID)
	if err != nil {
		return ledger.Entry{}, false, err
	}
	status := ledger.EntryStatusOpen
	if as.missing() {
		status = ledger.EntryStatusNeedsReview
	}
	e, err := s.insertAttendanceEntry(ctx, tx, wd, req, at, time.Time{}, status, now)
	return e, as.missing(), err
}

func (s *Store) entryFor(ctx context.Context, tx *sql.Tx, tech, site, wd string) (ledger.Entry, bool, error) {
	e, err := scanEntry(s.row(ctx, tx, entryForQuery+s.d.ForUpdate, tech, site, wd))
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, fmt.Errorf("entry of %s: %w", wd, err)
	}
	return e, true, nil
}

// insertAttendanceEntry records the entry a request makes, with the
// trade and role of the technician's assignment at the site.
func (s *Store) insertAttendanceEntry(ctx context.Context, tx *sql.Tx, wd string, req ledger.AttendanceRequest, in, out time.Time, status ledger.EntryStatus, now time.Time) (ledger.Entry, error) {
	e := ledger.Entry{WorkDate: wd, TechnicianID: req.TechnicianID, SiteCode: req.SiteCode, CheckIn: utcOrZero(in), CheckOut: utcOrZero(out), Status: status}
	err := s.row(ctx, tx, assignmentQuery, req.SiteCode, req.TechnicianID).Scan(&e.Trade, &e.Role)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("assignment: %w", err)
	}
	return s.insertEntry(ctx, tx, e, now)
}

func (s *Store) closeEntry(ctx context.Context, tx *sql.Tx, e ledger.Entry, out time.Time, status ledger.EntryStatus, now time.Time) (ledger.Entry, error) {
	closed := e
	closed.CheckOut, closed.Status = out, status
	saved, err := s.saveEntry(ctx, tx, e, closed, now)
	if err != nil {
		return e, fmt.Errorf("close entry %d: %w", e.ID, err)
	}
	return saved, nil
}
