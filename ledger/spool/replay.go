package spool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dezura/dezura/ledger"
)

// Permanent reports an error after which replaying the same request can
// never succeed: the store rejected it on its merits.
func Permanent(err error) bool {
	for _, s := range []error{ledger.ErrUnknownTechnician, ledger.ErrUnknownSite, ledger.ErrSiteClosed, ledger.ErrInvalid, ErrCorrupt} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// ReplayReport says what a Replay did.
type ReplayReport struct {
	Replayed int     // records the store accepted (or had already)
	Rejected int     // records the store refused for good, moved to RejectedPath
	Corrupt  int     // unreadable lines, moved to RejectedPath as they were
	Left     int     // records still waiting (the store stopped answering)
	Errs     []error // why records were rejected
}

// RejectedPath is where records the store refuses for good are kept for a
// person to look at.
func (s *Spool) RejectedPath() string { return s.path + ".rejected" }

// Replay sends every spooled record to st in the order written. It stops
// at the first error that is not Permanent (the database is still away)
// and keeps that record and the rest. Records st refuses for good go to
// RejectedPath. Then the file holds only what is left; a crash at any
// point replays some records again, which the idempotency keys make
// harmless.
func (s *Spool) Replay(ctx context.Context, st ledger.Store) (ReplayReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep ReplayReport
	if s.f == nil {
		return rep, ErrClosed
	}
	size, err := s.f.Seek(0, io.SeekEnd)
	if err != nil {
		return rep, fmt.Errorf("spool: replay: %w", err)
	}
	recs, bad, err := ReadRecords(io.NewSectionReader(s.f, 0, size))
	if err != nil {
		return rep, err
	}
	var rejected []Record
	rep.Corrupt = len(bad)
	rep.Errs = append(rep.Errs, bad...)
	var stopErr error
	i := 0
	for ; i < len(recs); i++ {
		r := recs[i]
		var err error
		switch r.Kind {
		case "attendance":
			_, err = st.RecordAttendance(ctx, *r.Attendance)
		case "call":
			err = st.RecordCall(ctx, *r.Call)
		}
		if err == nil {
			rep.Replayed++
			continue
		}
		if Permanent(err) {
			rep.Rejected++
			rep.Errs = append(rep.Errs, err)
			rejected = append(rejected, r)
			continue
		}
		stopErr = err
		break
	}
	left := recs[i:]
	rep.Left = len(left)
	if len(rejected) > 0 || len(bad) > 0 {
		if err := s.appendRejected(rejected, len(bad)); err != nil {
			return rep, err
		}
	}
	if err := s.rewrite(left); err != nil {
		return rep, err
	}
	if stopErr != nil {
		return rep, fmt.Errorf("spool: replay stopped with %d record(s) left: %w", len(left), stopErr)
	}
	return rep, nil
}

func (s *Spool) appendRejected(recs []Record, corrupt int) error {
	f, err := os.OpenFile(s.RejectedPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("spool: rejected file: %w", err)
	}
	for _, r := range recs {
		line, err := EncodeRecord(r)
		if err != nil {
			f.Close()
			return err
		}
		if _, err := f.Write(line); err != nil {
			f.Close()
			return fmt.Errorf("spool: rejected file: %w", err)
		}
	}
	if corrupt > 0 {
		fmt.Fprintf(f, "# %d corrupt line(s) dropped from %s\n", corrupt, s.path)
	}
	return errors.Join(f.Sync(), f.Close())
}

// rewrite replaces the file's contents with recs: truncation when none
// are left, else a new file renamed over the old one.
func (s *Spool) rewrite(recs []Record) error {
	if len(recs) == 0 {
		if err := s.f.Truncate(0); err != nil {
			return fmt.Errorf("spool: empty: %w", err)
		}
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("spool: empty: %w", err)
		}
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("spool: empty: %w", err)
		}
		s.n = 0
		return nil
	}
	if len(recs) == s.n {
		return nil // nothing went through; leave the file alone
	}
	tmp := s.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("spool: rewrite: %w", err)
	}
	for _, r := range recs {
		line, err := EncodeRecord(r)
		if err == nil {
			_, err = f.Write(line)
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("spool: rewrite: %w", err)
		}
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("spool: rewrite: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("spool: rewrite: %w", err)
	}
	if err := syncDir(s.path); err != nil {
		return err
	}
	nf, err := os.OpenFile(s.path, os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("spool: reopen: %w", err)
	}
	if _, err := nf.Seek(0, io.SeekEnd); err != nil {
		nf.Close()
		return fmt.Errorf("spool: reopen: %w", err)
	}
	old := s.f
	s.f, s.n = nf, len(recs)
	return old.Close()
}
