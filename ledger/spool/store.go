package spool

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dezura/dezura/ledger"
)

// Database is what the spool wraps: the call path of the ledger and the
// directory lists that fill the cache. ledger.DB is one.
type Database interface {
	ledger.Store
	ledger.FlowStore
	Technicians(ctx context.Context, contractorID string) ([]ledger.Technician, error)
	Phones(ctx context.Context) ([]ledger.Phone, error)
	Sites(ctx context.Context, contractorID string) ([]ledger.Site, error)
}

// Store wraps a Database so that the IVR keeps confirming attendance
// while the database does not answer: lookups fall back to a cache of
// what the database last said, and RecordAttendance and RecordCall go to
// the spool. While records wait in the spool, new ones queue behind them
// so they reach the database in the order callers made them. It has the
// whole call path (ledger.Store and ledger.FlowStore), checked by the
// compiler, so the call flows lose no step behind it.
type Store struct {
	inner   Database
	sp      *Spool
	timeout time.Duration
	log     *slog.Logger
	now     func() time.Time

	mu      sync.RWMutex
	byPhone map[string]ledger.Technician
	techs   map[string]ledger.Technician
	sites   map[string]ledger.Site
}

var _ ledger.Store = (*Store)(nil)

// Options tune a Store.
type Options struct {
	// Timeout bounds each call to the database before falling back to the
	// spool (default 3 s).
	Timeout time.Duration
	Logger  *slog.Logger     // default: discard
	Now     func() time.Time // stamps records; default time.Now
}

// New wraps inner with the spool sp. The Store owns both and closes them.
func New(inner Database, sp *Spool, o Options) *Store {
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{inner: inner, sp: sp, timeout: o.Timeout, log: o.Logger, now: o.Now,
		byPhone: map[string]ledger.Technician{}, techs: map[string]ledger.Technician{}, sites: map[string]ledger.Site{}}
}

// Spool returns the spool.
func (s *Store) Spool() *Spool { return s.sp }

// Warm loads every technician, phone and site into the cache, so that
// callers the service has not heard from since it started are still
// recognised while the database is away.
func (s *Store) Warm(ctx context.Context) error {
	adm := s.inner
	ts, err := adm.Technicians(ctx, "")
	if err != nil {
		return fmt.Errorf("spool: warm: %w", err)
	}
	ps, err := adm.Phones(ctx)
	if err != nil {
		return fmt.Errorf("spool: warm: %w", err)
	}
	ss, err := adm.Sites(ctx, "")
	if err != nil {
		return fmt.Errorf("spool: warm: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range ts {
		s.techs[t.ID] = t
	}
	for _, p := range ps {
		if t, ok := s.techs[p.TechnicianID]; ok && !p.Disabled {
			s.byPhone[p.E164] = t
		}
	}
	for _, st := range ss {
		s.sites[st.Code] = st
	}
	return nil
}

// answered reports whether err is the database's answer (not found,
// rejected, the caller gone) rather than its absence.
func answered(ctx context.Context, err error) bool {
	return ctx.Err() != nil || Permanent(err) || errors.Is(err, ledger.ErrNotFound) || errors.Is(err, ledger.ErrExists)
}

// TechnicianByPhone asks the database, else the cache.
func (s *Store) TechnicianByPhone(ctx context.Context, e164 string) (ledger.Technician, error) {
	c, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	t, err := s.inner.TechnicianByPhone(c, e164)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err == nil:
		s.byPhone[e164] = t
		s.techs[t.ID] = t
		return t, nil
	case answered(ctx, err):
		if errors.Is(err, ledger.ErrNotFound) {
			delete(s.byPhone, e164)
		}
		return t, err
	}
	if t, ok := s.byPhone[e164]; ok {
		return t, nil
	}
	return t, errors.Join(ErrNotCached, err)
}

// Technician asks the database, else the cache.
func (s *Store) Technician(ctx context.Context, id string) (ledger.Technician, error) {
	c, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	t, err := s.inner.Technician(c, id)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err == nil:
		s.techs[id] = t
		return t, nil
	case answered(ctx, err):
		if errors.Is(err, ledger.ErrNotFound) {
			delete(s.techs, id)
		}
		return t, err
	}
	if t, ok := s.techs[id]; ok {
		return t, nil
	}
	return t, errors.Join(ErrNotCached, err)
}

// SiteByCode asks the database, else the cache.
func (s *Store) SiteByCode(ctx context.Context, code string) (ledger.Site, error) {
	c, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	st, err := s.inner.SiteByCode(c, code)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err == nil:
		s.sites[code] = st
		return st, nil
	case answered(ctx, err):
		if errors.Is(err, ledger.ErrNotFound) {
			delete(s.sites, code)
		}
		return st, err
	}
	if st, ok := s.sites[code]; ok {
		return st, nil
	}
	return st, errors.Join(ErrNotCached, err)
}

