// Package sqlstore is the ledger.Store and ledger.Admin implementation over
// database/sql shared by ledger/sqlite and ledger/postgres. Query text is
// written once with '?' placeholders; a Dialect says how the two databases
// differ (placeholders, row locks, column types, error codes).
package sqlstore

import (
	"database/sql"
	"strconv"
	"strings"
)

// Dialect is what differs between the databases.
type Dialect struct {
	Name string
	// Numbered makes '?' placeholders $1, $2, ... (PostgreSQL).
	Numbered bool
	// ForUpdate is appended to a SELECT that reads a row the transaction
	// will update ("" where the whole database is locked by the writer).
	ForUpdate string
	// Types expands {{ID}} and {{TS}} in migrations.
	Types *strings.Replacer
	// MigrationLock runs first in every migration transaction so that two
	// nodes starting at once apply each migration once ("" for none).
	MigrationLock string
	// SnapshotIsolation is the isolation level of a transaction that reads
	// a consistent snapshot and then updates what it read.
	SnapshotIsolation sql.IsolationLevel
	// IsUnique reports a unique or primary-key violation.
	IsUnique func(error) bool
	// PrepareOnce prepares the statements a call runs once per Store
	// (stmt.go) instead of compiling them on every call.
	PrepareOnce bool
	// IsRetryable reports a transient conflict (serialization failure,
	// deadlock, busy) after which the whole transaction may be run again.
	IsRetryable func(error) bool
}

// rebind turns '?' placeholders into the dialect's.
func (d *Dialect) rebind(q string) string {
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
