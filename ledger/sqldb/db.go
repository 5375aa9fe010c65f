// Package sqldb is the one database handle of a dezura process: the
// *sql.DB, the dialect that says how SQLite and PostgreSQL differ,
// transactions with retry, named migration sets (the ledger's, billing's,
// ...) under one runner, and named locks that hold across processes.
//
// ledger/sqlite and ledger/postgres open it; the ledger store and every
// sub-schema (billing, ...) are built on the same handle, so a process has
// one connection pool per database (on SQLite: one connection).
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// DB is an open database: the pool, its dialect and its locks.
type DB struct {
	db    *sql.DB
	d     Dialect
	locks Locker
	close func() error // after db.Close: what else the opener opened (a pgx pool)
}

// New wraps db. locks gives the named cross-process locks (AdvisoryLocks,
// FileLocks or ProcessLocks); closeAlso, if not nil, runs after db is
// closed. The DB owns db.
func New(db *sql.DB, d Dialect, locks Locker, closeAlso func() error) *DB {
	return &DB{db: db, d: d, locks: locks, close: closeAlso}
}

// SQL returns the pool.
func (h *DB) SQL() *sql.DB { return h.db }

// Dialect returns the database's dialect.
func (h *DB) Dialect() *Dialect { return &h.d }

// Rebind turns '?' placeholders into the dialect's.
func (h *DB) Rebind(q string) string { return h.d.Rebind(q) }

// IsUnique reports a unique or primary-key violation.
func (h *DB) IsUnique(err error) bool { return h.d.IsUnique(err) }

// Ping checks that the database answers.
func (h *DB) Ping(ctx context.Context) error {
	if err := h.db.PingContext(ctx); err != nil {
		return fmt.Errorf("database does not answer: %w", err)
	}
	return nil
}

// Close closes the pool (and what the opener asked to close with it).
func (h *DB) Close() error {
	err := h.db.Close()
	if h.close != nil {
		err = errors.Join(err, h.close())
	}
	return err
}

// Tx runs fn in one transaction with opts (nil: the default), committing
// if fn returns nil and rolling back otherwise.
func (h *DB) Tx(ctx context.Context, opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	tx, err := h.db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, IgnoreDone(tx.Rollback()))
	}
	return tx.Commit()
}

// txAttempts bounds InTx's runs of one transaction.
const txAttempts = 4

// InTx runs fn in a transaction, running it again (up to 4 times in all)
// after a unique violation or a transient conflict: a concurrent writer
// got there first, and the next run sees its row.
func (h *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for range txAttempts {
		err = h.Tx(ctx, nil, fn)
		if err == nil || ctx.Err() != nil {
			return err
		}
		if !h.d.IsUnique(err) && !h.d.IsRetryable(err) {
			return err
		}
	}
	return err
}

// LockTx takes the transaction-scoped lock on key: other transactions
// locking the same key wait until tx ends. Where the dialect serialises
// write transactions anyway (SQLite) it does nothing.
func (h *DB) LockTx(ctx context.Context, tx *sql.Tx, key string) error {
	if h.d.TxLock == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, h.d.Rebind(h.d.TxLock), "dezura-"+key); err != nil {
		return fmt.Errorf("lock %s: %w", key, err)
	}
	return nil
}

// IgnoreDone drops sql.ErrTxDone: a rollback after the commit or an
// earlier rollback.
func IgnoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
