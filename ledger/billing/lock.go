package billing

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lockRun takes the one-runner-at-a-time lock and returns its release. On
// PostgreSQL it is a session advisory lock keyed by the schema, held on a
// dedicated connection (released by the server if the process dies); on
// SQLite it is flock(2) on a file beside the database (released by the
// kernel if the process dies). A second runner waits until the first is
// done, then finds nothing left to issue.
func (b *Billing) lockRun(ctx context.Context) (release func(), err error) {
	if b.dialect == dialectPostgres {
		conn, err := b.db.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("billing: run lock: %w", err)
		}
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext('dezura-billing-run:' || current_schema()))`); err != nil {
			conn.Close()
			return nil, fmt.Errorf("billing: run lock: %w", err)
		}
		return func() {
			// A fresh context: the run's may be cancelled. If unlock fails
			// the connection is discarded, which ends the session and so
			// releases the lock as well.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtext('dezura-billing-run:' || current_schema()))`); err != nil {
				conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discards the conn
			}
			conn.Close()
		}, nil
	}
	f, err := os.OpenFile(b.lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("billing: run lock: %w", err)
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() {
				unix.Flock(int(f.Fd()), unix.LOCK_UN) //nolint:errcheck // closing releases it too
				f.Close()
			}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("billing: run lock %s: %w", b.lockPath, err)
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("billing: run lock: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// txLock serialises transactions on key until tx ends. SQLite needs nothing:
// its write transactions (BEGIN IMMEDIATE) are serialised already.
func (b *Billing) txLock(ctx context.Context, tx *sql.Tx, key string) error {
	if b.dialect != dialectPostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "dezura-billing:"+key)
	return err
}
