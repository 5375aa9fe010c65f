package sqldb

import (
	"database/sql"
	"strconv"
	"strings"
)

// Dialect is what differs between the databases. ledger/sqlite and
// ledger/postgres each define one; queries are written once with '?'
// placeholders and the {{ID}}/{{TS}} column types.
type Dialect struct {
	// Name is "sqlite" or "postgres"; a migration's ByDialect is keyed by it.
	Name string
	// Numbered makes '?' placeholders $1, $2, ... (PostgreSQL).
	Numbered bool
	// ForUpdate is appended to a SELECT that reads a row the transaction
	// will update ("" where the whole database is locked by the writer).
	ForUpdate string
	// Types expands {{ID}} (an auto-increment primary key) and {{TS}} (a
	// timestamp column) in migrations.
	Types *strings.Replacer
	// SnapshotIsolation is the isolation level of a transaction that reads
	// a consistent snapshot and then updates what it read.
	SnapshotIsolation sql.IsolationLevel
	// PrepareOnce asks stores to prepare the statements a call runs once
	// instead of compiling them on every call (SQLite's driver does not
	// cache them; pgx does).
	PrepareOnce bool
	// TxLock, with one '?' for a text key, takes a lock held until the
	// transaction ends, so that transactions on the same key run one after
	// the other ("" where write transactions are serialised anyway, as
	// SQLite's BEGIN IMMEDIATE is).
	TxLock string
	// TableExists, with one '?' for a table name, counts the tables of that
	// name that unqualified queries would find.
	TableExists string
	// IsUnique reports a unique or primary-key violation.
	IsUnique func(error) bool
	// IsRetryable reports a transient conflict (serialization failure,
	// deadlock, busy) after which the whole transaction may be run again.
	IsRetryable func(error) bool
}

// Rebind turns '?' placeholders into the dialect's. Queries never hold a
// literal question mark.
func (d *Dialect) Rebind(q string) string {
	if !d.Numbered {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
