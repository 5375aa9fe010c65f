// Package sqlite is the embedded ledger store: a single SQLite file
// (modernc.org/sqlite, pure Go), the default that needs no set-up.
//
// The database runs in WAL mode with synchronous=FULL, so a committed
// RecordAttendance survives a power cut; busy_timeout covers a second
// process on the same file. Within one process all statements, the
// ledger's and every sub-schema's (billing), go through one connection of
// one handle, so concurrent calls queue in Go instead of failing with
// SQLITE_BUSY. Named locks (sqldb.DB.Lock) are files beside the database
// (PATH.NAME); for ":memory:" they live in the process.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/internal/sqlstore"
	"github.com/dezura/dezura/ledger/sqldb"
)

func init() {
	ledger.Register("sqlite", func(ctx context.Context, u string) (ledger.DB, error) {
		return Open(ctx, strings.TrimPrefix(u, "sqlite:"))
	})
}

// Store is the SQLite ledger store; it implements ledger.DB.
type Store struct {
	*sqlstore.Store
}

// Dialect is SQLite's.
var Dialect = sqldb.Dialect{
	Name:        "sqlite",
	ForUpdate:   "",
	PrepareOnce: true,
	Types: strings.NewReplacer(
		"{{ID}}", "INTEGER PRIMARY KEY AUTOINCREMENT",
		"{{TS}}", "TIMESTAMP",
	),
	// BEGIN IMMEDIATE (_txlock) serialises write transactions: no TxLock.
	TableExists: `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`,
	IsUnique: func(err error) bool {
		var e *sqlite3.Error
		if !errors.As(err, &e) {
			return false
		}
		return e.Code() == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY
	},
	IsRetryable: func(err error) bool {
		var e *sqlite3.Error
		return errors.As(err, &e) && (e.Code()&0xff == sqlite3lib.SQLITE_BUSY || e.Code()&0xff == sqlite3lib.SQLITE_LOCKED)
	},
}

// Open opens (creating if needed) the SQLite database at path and applies
// the ledger's pending migrations. ":memory:" gives a private in-memory
// store.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenClock(ctx, path, nil)
}

// OpenClock is Open with the clock that stamps audit columns (nil: time.Now).
func OpenClock(ctx context.Context, path string, now func() time.Time) (*Store, error) {
	h, err := OpenHandle(ctx, path)
	if err != nil {
		return nil, err
	}
	s, err := sqlstore.New(ctx, h, now)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), h.Close())
	}
	return &Store{s}, nil
}

// OpenHandle opens the database at path without migrating anything: the
// one connection-limited handle with its pragmas and named locks.
func OpenHandle(ctx context.Context, path string) (*sqldb.DB, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: sqlite: empty path; want sqlite:PATH", ledger.ErrUnsupportedURL)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(FULL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One connection: SQLite has one writer anyway, and queueing in Go
	// avoids SQLITE_BUSY between our own goroutines. It also keeps a
	// ":memory:" database one database.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), db.Close())
	}
	locks := sqldb.FileLocks(path)
	if path == ":memory:" {
		locks = sqldb.ProcessLocks()
	}
	return sqldb.New(db, Dialect, locks, nil), nil
}
