package main

// Every store and billing opening of the binary is here: serve calls
// openLedger and openBilling, and the admin commands get theirs from
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

// openLedger opens (and migrates) the store at dbURL with its admin API.
func openLedger(ctx context.Context, dbURL string) (ledger.Store, ledger.Admin, error) {
	st, err := ledger.Open(ctx, dbURL)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open the store: %w", redacted(err, dbURL))
	}
	adm, ok := st.(ledger.Admin)
	if !ok {
		st.Close()
		return nil, nil, fmt.Errorf("the store %s has no admin interface", redactURL(dbURL))
	}
	return st, adm, nil
}

// openBilling opens billing on the store at dbURL.
func openBilling(ctx context.Context, dbURL string) (*billing.Billing, error) {
	b, err := billing.Open(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("cannot open billing: %w", redacted(err, dbURL))
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
	ctx   context.Context
	url   string
	st    ledger.Store
	admin ledger.Admin
	bill  *billing.Billing
}

// bind makes ledger.Store, ledger.Admin and *billing.Billing (and ctx)
// arguments a command's Run may take.
func (s *stores) bind(kctx *kong.Context, ctx context.Context) error {
	s.ctx = ctx
	kctx.BindTo(ctx, (*context.Context)(nil))
	return errors.Join(
		kctx.BindToProvider(func() (ledger.Store, error) { err := s.openLedger(); return s.st, err }),
		kctx.BindToProvider(func() (ledger.Admin, error) { err := s.openLedger(); return s.admin, err }),
		kctx.BindToProvider(func() (*billing.Billing, error) {
			if s.bill != nil {
				return s.bill, nil
			}
			b, err := openBilling(s.ctx, s.url)
			s.bill = b
			return b, err
		}),
	)
}

func (s *stores) openLedger() error {
	if s.st != nil {
		return nil
	}
	st, adm, err := openLedger(s.ctx, s.url)
	s.st, s.admin = st, adm
	return err
}

// Close closes what was opened.
func (s *stores) Close() error {
	var errs []error
	if s.bill != nil {
		errs = append(errs, s.bill.Close())
	}
	if s.st != nil {
		errs = append(errs, s.st.Close())
	}
	return errors.Join(errs...)
}
