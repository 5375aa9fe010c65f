// Package web is dezura's office console: server-rendered HTML screens
// (html/template, net/http) over the ledger's Office operations and the
// accounts of ledger/access, for an operator, a contractor's office, a
// foreman on a phone and a technician. Templates and static files are
// embedded and parsed once; every screen works without JavaScript.
//
// A screen is a handler file (one per page or action), a template, and a
// line in the route table (routes.go) that names its method, path and the
// permission it needs; the middleware (middleware.go) adds the security
// headers, the session, the actor of the changes, the CSRF check and the
// permission check to every route the same way. Handlers call one ledger
// or access operation and render: the rules, and what each account may
// see (its ledger.Scope), live in the ledger. README.md says how to add a
// screen.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
	"github.com/dezura/dezura/ledger/billing"
)

// Ledger is what the console needs of the ledger. ledger.DB is one.
type Ledger interface {
	ledger.Office
}

// Accounts is what the console needs of ledger/access. *access.Service
// is one.
type Accounts interface {
	Login(ctx context.Context, r access.LoginRequest) (access.NewSession, error)
	Session(ctx context.Context, token string) (access.NewSession, error)
	Logout(ctx context.Context, token string) error
	UsersPage(ctx context.Context, sc ledger.Scope, q ledger.ListQuery) (ledger.Page[access.User], error)
	ScopedUser(ctx context.Context, sc ledger.Scope, id int64) (access.User, error)
	AddUser(ctx context.Context, sc ledger.Scope, n access.NewUser) (access.User, error)
	UpdateUser(ctx context.Context, sc ledger.Scope, up access.UserUpdate) (access.User, error)
	SetPassword(ctx context.Context, sc ledger.Scope, id int64, password string) error
}

var (
	_ Ledger   = ledger.DB(nil)
	_ Accounts = (*access.Service)(nil)
)

// Config is what a Server is built from.
type Config struct {
	Ledger   Ledger
	Accounts Accounts
	Logger   *slog.Logger
	// BehindTLS: the console is reached over HTTPS through a proxy that
	// terminates TLS (cookies get Secure and the __Host- prefix, and
	// Strict-Transport-Security is sent). A request that arrived over TLS
	// itself gets the same.
	BehindTLS bool
	// Now is the clock that says what today is for the board (nil:
	// time.Now).
	Now func() time.Time
	// BoardRefresh is how often the board reloads itself (0: a minute).
	BoardRefresh time.Duration

	// The billing screens (nil Billing: none).
	Billing Billing
	// BillingFont is the font invoices are printed with
	// (billing.LoadFont); nil: PDFs cannot be made and the screens say
	// which package to install.
	BillingFont *billing.Font
	// Collector and Payer fill in the bank-file forms (委託者 of account
	// transfer, 振込依頼人 of refunds); the forms can change them.
	Collector billing.Collector
	Payer     billing.Payer
}

// Server is the console: an http.Handler.
type Server struct {
	cfg     Config
	log     *slog.Logger
	views   *views
	mux     *http.ServeMux
	routes  []Route
	handler http.Handler
}

// New parses the templates and builds the routes.
func New(cfg Config) (*Server, error) {
	if cfg.Ledger == nil || cfg.Accounts == nil {
		return nil, errors.New("web: a ledger and accounts are needed")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.BoardRefresh <= 0 {
		cfg.BoardRefresh = time.Minute
	}
	v, err := parseViews()
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "web"), views: v, mux: http.NewServeMux()}
	s.routes = append(s.routeTable(), s.billingRoutes()...) // billing.go
	for _, rt := range s.routes {
		s.mux.Handle(rt.Pattern, s.chain(rt))
	}
	s.mux.Handle("GET /static/", staticHandler())
	s.mux.HandleFunc("/", s.notFound)
	s.handler = s.secure(s.mux)
	return s, nil
}

// ServeHTTP serves the console.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes returns the route table: every screen and action, with the
// permission it needs.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Route is one line of the route table.
type Route struct {
	// Pattern is the ServeMux pattern with its method:
	// "POST /sites/{code}/disable".
	Pattern string
	// Perm is the permission the route needs; access.PermNone for the
	// public ones (sign-in, language).
	Perm    access.Permission
	handler http.HandlerFunc
}

// Method is the route's HTTP method.
func (r Route) Method() string {
	m, _, _ := cutSpace(r.Pattern)
	return m
}

// Path is the route's path pattern.
func (r Route) Path() string {
	_, p, _ := cutSpace(r.Pattern)
	return p
}

// Changes reports whether the route changes something (needs a CSRF
// token).
func (r Route) Changes() bool { return r.Method() != http.MethodGet }

func cutSpace(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return "", s, false
}
