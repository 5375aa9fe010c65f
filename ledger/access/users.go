package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/audit"
)

var loginRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{2,63}$`)

// NormalizeLogin is the form a login name is stored and looked up in.
func NormalizeLogin(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NewUser is an account to add.
type NewUser struct {
	Login        string
	Name         string
	Role         Role
	ContractorID string // for contractor roles and the foreman
	TechnicianID string // for the foreman and the technician
	Password     string
}

func userRecord(u User) map[string]any {
	return map[string]any{"id": u.ID, "login": u.Login, "name": u.Name, "role": u.Role.String(),
		"contractor_id": u.ContractorID, "technician_id": u.TechnicianID, "disabled": u.Disabled}
}

// validate checks the fields of an account that need no database.
func (n NewUser) validate() (NewUser, error) {
	n.Login, n.Name = NormalizeLogin(n.Login), strings.TrimSpace(n.Name)
	switch {
	case !loginRe.MatchString(n.Login):
		return n, ledger.InvalidField("Login", RuleLogin, "login name %q: want 3 to 64 letters, digits, '.', '_', '@' or '-'", n.Login)
	case n.Name == "":
		return n, ledger.InvalidField("Name", ledger.RuleRequired, "user %s: name is empty", n.Login)
	case utf8.RuneCountInString(n.Name) > 100:
		return n, ledger.InvalidField("Name", ledger.RuleTooLong, "user %s: name is longer than 100 characters", n.Login)
	case n.Role == RoleUnknown:
		return n, ledger.InvalidField("Role", RuleRole, "user %s: choose a role", n.Login)
	case n.Role.OfContractor() && n.ContractorID == "":
		return n, ledger.InvalidField("ContractorID", ledger.RuleRequired, "user %s: a %s belongs to a contractor: give it", n.Login, n.Role)
	case !n.Role.OfContractor() && n.Role != RoleTechnician && n.ContractorID != "":
		return n, ledger.InvalidField("ContractorID", RuleRole, "user %s: a %s belongs to no contractor", n.Login, n.Role)
	case n.Role.NeedsTechnician() && n.TechnicianID == "":
		return n, ledger.InvalidField("TechnicianID", ledger.RuleRequired, "user %s: a %s is a technician: give the technician ID", n.Login, n.Role)
	case !n.Role.NeedsTechnician() && n.TechnicianID != "":
		return n, ledger.InvalidField("TechnicianID", RuleRole, "user %s: a %s is not a technician", n.Login, n.Role)
	}
	return n, nil
}

// links checks, in tx, the contractor and technician an account names
// and that sc may manage accounts of that contractor with that role; it
// returns the contractor the account belongs to.
func (s *Service) links(ctx context.Context, tx *sql.Tx, sc ledger.Scope, n NewUser) (string, error) {
	contractor := n.ContractorID
	if n.TechnicianID != "" {
		var tc sql.NullString
		err := tx.QueryRowContext(ctx, s.q(`SELECT contractor_id FROM technicians WHERE id = ?`), n.TechnicianID).Scan(&tc)
		if errors.Is(err, sql.ErrNoRows) {
			return "", ledger.InvalidField("TechnicianID", ledger.RuleUnknown, "technician %s is not registered", n.TechnicianID)
		}
		if err != nil {
			return "", err
		}
		if contractor == "" {
			contractor = tc.String
		} else if tc.String != contractor {
			return "", ledger.InvalidField("TechnicianID", ledger.RuleUnknown, "technician %s is not of contractor %s", n.TechnicianID, contractor)
		}
	}
	if n.ContractorID != "" {
		var one int
		err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM contractors WHERE id = ?`), n.ContractorID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return "", ledger.InvalidField("ContractorID", ledger.RuleUnknown, "contractor %s is not registered", n.ContractorID)
		}
		if err != nil {
			return "", err
		}
	}
	if !canManage(sc, n.Role, contractor) {
		return "", ledger.InvalidField("Role", RuleRoleNotAllowed, "this account may not give the role %s for contractor %q", n.Role, contractor)
	}
	return contractor, nil
}

// canManage: the operator manages every account; a contractor's scope
// the accounts of its own people.
func canManage(sc ledger.Scope, r Role, contractor string) bool {
	if sc.All() {
		return true
	}
	return sc.CanChange(contractor) && contractor != "" && (r.OfContractor() || r == RoleTechnician)
}

