package sqlstore

import (
	"context"
	"database/sql"
)

// Statements a call runs are prepared once, by New, and reused
// (Dialect.PrepareOnce): SQLite's driver compiles a query on every call
// otherwise, which was a tenth of the service's CPU in the short-call
// load. PostgreSQL's pgx caches prepared statements per connection
// itself.

// stmt returns query as New prepared it, bound to tx when tx is not nil;
// nil for a query New did not prepare (the caller runs it as text).
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	st := s.stmts[query]
	if st == nil || tx == nil {
		return st
	}
	// The transaction's statement reuses the one prepared on its
	// connection and is closed with the transaction.
	return tx.StmtContext(ctx, st)
}

// conn is what runs a query as text: tx, or the database when tx is nil.
func (s *Store) conn(tx *sql.Tx) interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
} {
	if tx != nil {
		return tx
	}
	return s.db
}

// row runs a query that returns at most one row, in tx or (nil) on the
// database.
func (s *Store) row(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := s.stmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.conn(tx).QueryRowContext(ctx, s.q(query), args...)
}

// rows runs a query in tx or (nil) on the database.
func (s *Store) rows(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := s.stmt(ctx, tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.conn(tx).QueryContext(ctx, s.q(query), args...)
}

// exec runs a statement in tx or (nil) on the database.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := s.stmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.conn(tx).ExecContext(ctx, s.q(query), args...)
}

// preparedQueries are prepared by New, so that transactions find them.
var preparedQueries = []string{
	phoneTechnicianQuery, technicianQuery, siteQuery, lastSiteQuery, dayEventsQuery,
	entryForQuery, assignmentQuery, siteHasAssignmentsQuery, replayedQuery,
	codeLockQuery, codeAttemptsQuery, insertEntryQuery, saveEntryQuery, enqueueQuery, insertEventQuery, insertCallQuery,
}

// prepareAll prepares preparedQueries where the dialect asks for it (New
// calls it before the Store is shared; the map is read-only after). A
// query that fails to prepare is run as text and reports its error then.
func (s *Store) prepareAll(ctx context.Context) {
	if !s.d.PrepareOnce {
		return
	}
	s.stmts = make(map[string]*sql.Stmt, len(preparedQueries))
	for _, q := range preparedQueries {
		if st, err := s.db.PrepareContext(ctx, s.q(q)); err == nil {
			s.stmts[q] = st
		}
	}
}

// closeStmts closes the prepared statements; a query run after Close gets
// the closed statement's error.
func (s *Store) closeStmts() {
	for _, st := range s.stmts {
		st.Close()
	}
}
