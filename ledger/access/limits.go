package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// admit checks the rate limits for a sign-in by login from ip at now and,
// unless locked out, records the attempt as failed before the password is
// checked (start marks it right), so that sign-ins racing each other all
// count. The check and the record are one transaction, under a lock on
// the login name where the database has one (SQLite serialises writers).
func (s *Service) admit(ctx context.Context, login, ip string, now time.Time) (int64, error) {
	var id int64
	err := s.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if err := s.h.LockTx(ctx, tx, "login:"+login); err != nil {
			return err
		}
		locked, err := s.locked(ctx, tx, login, ip, now)
		if err != nil {
			return err
		}
		if locked != nil {
			return locked
		}
		return tx.QueryRowContext(ctx, s.q(`INSERT INTO login_attempts (login, ip, at, ok) VALUES (?, ?, ?, FALSE) RETURNING id`),
			login, ip, now).Scan(&id)
	})
	if err != nil {
		if _, ok := errors.AsType[*LockedError](err); ok {
			return 0, err
		}
		return 0, fmt.Errorf("sign in: %w", err)
	}
	return id, nil
}

// lockedAfter says whether the failure just made locks login or ip.
func (s *Service) lockedAfter(ctx context.Context, login, ip string, now time.Time) (*LockedError, error) {
	var locked *LockedError
	err := s.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		var err error
		locked, err = s.locked(ctx, tx, login, ip, now)
		return err
	})
	return locked, err
}

// locked is a *LockedError when login has AccountFailures failed
// sign-ins since its last right one within LockoutWindow, or ip has
// AddressFailures; the lock lasts until the oldest of those failures
// leaves the window.
func (s *Service) locked(ctx context.Context, tx *sql.Tx, login, ip string, now time.Time) (*LockedError, error) {
	since := now.Add(-LockoutWindow)
	oldest := func(query string, n int, args ...any) (time.Time, bool, error) {
		var at time.Time
		err := tx.QueryRowContext(ctx, s.q(query+fmt.Sprintf(` ORDER BY at DESC LIMIT 1 OFFSET %d`, n-1)), args...).Scan(&at)
		if err == sql.ErrNoRows {
			return at, false, nil
		}
		return at, err == nil, err
	}
	at, ok, err := oldest(`SELECT at FROM login_attempts WHERE login = ? AND at > ? AND ok = FALSE
		AND id > COALESCE((SELECT MAX(id) FROM login_attempts WHERE login = ? AND ok = TRUE), 0)`, AccountFailures, login, since, login)
	if err != nil {
		return nil, err
	}
	if ok {
		return &LockedError{Until: at.Add(LockoutWindow), Account: true}, nil
	}
	at, ok, err = oldest(`SELECT at FROM login_attempts WHERE ip = ? AND at > ? AND ok = FALSE`, AddressFailures, ip, since)
	if err != nil || !ok {
		return nil, err
	}
	return &LockedError{Until: at.Add(LockoutWindow)}, nil
}