// AddUser adds an account that sc may manage.
func (s *Service) AddUser(ctx context.Context, sc ledger.Scope, n NewUser) (User, error) {
	n, err := n.validate()
	if err != nil {
		return User{}, err
	}
	if err := ValidatePassword(n.Login, n.Password); err != nil {
		return User{}, err
	}
	hash, err := s.hash(ctx, n.Password)
	if err != nil {
		return User{}, err
	}
	u := User{Login: n.Login, Name: n.Name, Role: n.Role, TechnicianID: n.TechnicianID, CreatedAt: s.now().UTC()}
	err = s.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if u.ContractorID, err = s.links(ctx, tx, sc, n); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO users (login, name, role, contractor_id, technician_id, password_hash, disabled, created_at, password_changed_at)
			VALUES (?, ?, ?, ?, ?, ?, FALSE, ?, ?) RETURNING id`), u.Login, u.Name, u.Role.String(), nullString(u.ContractorID),
			nullString(u.TechnicianID), hash, u.CreatedAt, u.CreatedAt).Scan(&u.ID)
		if s.h.IsUnique(err) {
			return ledger.TakenField("Login", "login name %s is taken", u.Login)
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Record{Action: "user.add", Object: "user:" + u.Login, ContractorID: u.ContractorID, After: userRecord(u)})
	})
	if err != nil && !errors.Is(err, ledger.ErrInvalid) && !errors.Is(err, ledger.ErrExists) {
		return User{}, fmt.Errorf("add user %s: %w", n.Login, err)
	}
	return u, err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const userCols = `u.id, u.login, u.name, u.role, u.contractor_id, u.technician_id, u.disabled, u.created_at`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var role string
	var contractor, tech sql.NullString
	if err := sc.Scan(&u.ID, &u.Login, &u.Name, &role, &contractor, &tech, &u.Disabled, &u.CreatedAt); err != nil {
		return u, err
	}
	u.ContractorID, u.TechnicianID = contractor.String, tech.String
	u.Role, _ = ParseRole(role) // an unknown stored role is RoleUnknown: it can do nothing
	return u, nil
}

// userScope is the condition on users u for the accounts sc manages.
func userScope(sc ledger.Scope) (string, []any) {
	switch {
	case sc.All():
		return "1 = 1", nil
	case sc.CanChange(sc.ContractorID) && sc.ContractorID != "":
		return "u.contractor_id = ?", []any{sc.ContractorID}
	}
	return "1 = 0", nil
}

// ScopedUser returns an account sc manages; any other is not found.
func (s *Service) ScopedUser(ctx context.Context, sc ledger.Scope, id int64) (User, error) {
	return s.scopedUser(ctx, s.h.SQL(), sc, id)
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Service) scopedUser(ctx context.Context, db queryRower, sc ledger.Scope, id int64) (User, error) {
	cond, args := userScope(sc)
	u, err := scanUser(db.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM users u WHERE u.id = ? AND `+cond), append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return u, ledger.NotFound(nil, "user %d does not exist", id)
	}
	if err != nil {
		return u, fmt.Errorf("look up user %d: %w", id, err)
	}
	return u, nil
}

// UsersPage lists the accounts sc manages, by login name.
func (s *Service) UsersPage(ctx context.Context, sc ledger.Scope, lq ledger.ListQuery) (ledger.Page[User], error) {
	var page ledger.Page[User]
	cond, args := userScope(sc)
	q := `SELECT ` + userCols + ` FROM users u WHERE ` + cond
	if !lq.WithDisabled {
		q += ` AND u.disabled = FALSE`
	}
	if lq.ContractorID != "" {
		q += ` AND u.contractor_id = ?`
		args = append(args, lq.ContractorID)
	}
	if lq.After != "" {
		q += ` AND u.login > ?`
		args = append(args, lq.After)
	}
	limit := ledger.PageLimit(lq.Limit)
	rows, err := s.h.SQL().QueryContext(ctx, s.q(q+fmt.Sprintf(` ORDER BY u.login LIMIT %d`, limit+1)), args...)
	if err != nil {
		return page, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return page, fmt.Errorf("list users: %w", err)
		}
		page.Rows = append(page.Rows, u)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("list users: %w", err)
	}
	if len(page.Rows) > limit {
		page.Rows = page.Rows[:limit]
		page.Next = page.Rows[limit-1].Login
	}
	return page, nil
}

// ScopedUserByLogin returns the account with login name login that sc
// manages; any other is not found.
func (s *Service) ScopedUserByLogin(ctx context.Context, sc ledger.Scope, login string) (User, error) {
	login = NormalizeLogin(login)
	cond, args := userScope(sc)
	u, err := scanUser(s.h.SQL().QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM users u WHERE u.login = ? AND `+cond), append([]any{login}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return u, ledger.NotFound(nil, "there is no account %q (list them with: dezura user list --all)", login)
	}
	if err != nil {
		return u, fmt.Errorf("look up user %s: %w", login, err)
	}
	return u, nil
}
