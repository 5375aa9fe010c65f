package ledger

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/dezura/dezura/ledger/sqldb"
)

// DB is an open ledger database: everything the call flows, the
// registration commands and the reports need, and the handle that
// sub-schemas (billing, the console) are built on. ledger/sqlite and
// ledger/postgres return one; Close closes the handle too.
type DB interface {
	Store
	FlowStore
	Admin
	Office
	Reports
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Handle is the database handle the ledger's tables are on.
	Handle() *sqldb.DB
}

// Opener opens a store from a URL of its scheme.
type Opener func(ctx context.Context, url string) (DB, error)

var (
	openersMu sync.RWMutex
	openers   = map[string]Opener{}
)

// Register makes a store available to Open for URLs starting with
// scheme + ":" (e.g. "sqlite", "postgres"). Store packages call it from
// init, the way database/sql drivers do, because ledger cannot import its
// own sub-packages; import ledger/sqlite and ledger/postgres for effect
// (cmd/dezura does).
func Register(scheme string, open Opener) {
	openersMu.Lock()
	defer openersMu.Unlock()
	openers[scheme] = open
}

// Open opens the store named by url and applies pending migrations:
//
//	sqlite:PATH          embedded SQLite file (sqlite::memory: for a throw-away store)
//	postgres://...       PostgreSQL (also postgresql://...)
//
// The database is opened once; build sub-schemas on its Handle.
func Open(ctx context.Context, url string) (DB, error) {
	scheme, _, ok := strings.Cut(url, ":")
	if !ok || scheme == "" {
		return nil, fmt.Errorf("%w %q: want sqlite:PATH or postgres://user@host/db", ErrUnsupportedURL, url)
	}
	scheme = strings.ToLower(scheme)
	if scheme == "postgresql" {
		scheme = "postgres"
	}
	openersMu.RLock()
	open := openers[scheme]
	known := make([]string, 0, len(openers))
	for s := range openers {
		known = append(known, s)
	}
	openersMu.RUnlock()
	if open == nil {
		sort.Strings(known)
		return nil, fmt.Errorf("%w %q: want sqlite:PATH or postgres://user@host/db (stores linked in: %s)",
			ErrUnsupportedURL, url, strings.Join(known, ", "))
	}
	return open(ctx, url)
}
