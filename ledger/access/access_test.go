package access_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
	_ "github.com/dezura/dezura/ledger/postgres"
	_ "github.com/dezura/dezura/ledger/sqlite"
	"github.com/dezura/dezura/ledger/storetest"
)

// clock is a settable clock for sessions and limits.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	db  ledger.DB
	svc *access.Service
	clk *clock
	ts  storetest.Tenants
}

// eachStore runs fn on a fresh SQLite file and a fresh PostgreSQL schema,
// each with the two tenants of storetest.SeedTenants.
func eachStore(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			url := "sqlite:" + filepath.Join(t.TempDir(), "a.db")
			if name == "postgres" {
				url = storetest.PostgresSchema(t, "access")
			}
			db, err := ledger.Open(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			ts, err := storetest.SeedTenants(t.Context(), db, "2026-12-05")
			if err != nil {
				t.Fatal(err)
			}
			clk := &clock{t: time.Date(2026, 12, 5, 9, 0, 0, 0, ledger.Tokyo)}
			svc, err := access.New(t.Context(), db, access.WithClock(clk.now))
			if err != nil {
				t.Fatal(err)
			}
			fn(t, &fixture{db: db, svc: svc, clk: clk, ts: ts})
		})
	}
}

const goodPassword = "correct horse battery"

func (f *fixture) add(t *testing.T, n access.NewUser) access.User {
	t.Helper()
	if n.Password == "" {
		n.Password = goodPassword
	}
	u, err := f.svc.AddUser(t.Context(), ledger.ScopeAll(), n)
	if err != nil {
		t.Fatalf("add %s: %v", n.Login, err)
	}
	return u
}

func TestAddUserRules(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		a, b := f.ts.A, f.ts.B
		admA := ledger.ContractorScope(a.Contractor)
		tests := []struct {
			name  string
			sc    ledger.Scope
			n     access.NewUser
			field string // "" for no error
		}{
			{"operator", ledger.ScopeAll(), access.NewUser{Login: "operator1", Name: "運営", Role: access.RoleOperator}, ""},
			{"clerk of A by A", admA, access.NewUser{Login: "clerk.a", Name: "事務", Role: access.RoleClerk, ContractorID: a.Contractor}, ""},
			{"foreman of A", admA, access.NewUser{Login: "foreman.a", Name: "職長", Role: access.RoleForeman, ContractorID: a.Contractor, TechnicianID: a.Foreman}, ""},
			{"technician of A", admA, access.NewUser{Login: "tech.a", Name: "技能者", Role: access.RoleTechnician, TechnicianID: a.Worker}, ""},
			{"operator by A", admA, access.NewUser{Login: "op2", Name: "x", Role: access.RoleOperator}, "Role"},
			{"clerk of B by A", admA, access.NewUser{Login: "clerk.b", Name: "x", Role: access.RoleClerk, ContractorID: b.Contractor}, "Role"},
			{"technician of B by A", admA, access.NewUser{Login: "tech.b", Name: "x", Role: access.RoleTechnician, TechnicianID: b.Worker}, "Role"},
			{"foreman of A with B's technician", ledger.ScopeAll(), access.NewUser{Login: "foreman2", Name: "x", Role: access.RoleForeman, ContractorID: a.Contractor, TechnicianID: b.Foreman}, "TechnicianID"},
			{"clerk without contractor", ledger.ScopeAll(), access.NewUser{Login: "clerk3", Name: "x", Role: access.RoleClerk}, "ContractorID"},
			{"unknown contractor", ledger.ScopeAll(), access.NewUser{Login: "clerk4", Name: "x", Role: access.RoleClerk, ContractorID: "nobody"}, "ContractorID"},
			{"login taken", ledger.ScopeAll(), access.NewUser{Login: "OPERATOR1", Name: "x", Role: access.RoleOperator}, "Login"},
			{"bad login", ledger.ScopeAll(), access.NewUser{Login: "a b", Name: "x", Role: access.RoleOperator}, "Login"},
			{"short password", ledger.ScopeAll(), access.NewUser{Login: "clerk5", Name: "x", Role: access.RoleOperator, Password: "short"}, "Password"},
			{"password is login", ledger.ScopeAll(), access.NewUser{Login: "longlogin123", Name: "x", Role: access.RoleOperator, Password: "LongLogin123"}, "Password"},
			{"no role", ledger.ScopeAll(), access.NewUser{Login: "clerk6", Name: "x"}, "Role"},
		}
		for _, tt := range tests {
			if tt.n.Password == "" {
				tt.n.Password = goodPassword
			}
			u, err := f.svc.AddUser(t.Context(), tt.sc, tt.n)
			var fe *ledger.FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("%s: %v", tt.name, err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Errorf("%s: err %v, want an error about %s", tt.name, err, tt.field)
			case tt.field == "" && u.ID == 0:
				t.Errorf("%s: no ID", tt.name)
			}
		}
		tech, err := f.svc.UsersPage(t.Context(), admA, ledger.ListQuery{})
		if err != nil || len(tech.Rows) != 3 {
			t.Errorf("A's users: %+v, %v", tech.Rows, err)
		}
		if bs, _ := f.svc.UsersPage(t.Context(), ledger.ContractorScope(b.Contractor), ledger.ListQuery{}); len(bs.Rows) != 0 {
			t.Errorf("B sees users: %+v", bs.Rows)
		}
		h, err := f.db.History(t.Context(), ledger.ScopeAll(), ledger.HistoryQuery{Object: "user:clerk.a"})
		if err != nil || len(h.Rows) != 1 || strings.Contains(h.Rows[0].After, "argon2") || strings.Contains(h.Rows[0].After, goodPassword) {
			t.Errorf("audit of user.add: %+v, %v", h.Rows, err)
		}
	})
}

