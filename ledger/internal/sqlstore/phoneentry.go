package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dezura/dezura/ledger"
)

// PhoneEntry says whether the technician has a security code and whether
// phone entry is locked at time at.
func (s *Store) PhoneEntry(ctx context.Context, technicianID string, at time.Time) (ledger.PhoneEntryState, error) {
	var st ledger.PhoneEntryState
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		st, _, err = s.phoneEntryTx(ctx, tx, technicianID, at)
		return err
	})
	if errors.Is(err, ledger.ErrNotFound) {
		return st, err // says which technician already
	}
	if err != nil {
		return st, fmt.Errorf("phone entry of %s: %w", technicianID, err)
	}
	return st, nil
}

const (
	codeLockQuery = `SELECT locked_until FROM code_attempts
		WHERE technician_id = ? AND locked_until IS NOT NULL ORDER BY id DESC LIMIT 1`
	codeAttemptsQuery = `SELECT at, ok FROM code_attempts
		WHERE technician_id = ? ORDER BY id DESC LIMIT ?`
)

// phoneEntryTx reads the technician's code hash and attempt history.
func (s *Store) phoneEntryTx(ctx context.Context, tx *sql.Tx, technicianID string, at time.Time) (ledger.PhoneEntryState, string, error) {
	var st ledger.PhoneEntryState
	var hash string
	err := tx.QueryRowContext(ctx, s.q(`SELECT security_code_hash FROM technicians WHERE id = ?`+s.d.ForUpdate), technicianID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return st, "", ledger.UnknownTechnician(technicianID)
	}
	if err != nil {
		return st, "", err
	}
	st.HasCode = hash != ""
	// Failures count back from the newest attempt to the last right code,
	// and only within the lockout: an old mistake does not count forever.
	var until sql.NullTime
	err = s.row(ctx, tx, codeLockQuery, technicianID).Scan(&until)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, "", err
	}
	if until.Valid && until.Time.After(at) {
		st.LockedUntil = until.Time
	}
	rows, err := s.rows(ctx, tx, codeAttemptsQuery, technicianID, ledger.PhoneEntryMaxFailures)
	if err != nil {
		return st, "", err
	}
	defer rows.Close()
	since := at.Add(-ledger.PhoneEntryLockout)
	counting := true
	for rows.Next() {
		var when time.Time
		var ok bool
		if err := rows.Scan(&when, &ok); err != nil {
			return st, "", err
		}
		if ok || !when.After(since) {
			counting = false
		}
		if counting {
			st.Failures++
		}
	}
	if err := rows.Err(); err != nil {
		return st, "", err
	}
	return st, hash, nil
}

// VerifySecurityCode checks a keyed code against the stored hash and
// records the attempt (never the code). While phone entry is locked
// every attempt fails without being compared.
func (s *Store) VerifySecurityCode(ctx context.Context, a ledger.CodeAttempt) (ledger.CodeCheck, error) {
	if a.At.IsZero() {
		return ledger.CodeCheck{}, invalid("verify security code: no time")
	}
	var res ledger.CodeCheck
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		st, hash, err := s.phoneEntryTx(ctx, tx, a.TechnicianID, a.At)
		if err != nil {
			return err
		}
		res = ledger.CodeCheck{Failures: st.Failures, LockedUntil: st.LockedUntil}
		if !st.LockedUntil.IsZero() {
			// Locked: not compared, not recorded (the flow does not ask
			// for a code while locked; a lock does not grow by retrying).
			return nil
		}
		res.OK = hash != "" && len(a.Code) == ledger.SecurityCodeLen &&
			bcrypt.CompareHashAndPassword([]byte(hash), []byte(a.Code)) == nil
		var until any
		if res.OK {
			res.Failures = 0
		} else {
			res.Failures++
			if res.Failures >= ledger.PhoneEntryMaxFailures {
				res.LockedUntil = a.At.Add(ledger.PhoneEntryLockout).UTC()
				until = res.LockedUntil
			}
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO code_attempts (technician_id, caller, call_id, at, ok, locked_until)
			VALUES (?, ?, ?, ?, ?, ?)`), a.TechnicianID, a.Caller, a.CallID, a.At.UTC(), res.OK, until)
		return err
	})
	if err != nil {
		return ledger.CodeCheck{}, fmt.Errorf("ledger: verify security code of %s: %w", a.TechnicianID, err)
	}
	return res, nil
}
