package billing

import (
	"context"
	"database/sql"
	"time"

	"github.com/dezura/dezura/ledger/sqldb"
)

// Ledger is what billing needs from the ledger: the database handle its
// tables live in (beside the ledger's, with foreign keys to them) and the
// technician-days of a contractor. ledger.DB is one.
type Ledger interface {
	Handle() *sqldb.DB
	AttendanceCounter
}

// Billing is billing's view of the database: plans, subscriptions, invoices,
// payments and transfers, in tables of its own (billing_*), migrated as the
// "billing" migration set on the ledger's handle.
type Billing struct {
	h          *sqldb.DB
	db         *sql.DB // h.SQL()
	attendance AttendanceCounter
	now        func() time.Time

	// testHookAfterInsert, when set, runs inside a run's transaction after
	// the invoices are inserted and before it commits; an error aborts it,
	// standing in for a crash half-way.
	testHookAfterInsert func() error
}

// Option configures New.
type Option func(*Billing)

// WithClock sets the clock used for audit timestamps (created_at). Dates that
// decide what is billed are always passed in explicitly.
func WithClock(now func() time.Time) Option { return func(b *Billing) { b.now = now } }

// New builds billing on the ledger's database and applies billing's
// migrations (after the ledger's, whose contractors billing refers to).
// Runs count technician-days with l unless RunOptions.Attendance says
// otherwise. Billing has nothing of its own to close: the ledger owns the
// handle.
func New(ctx context.Context, l Ledger, opts ...Option) (*Billing, error) {
	h := l.Handle()
	b := &Billing{h: h, db: h.SQL(), attendance: l, now: time.Now}
	for _, o := range opts {
		o(b)
	}
	if err := h.Migrate(ctx, Migrations); err != nil {
		return nil, err
	}
	return b, nil
}

// q turns '?' placeholders into the dialect's.
func (b *Billing) q(query string) string { return b.h.Rebind(query) }

func (b *Billing) stamp() string { return b.now().UTC().Format(time.RFC3339Nano) }

// parseStoredDate reads a date column ("" is the zero Date).
func parseStoredDate(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	return ParseDate(s)
}
