// Package access is the console's accounts: users with a role (and the
// contractor or technician they belong to), sessions kept in the database,
// and sign-in with rate limits and a temporary lockout. Its tables are the
// "access" migration set on the ledger's handle, with foreign keys to the
// ledger's contractors and technicians; every change to an account is
// written to the ledger's audit log in the same transaction.
//
// The rules live here; the console (web) only calls them.
package access

import (
	"context"
	"database/sql"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/audit"
	"github.com/dezura/dezura/ledger/sqldb"
)

// Session and sign-in limits.
const (
	// IdleTimeout ends a session not used for this long.
	IdleTimeout = 30 * time.Minute
	// AbsoluteTimeout ends every session this long after sign-in.
	AbsoluteTimeout = 12 * time.Hour
	// touchEvery: a session's last use is written at most this often.
	touchEvery = time.Minute
	// LockoutWindow is how far back failed sign-ins count, and how long a
	// lockout lasts at most.
	LockoutWindow = 15 * time.Minute
	// AccountFailures failed sign-ins for one login name within the window
	// lock that name (whether or not an account has it).
	AccountFailures = 5
	// AddressFailures failed sign-ins from one address within the window
	// lock that address, for every login name.
	AddressFailures = 20
	// hashers bounds the password hashes computed at once: each takes
	// 19 MiB, and a flood of sign-ins must not take the machine's memory.
	hashers = 4
)

// Ledger is what access needs of the ledger: the database handle its
// tables live on, beside the ledger's. ledger.DB is one.
type Ledger interface {
	Handle() *sqldb.DB
}

// Service is the accounts of one database.
type Service struct {
	h      *sqldb.DB
	now    func() time.Time
	params hashParams
	hashes chan struct{}
	// dummy is a hash to verify against when the login name has no
	// account, so that a wrong name takes as long as a wrong password.
	dummy string
}

// Option configures New.
type Option func(*Service)

// WithClock sets the clock of sessions, limits and stamps (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New applies the access migrations on l's handle and returns the
// service. It has nothing of its own to close: the ledger owns the handle.
func New(ctx context.Context, l Ledger, opts ...Option) (*Service, error) {
	s := &Service{h: l.Handle(), now: time.Now, params: defaultParams, hashes: make(chan struct{}, hashers)}
	for _, o := range opts {
		o(s)
	}
	if err := s.h.Migrate(ctx, Migrations); err != nil {
		return nil, err
	}
	d, err := hashPassword(s.params, NewToken())
	if err != nil {
		return nil, err
	}
	s.dummy = d
	return s, nil
}

func (s *Service) q(query string) string { return s.h.Rebind(query) }

// hash and verify run one password hash at a time per slot.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	if err := s.slot(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashes }()
	return hashPassword(s.params, password)
}

func (s *Service) verify(ctx context.Context, hash, password string) (bool, error) {
	if err := s.slot(ctx); err != nil {
		return false, err
	}
	defer func() { <-s.hashes }()
	return verifyPassword(hash, password), nil
}

func (s *Service) slot(ctx context.Context) error {
	select {
	case s.hashes <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// audit writes the record of a change to an account in tx.
func (s *Service) audit(ctx context.Context, tx *sql.Tx, r audit.Record) error {
	return audit.Write(ctx, tx, s.h.Dialect(), s.now(), r)
}

// User is one console account.
type User struct {
	ID           int64
	Login        string
	Name         string
	Role         Role
	ContractorID string // for contractor roles and the foreman
	TechnicianID string // for the foreman and the technician
	Disabled     bool
	CreatedAt    time.Time
}

// Scope is what the user sees and changes in the ledger. Billing staff
// see no ledger records (their screens read billing's own tables).
func (u User) Scope() ledger.Scope {
	switch u.Role {
	case RoleOperator:
		return ledger.ScopeAll()
	case RoleContractorAdmin, RoleClerk:
		return ledger.ContractorScope(u.ContractorID)
	case RoleForeman:
		return ledger.ForemanScope(u.ContractorID, u.TechnicianID)
	case RoleTechnician:
		return ledger.TechnicianScope(u.TechnicianID)
	}
	return ledger.Scope{}
}

// Actor is the user as the audit log names them.
func (u User) Actor() ledger.Actor { return ledger.Actor{Kind: "user", Name: u.Login} }

// Can reports whether the user's role has permission p.
func (u User) Can(p Permission) bool { return !u.Disabled && u.Role.Can(p) }
