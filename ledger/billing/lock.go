package billing

import (
	"context"
	"database/sql"
	"fmt"
)

// runLock is the named lock (sqldb.DB.Lock) one run holds while it
// issues invoices: on PostgreSQL a session advisory lock keyed by the
// schema on a dedicated connection (released by the server if the process
// dies), on SQLite the file PATH.billing-run (released by the kernel). A
// second runner waits until the first is done, then finds nothing left to
// issue.
const runLock = "billing-run"

// lockRun takes the run lock and returns its release.
func (b *Billing) lockRun(ctx context.Context) (release func(), err error) {
	l, err := b.h.Lock(ctx, runLock)
	if err != nil {
		return nil, fmt.Errorf("billing: run lock: %w", err)
	}
	return l.Release, nil
}

// txLock serialises transactions on key until tx ends. SQLite needs nothing:
// its write transactions (BEGIN IMMEDIATE) are serialised already.
func (b *Billing) txLock(ctx context.Context, tx *sql.Tx, key string) error {
	return b.h.LockTx(ctx, tx, "billing:"+key)
}