func TestSignInAndSessions(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		u := f.add(t, access.NewUser{Login: "clerk", Name: "事務", Role: access.RoleClerk, ContractorID: f.ts.A.Contractor})
		var hash string
		if err := f.db.Handle().SQL().QueryRowContext(ctx, f.db.Handle().Rebind(`SELECT password_hash FROM users WHERE id = ?`), u.ID).Scan(&hash); err != nil ||
			!strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(hash, goodPassword) {
			t.Errorf("stored hash %q, %v", hash, err)
		}
		planted := access.NewToken()
		s1, err := f.svc.Login(ctx, access.LoginRequest{Login: " Clerk ", Password: goodPassword, IP: "192.0.2.1", OldToken: planted})
		if err != nil || s1.User.ID != u.ID || s1.Token == "" || s1.CSRF == "" || s1.Token == planted {
			t.Fatalf("login: %+v, %v", s1, err)
		}
		if got, _ := f.svc.Session(ctx, s1.Token); got.User.Scope() != ledger.ContractorScope(f.ts.A.Contractor) || got.CSRF != s1.CSRF {
			t.Errorf("session = %+v", got)
		}
		var stored int
		f.db.Handle().SQL().QueryRowContext(ctx, f.db.Handle().Rebind(`SELECT COUNT(*) FROM sessions WHERE id_hash = ?`), s1.Token).Scan(&stored)
		if stored != 0 {
			t.Error("the session ID is stored as it is, not hashed")
		}
		// A second sign-in from the same browser ends the first session
		// (rotation: the old cookie is worth nothing).
		s2, err := f.svc.Login(ctx, access.LoginRequest{Login: "clerk", Password: goodPassword, IP: "192.0.2.1", OldToken: s1.Token})
		if err != nil || s2.Token == s1.Token {
			t.Fatalf("second login: %v", err)
		}
		if _, err := f.svc.Session(ctx, s1.Token); !errors.Is(err, access.ErrNoSession) {
			t.Errorf("old session after sign-in: err %v", err)
		}
		// Idle for 29 minutes is fine, and counts as use; 30 more ends it.
		f.clk.add(29 * time.Minute)
		if _, err := f.svc.Session(ctx, s2.Token); err != nil {
			t.Errorf("after 29 idle minutes: %v", err)
		}
		f.clk.add(30 * time.Minute)
		if _, err := f.svc.Session(ctx, s2.Token); !errors.Is(err, access.ErrNoSession) {
			t.Errorf("after 30 idle minutes: err %v", err)
		}
		// Used every 20 minutes, a session still ends 12 hours after sign-in.
		s3, err := f.svc.Login(ctx, access.LoginRequest{Login: "clerk", Password: goodPassword, IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		for elapsed := time.Duration(0); elapsed < access.AbsoluteTimeout-20*time.Minute; elapsed += 20 * time.Minute {
			f.clk.add(20 * time.Minute)
			if _, err := f.svc.Session(ctx, s3.Token); err != nil {
				t.Fatalf("in use after %v: %v", elapsed, err)
			}
		}
		f.clk.add(20 * time.Minute)
		if _, err := f.svc.Session(ctx, s3.Token); !errors.Is(err, access.ErrNoSession) {
			t.Errorf("after 12 hours: err %v", err)
		}
		// Sign-out ends a session; so do a new password and disabling.
		for _, end := range []func(token string) error{
			func(token string) error { return f.svc.Logout(ctx, token) },
			func(string) error { return f.svc.SetPassword(ctx, ledger.ScopeAll(), u.ID, "another good password") },
			func(string) error {
				_, err := f.svc.UpdateUser(ctx, ledger.ScopeAll(), access.UserUpdate{ID: u.ID, Name: "事務", Role: access.RoleClerk, Disabled: true})
				return err
			},
		} {
			s, err := f.svc.Login(ctx, access.LoginRequest{Login: "clerk", Password: goodPassword, IP: "192.0.2.9"})
			if err != nil {
				s, err = f.svc.Login(ctx, access.LoginRequest{Login: "clerk", Password: "another good password", IP: "192.0.2.9"})
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := end(s.Token); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Session(ctx, s.Token); !errors.Is(err, access.ErrNoSession) {
				t.Errorf("session after its end: err %v", err)
			}
		}
		if _, err := f.svc.Login(ctx, access.LoginRequest{Login: "clerk", Password: "another good password", IP: "192.0.2.9"}); !errors.Is(err, access.ErrBadLogin) {
			t.Errorf("disabled account signs in: err %v", err)
		}
	})
}

func TestLockout(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		f.add(t, access.NewUser{Login: "clerk", Name: "事務", Role: access.RoleClerk, ContractorID: f.ts.A.Contractor})
		// An account and a login name nobody has behave the same.
		for _, login := range []string{"clerk", "nobody"} {
			for i := 1; i <= access.AccountFailures; i++ {
				_, err := f.svc.Login(ctx, access.LoginRequest{Login: login, Password: "wrong password", IP: "192.0.2.1"})
				var locked *access.LockedError
				switch {
				case i < access.AccountFailures && !errors.Is(err, access.ErrBadLogin):
					t.Errorf("%s failure %d: err %v, want ErrBadLogin", login, i, err)
				case i == access.AccountFailures && (!errors.As(err, &locked) || !locked.Account):
					t.Errorf("%s failure %d: err %v, want the name locked", login, i, err)
				}
			}
			_, err := f.svc.Login(ctx, access.LoginRequest{Login: login, Password: goodPassword, IP: "192.0.2.2"})
			var locked *access.LockedError
			if !errors.As(err, &locked) || !locked.Until.Equal(f.clk.now().Add(access.LockoutWindow)) {
				t.Errorf("%s locked, right password: err %v", login, err)
			}
		}
		f.clk.add(access.LockoutWindow)
		if _, err := f.svc.Login(ctx, access.LoginRequest{Login: "clerk", Password: goodPassword, IP: "192.0.2.1"}); err != nil {
			t.Errorf("after the lockout: %v", err)
		}
		// One address trying many names is stopped too.
		var last error
		for i := range access.AddressFailures {
			_, last = f.svc.Login(ctx, access.LoginRequest{Login: "guess" + string(rune('a'+i)), Password: "x", IP: "198.51.100.7"})
		}
		var locked *access.LockedError
		if !errors.As(last, &locked) || locked.Account {
			t.Errorf("address after %d failures: err %v", access.AddressFailures, last)
		}
		if _, err := f.svc.Login(ctx, access.LoginRequest{Login: "clerk", Password: goodPassword, IP: "198.51.100.7"}); !errors.As(err, &locked) {
			t.Errorf("locked address, right password: err %v", err)
		}
		if _, err := f.svc.Login(ctx, access.LoginRequest{Login: "clerk", Password: goodPassword, IP: "192.0.2.1"}); err != nil {
			t.Errorf("another address: %v", err)
		}
	})
}

// Sign-ins racing each other with wrong passwords cannot get more guesses
// than the limit.
func TestLockoutUnderConcurrency(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		tried := 0
		for range 12 {
			wg.Go(func() {
				_, err := f.svc.Login(context.Background(), access.LoginRequest{Login: "victim", Password: "guess", IP: "192.0.2.1"})
				if errors.Is(err, access.ErrBadLogin) || errors.As(err, new(*access.LockedError)) {
					mu.Lock()
					tried++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		var n int
		h := f.db.Handle()
		if tried != 12 {
			t.Errorf("%d of 12 sign-ins refused", tried)
		}
		if err := h.SQL().QueryRow(h.Rebind(`SELECT COUNT(*) FROM login_attempts WHERE login = ?`), "victim").Scan(&n); err != nil || n != access.AccountFailures {
			t.Errorf("%d passwords checked, want %d (%v)", n, access.AccountFailures, err)
		}
	})
}
