package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/audit"
)

// UserUpdate is a change to an account: its name, role and whether it is
// disabled. The contractor and technician it belongs to stay.
type UserUpdate struct {
	ID       int64
	Name     string
	Role     Role
	Disabled bool
}

// changeUser runs change on an account sc manages, in one transaction
// with its audit record; a disabled account's sessions end with it.
func (s *Service) changeUser(ctx context.Context, sc ledger.Scope, id int64, action string, change func(tx *sql.Tx, u *User) error) (User, error) {
	var after User
	err := s.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		before, err := s.scopedUser(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		after = before
		if err := change(tx, &after); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE users SET name = ?, role = ?, disabled = ? WHERE id = ?`),
			after.Name, after.Role.String(), after.Disabled, id); err != nil {
			return err
		}
		if after.Disabled {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_id = ?`), id); err != nil {
				return err
			}
		}
		rec := audit.Record{Action: action, Object: "user:" + before.Login, ContractorID: before.ContractorID,
			Before: userRecord(before), After: userRecord(after)}
		return s.audit(ctx, tx, rec)
	})
	if err != nil && !errors.Is(err, ledger.ErrInvalid) && !errors.Is(err, ledger.ErrNotFound) {
		return after, fmt.Errorf("change user %d: %w", id, err)
	}
	return after, err
}

// UpdateUser changes an account's name, role or disabled state; the new
// role must fit the account's contractor and technician and be one sc may
// give.
func (s *Service) UpdateUser(ctx context.Context, sc ledger.Scope, up UserUpdate) (User, error) {
	return s.changeUser(ctx, sc, up.ID, "user.update", func(tx *sql.Tx, u *User) error {
		n, err := NewUser{Login: u.Login, Name: up.Name, Role: up.Role, ContractorID: u.ContractorID, TechnicianID: u.TechnicianID}.validate()
		if u.Role == RoleTechnician || up.Role == RoleTechnician {
			n.ContractorID = "" // a technician's account takes its contractor from the technician
			if up.Role != u.Role {
				err = ledger.InvalidField("Role", RuleRole, "user %s: a technician's account keeps its role", u.Login)
			}
		}
		if err != nil {
			return err
		}
		if _, err := s.links(ctx, tx, sc, n); err != nil {
			return err
		}
		u.Name, u.Role, u.Disabled = n.Name, n.Role, up.Disabled
		return nil
	})
}

// SetPassword gives an account sc manages a new password and ends its
// sessions.
func (s *Service) SetPassword(ctx context.Context, sc ledger.Scope, id int64, password string) error {
	u, err := s.ScopedUser(ctx, sc, id)
	if err != nil {
		return err
	}
	if err := ValidatePassword(u.Login, password); err != nil {
		return err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return err
	}
	_, err = s.changeUser(ctx, sc, id, "user.password", func(tx *sql.Tx, u *User) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?`), hash, s.now().UTC(), id)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_id = ?`), id)
		return err
	})
	return err
}

// Demo accounts, made by SeedDemo for `dezura serve --demo`.
const (
	DemoOperatorLogin   = "demo-operator"
	DemoContractorLogin = "demo"
)

// SeedDemo makes (or finds) the demo accounts — an operator admin, and a
// contractor admin of the demo contractor — and gives both a new random
// password, returned in that order: the demo prints them at every start.
// Demo only: a real deployment's first account comes from `dezura user
// add`.
func (s *Service) SeedDemo(ctx context.Context) (operatorPassword, contractorPassword string, err error) {
	if ledger.ActorOf(ctx) == ledger.Unattributed {
		ctx = ledger.WithActor(ctx, ledger.Actor{Kind: "system", Name: "demo"})
	}
	passwords := []string{NewPassword(), NewPassword()}
	for i, n := range []NewUser{
		{Login: DemoOperatorLogin, Name: "デモ運営者", Role: RoleOperator},
		{Login: DemoContractorLogin, Name: "デモ工務店 事務", Role: RoleContractorAdmin, ContractorID: ledger.DemoContractorID},
	} {
		n.Password = passwords[i]
		_, err := s.AddUser(ctx, ledger.ScopeAll(), n)
		if errors.Is(err, ledger.ErrExists) {
			var id int64
			if err = s.h.SQL().QueryRowContext(ctx, s.q(`SELECT id FROM users WHERE login = ?`), n.Login).Scan(&id); err == nil {
				err = s.SetPassword(ctx, ledger.ScopeAll(), id, n.Password)
			}
		}
		if err != nil {
			return "", "", fmt.Errorf("demo account %s: %w", n.Login, err)
		}
	}
	return passwords[0], passwords[1], nil
}