// RecordAttendance records through the database, or, when it does not
// answer (or records are already waiting), appends the request to the
// spool and returns a result with Spooled set once the spool is fsync'd.
// A request without an IdempotencyKey gets one.
func (s *Store) RecordAttendance(ctx context.Context, req ledger.AttendanceRequest) (ledger.AttendanceResult, error) {
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = newKey()
	}
	var dbErr error
	if s.sp.Len() == 0 {
		c, cancel := context.WithTimeout(ctx, s.timeout)
		res, err := s.inner.RecordAttendance(c, req)
		cancel()
		if err == nil || answered(ctx, err) {
			return res, err
		}
		dbErr = err
	}
	if err := s.checkCached(req); err != nil {
		return ledger.AttendanceResult{}, errors.Join(err, dbErr)
	}
	if err := s.sp.Append(Record{Kind: "attendance", Attendance: &req, SpooledAt: s.now().UTC()}); err != nil {
		return ledger.AttendanceResult{}, fmt.Errorf("spool: record %v for %s: %w", req.Action, req.TechnicianID, errors.Join(err, dbErr))
	}
	s.log.Warn("attendance spooled", "call_id", req.CallID, "site", req.SiteCode, "action", req.Action.String(), "db_error", errString(dbErr))
	e := ledger.Entry{WorkDate: ledger.WorkDate(req.At), TechnicianID: req.TechnicianID, SiteCode: req.SiteCode}
	if req.Action == ledger.ActionCheckIn {
		e.CheckIn, e.Status = req.At, ledger.EntryStatusOpen
	} else {
		e.CheckOut, e.Status = req.At, ledger.EntryStatusClosed
	}
	return ledger.AttendanceResult{Entry: e, Spooled: true}, nil
}

// checkCached applies the store's rules to what the cache knows, so the
// spool never confirms what the database would refuse.
func (s *Store) checkCached(req ledger.AttendanceRequest) error {
	if req.Action != ledger.ActionCheckIn && req.Action != ledger.ActionCheckOut {
		return ledger.Invalid("action %v is neither a check-in nor a check-out", req.Action)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.techs[req.TechnicianID]
	if !ok {
		return fmt.Errorf("technician %s: %w", req.TechnicianID, ErrNotCached)
	}
	if t.Disabled {
		return ledger.NewError(ledger.ErrUnknownTechnician, "technician %s is disabled", t.ID)
	}
	st, ok := s.sites[req.SiteCode]
	if !ok {
		return fmt.Errorf("site %s: %w", req.SiteCode, ErrNotCached)
	}
	wd := ledger.WorkDate(req.At)
	if st.Disabled || (!st.OpensOn.IsZero() && wd < ledger.WorkDate(st.OpensOn)) || (!st.ClosesOn.IsZero() && wd > ledger.WorkDate(st.ClosesOn)) {
		return ledger.NewError(ledger.ErrSiteClosed, "site %s takes no entries on %s", st.Code, wd)
	}
	return nil
}

// RecordCall records through the database, or the spool when it does not answer.
func (s *Store) RecordCall(ctx context.Context, rec ledger.CallRecord) error {
	var dbErr error
	if s.sp.Len() == 0 {
		c, cancel := context.WithTimeout(ctx, s.timeout)
		err := s.inner.RecordCall(c, rec)
		cancel()
		if err == nil || Permanent(err) {
			return err
		}
		dbErr = err
	}
	if rec.CallID == "" {
		return ledger.Invalid("record call: no call ID")
	}
	if err := s.sp.Append(Record{Kind: "call", Call: &rec, SpooledAt: s.now().UTC()}); err != nil {
		return fmt.Errorf("spool: record call %s: %w", rec.CallID, errors.Join(err, dbErr))
	}
	return nil
}

// Replay sends the spool to the database now, each record bounded by the
// Store's timeout.
func (s *Store) Replay(ctx context.Context) (ReplayReport, error) {
	return s.sp.Replay(ctx, timeoutStore{s.inner, s.timeout})
}

// timeoutStore bounds each write, so a database that stops answering
// mid-replay holds the spool (and callers queueing behind it) briefly.
type timeoutStore struct {
	ledger.Store
	d time.Duration
}

func (t timeoutStore) RecordAttendance(ctx context.Context, req ledger.AttendanceRequest) (ledger.AttendanceResult, error) {
	c, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	return t.Store.RecordAttendance(c, req)
}

func (t timeoutStore) RecordCall(ctx context.Context, rec ledger.CallRecord) error {
	c, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	return t.Store.RecordCall(c, rec)
}

// Run replays the spool every interval until ctx ends; it returns nil
// then. The caller owns the goroutine that runs it.
func (s *Store) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if s.sp.Len() > 0 {
			rep, err := s.Replay(ctx)
			if rep.Replayed+rep.Rejected > 0 || err != nil {
				s.log.Info("spool replayed", "replayed", rep.Replayed, "rejected", rep.Rejected, "left", rep.Left, "error", errString(err))
			}
		}
		t.Reset(every)
	}
}

// Close closes the spool and the database.
func (s *Store) Close() error {
	return errors.Join(s.sp.Close(), s.inner.Close())
}

func newKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "spool-" + hex.EncodeToString(b)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// OpenStore is the usual wiring: it opens the spool at path, fills the
// directory cache from inner, and replays what a previous run left in the
// spool. A database that does not answer the replay is not an error (the
// records wait for Run); the Store owns inner from here on.
func OpenStore(ctx context.Context, inner Database, path string, o Options) (*Store, ReplayReport, error) {
	sp, err := Open(path)
	if err != nil {
		return nil, ReplayReport{}, err
	}
	s := New(inner, sp, o)
	if err := s.Warm(ctx); err != nil {
		sp.Close()
		return nil, ReplayReport{}, err
	}
	var rep ReplayReport
	if sp.Len() > 0 {
		rep, err = s.Replay(ctx)
		if err != nil {
			s.log.Warn("spool: records left from the last run wait for the database", "left", rep.Left, "error", err.Error())
		}
	}
	return s, rep, nil
}
