package main

// Every store and billing opening of the binary is here: serve calls
// openLedger and newBilling, and the admin commands get theirs from
// stores, which opens on first use and closes after the command.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
	_ "github.com/dezura/dezura/ledger/postgres" // registers postgres:// with ledger.Open
	_ "github.com/dezura/dezura/ledger/sqlite"   // registers sqlite: with ledger.Open
)

// openLedger opens (and migrates) the database at dbURL.
func openLedger(ctx context.Context, dbURL string) (ledger.DB, error) {
	db, err := ledger.Open(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("cannot open the store: %w", redacted(err, dbURL))
	}
	return db, nil
}

// newBilling opens billing (migrating its tables) on the ledger's database.
func newBilling(ctx context.Context, db ledger.DB) (*billing.Billing, error) {
	b, err := billing.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("cannot open billing: %w", err)
	}
	return b, nil
}

// redactURL hides a password in a store URL.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

// redactedError is an error whose message quotes a store URL, with the
// URL's password hidden; errors.Is and As still see the error.
type redactedError struct {
	err       error
	url, safe string
}

func (e redactedError) Error() string { return strings.ReplaceAll(e.err.Error(), e.url, e.safe) }
func (e redactedError) Unwrap() error { return e.err }

// redacted hides dbURL's password wherever err's message quotes it (a
// store that does not know the URL's scheme quotes it whole).
func redacted(err error, dbURL string) error {
	if safe := redactURL(dbURL); safe != dbURL {
		return redactedError{err, dbURL, safe}
	}
	return err
}

// fileError says which file could not be read or written, once: the
// operating system's error without the path it repeats (and, for a
// temporary file beside it, a name the user never typed).
func fileError(verb, path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot %s %s: %w", verb, path, err)
}

// stores gives a command the ledger or billing it asks for, opened once on
// first use; run closes them after the command.
type stores struct {
	ctx  context.Context
	url  string
	db   ledger.DB
	bill *billing.Billing
}

// bind makes ledger.DB, ledger.Store, ledger.Admin, ledger.Reports and
// *billing.Billing (and ctx) arguments a command's Run may take.
func (s *stores) bind(kctx *kong.Context, ctx context.Context) error {
	s.ctx = ctx
	kctx.BindTo(ctx, (*context.Context)(nil))
	return errors.Join(
		kctx.BindToProvider(s.ledger),
		kctx.BindToProvider(func() (ledger.Store, error) { return s.ledger() }),
		kctx.BindToProvider(func() (ledger.Admin, error) { return s.ledger() }),
		kctx.BindToProvider(func() (ledger.Reports, error) { return s.ledger() }),
		kctx.BindToProvider(func() (*billing.Billing, error) {
			if s.bill != nil {
				return s.bill, nil
			}
			db, err := s.ledger()
			if err != nil {
				return nil, err
			}
			s.bill, err = newBilling(s.ctx, db)
			return s.bill, err
		}),
	)
}

func (s *stores) ledger() (ledger.DB, error) {
	if s.db != nil {
		return s.db, nil
	}
	db, err := openLedger(s.ctx, s.url)
	if err != nil {
		return nil, err
	}
	s.db = db
	return db, nil
}

// Close closes what was opened (billing lives on the ledger's database).
func (s *stores) Close() error {
	if s.db == nil {
		return nil
	}
	return s.db.Close()
}
