package access

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Session is a signed-in browser.
type Session struct {
	User User
	// CSRF is the session's token that every form sends back.
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time // absolute
}

// LoginRequest is one sign-in.
type LoginRequest struct {
	Login, Password string
	IP, UserAgent   string
	// OldToken is the session cookie the browser sent, if any: it is ended,
	// so a session ID planted before sign-in is worth nothing after.
	OldToken string
}

// NewSession is a session just started: Token goes into the cookie and is
// kept nowhere else.
type NewSession struct {
	Session
	Token string
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Login checks a login name and password within the rate limits and
// starts a new session. A wrong name, a wrong password and a disabled
// account all give ErrBadLogin after the same work, and lock out alike
// (*LockedError), so nothing tells whether an account exists.
func (s *Service) Login(ctx context.Context, r LoginRequest) (NewSession, error) {
	login := NormalizeLogin(r.Login)
	now := s.now().UTC()
	attempt, err := s.admit(ctx, login, r.IP, now)
	if err != nil {
		return NewSession{}, err
	}
	var u User
	var hash string
	err = s.h.SQL().QueryRowContext(ctx, s.q(`SELECT `+userCols+`, u.password_hash FROM users u WHERE u.login = ?`), login).
		Scan(&u.ID, &u.Login, &u.Name, new(string), new(sql.NullString), new(sql.NullString), &u.Disabled, &u.CreatedAt, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		hash = s.dummy
	} else if err != nil {
		return NewSession{}, fmt.Errorf("sign in: %w", err)
	}
	ok, err := s.verify(ctx, hash, r.Password)
	if err != nil {
		return NewSession{}, err
	}
	if !ok || u.ID == 0 || u.Disabled {
		if locked, lerr := s.lockedAfter(ctx, login, r.IP, now); lerr == nil && locked != nil {
			return NewSession{}, locked
		}
		return NewSession{}, ErrBadLogin
	}
	return s.start(ctx, u.ID, attempt, r, now)
}

// start records the sign-in as right, ends the browser's old session and
// stores the new one, in one transaction.
func (s *Service) start(ctx context.Context, userID, attempt int64, r LoginRequest, now time.Time) (NewSession, error) {
	ns := NewSession{Token: NewToken()}
	ns.CSRF, ns.CreatedAt, ns.ExpiresAt = NewToken(), now, now.Add(AbsoluteTimeout)
	err := s.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE login_attempts SET ok = TRUE WHERE id = ?`), attempt); err != nil {
			return err
		}
		if r.OldToken != "" {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE id_hash = ?`), tokenHash(r.OldToken)); err != nil {
				return err
			}
		}
		// Sessions past their time are removed as new ones start.
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_id = ? AND (expires_at < ? OR last_seen_at < ?)`),
			userID, now, now.Add(-IdleTimeout)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), tokenHash(ns.Token), userID, ns.CSRF, now, now, ns.ExpiresAt, r.IP, truncate(r.UserAgent, 200))
		return err
	})
	if err != nil {
		return NewSession{}, fmt.Errorf("start session: %w", err)
	}
	sess, err := s.Session(ctx, ns.Token)
	ns.Session = sess.Session
	return ns, err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Session returns the session of a cookie's token, if it is signed in,
// not idle for IdleTimeout, not older than AbsoluteTimeout, and its user
// not disabled; else ErrNoSession (and an expired one is removed).
func (s *Service) Session(ctx context.Context, token string) (NewSession, error) {
	if token == "" {
		return NewSession{}, ErrNoSession
	}
	now := s.now().UTC()
	id := tokenHash(token)
	var ns NewSession
	var role string
	var lastSeen time.Time
	var contractor, tech sql.NullString
	u := &ns.User
	err := s.h.SQL().QueryRowContext(ctx, s.q(`SELECT u.id, u.login, u.name, u.role, u.contractor_id, u.technician_id, u.disabled, u.created_at,
		s.csrf_token, s.created_at, s.last_seen_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`), id).
		Scan(&u.ID, &u.Login, &u.Name, &role, &contractor, &tech, &u.Disabled, &u.CreatedAt, &ns.CSRF, &ns.CreatedAt, &lastSeen, &ns.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return NewSession{}, ErrNoSession
	}
	if err != nil {
		return NewSession{}, fmt.Errorf("look up session: %w", err)
	}
	u.ContractorID, u.TechnicianID = contractor.String, tech.String
	u.Role, _ = ParseRole(role)
	if u.Disabled || !now.Before(ns.ExpiresAt) || now.Sub(lastSeen) >= IdleTimeout {
		if _, err := s.h.SQL().ExecContext(ctx, s.q(`DELETE FROM sessions WHERE id_hash = ?`), id); err != nil {
			return NewSession{}, fmt.Errorf("end session: %w", err)
		}
		return NewSession{}, ErrNoSession
	}
	if now.Sub(lastSeen) >= touchEvery {
		if _, err := s.h.SQL().ExecContext(ctx, s.q(`UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`), now, id); err != nil {
			return NewSession{}, fmt.Errorf("touch session: %w", err)
		}
	}
	ns.Token = token
	return ns, nil
}

// Logout ends the session of token; ending one that is not there is no
// error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	if _, err := s.h.SQL().ExecContext(ctx, s.q(`DELETE FROM sessions WHERE id_hash = ?`), tokenHash(token)); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}
