package billing

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// dialect is the SQL flavour of the open database.
type dialect uint8

const (
	dialectUnknown dialect = iota
	dialectSQLite
	dialectPostgres
)

// Billing is billing's view of the database: plans, subscriptions, invoices,
// payments and transfers, in tables of its own (billing_*) with migrations of
// its own (billing_schema_migrations), beside the ledger's in the same
// database.
//
// Both dialects go through database/sql (modernc.org/sqlite and pgx/v5's
// stdlib adapter), so every query has one code path; the few differences
// (placeholders, identity columns, the run lock) are in this file and lock.go.
type Billing struct {
	db       *sql.DB
	dialect  dialect
	lockPath string // SQLite: the file locked while a run issues invoices
	now      func() time.Time

	// testHookAfterInsert, when set, runs inside a run's transaction after
	// the invoices are inserted and before it commits; an error aborts it,
	// standing in for a crash half-way.
	testHookAfterInsert func() error
}

// Option configures Open.
type Option func(*Billing)

// WithClock sets the clock used for audit timestamps (created_at). Dates that
// decide what is billed are always passed in explicitly.
func WithClock(now func() time.Time) Option { return func(b *Billing) { b.now = now } }

// Open opens the database at url ("sqlite:PATH" or "postgres://...") and
// applies billing's migrations.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Billing, error) {
	b := &Billing{now: time.Now}
	for _, o := range opts {
		o(b)
	}
	var err error
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		if path == "" || strings.Contains(path, "?") || path == ":memory:" {
			return nil, fmt.Errorf("%w: %q: want sqlite:PATH to a file", ErrUnsupportedURL, rawURL)
		}
		b.dialect = dialectSQLite
		b.lockPath = path + ".billing-lock"
		dsn := "file:" + filepath.ToSlash(path) + "?" + url.Values{
			"_pragma": {"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"},
			"_txlock": {"immediate"},
		}.Encode()
		b.db, err = sql.Open("sqlite", dsn)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		b.dialect = dialectPostgres
		b.db, err = sql.Open("pgx", rawURL)
	default:
		return nil, fmt.Errorf("%w: %q: want sqlite:PATH or postgres://...", ErrUnsupportedURL, rawURL)
	}
	if err != nil {
		return nil, fmt.Errorf("billing: open %s: %w", redact(rawURL), err)
	}
	if err := b.db.PingContext(ctx); err != nil {
		b.db.Close()
		return nil, fmt.Errorf("billing: connect %s: %w", redact(rawURL), err)
	}
	if err := b.migrate(ctx); err != nil {
		b.db.Close()
		return nil, err
	}
	return b, nil
}

// Close closes the database.
func (b *Billing) Close() error { return b.db.Close() }

// redact drops a password from a URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// q rewrites ? placeholders to $n for PostgreSQL. Queries never contain a
// literal question mark.
func (b *Billing) q(query string) string {
	if b.dialect != dialectPostgres {
		return query
	}
	var sb strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(n))
			continue
		}
		sb.WriteByte(query[i])
	}
	return sb.String()
}

func (b *Billing) stamp() string { return b.now().UTC().Format(time.RFC3339Nano) }

// parseStoredDate reads a date column ("" is the zero Date).
func parseStoredDate(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	return ParseDate(s)
}
