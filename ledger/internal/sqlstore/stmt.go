package sqlstore

import (
	"context"
	"database/sql"
)

// Statements a call runs are prepared once per Store and reused
// (Dialect.PrepareOnce): SQLite's driver compiles a query on every call
// otherwise, which was a tenth of the service's CPU in the short-call
// load. PostgreSQL's pgx caches prepared statements per connection
// itself.

// stmt returns query prepared on the database, or on tx's connection when
// tx is not nil; nil if the dialect does not prepare once or preparing
// failed (the caller then runs the query as text and gets the error).
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	if !s.d.PrepareOnce {
		return nil
	}
	v, ok := s.stmts.Load(query)
	if !ok {
		if tx != nil {
			// Preparing on the database would wait for a connection
			// that tx may hold (SQLite has one); New prepares the
			// statements transactions use.
			return nil
		}
		st, err := s.db.PrepareContext(ctx, s.q(query))
		if err != nil {
			return nil
		}
		var loaded bool
		if v, loaded = s.stmts.LoadOrStore(query, st); loaded {
			st.Close()
		}
	}
	st := v.(*sql.Stmt)
	if tx != nil {
		// The transaction's statement reuses the one prepared on its
		// connection and is closed with the transaction.
		return tx.StmtContext(ctx, st)
	}
	return st
}

// row runs a query that returns at most one row, in tx or (nil) on the
// database.
func (s *Store) row(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := s.stmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if tx != nil {
		return tx.QueryRowContext(ctx, s.q(query), args...)
	}
	return s.db.QueryRowContext(ctx, s.q(query), args...)
}

// rows runs a query in tx or (nil) on the database.
func (s *Store) rows(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := s.stmt(ctx, tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	if tx != nil {
		return tx.QueryContext(ctx, s.q(query), args...)
	}
	return s.db.QueryContext(ctx, s.q(query), args...)
}

// exec runs a statement in tx or (nil) on the database.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := s.stmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	if tx != nil {
		return tx.ExecContext(ctx, s.q(query), args...)
	}
	return s.db.ExecContext(ctx, s.q(query), args...)
}

// preparedQueries are prepared by New, so that transactions find them.
var preparedQueries = []string{
	phoneTechnicianQuery, technicianQuery, siteQuery, lastSiteQuery, dayEventsQuery,
	entryForQuery, assignmentQuery, siteHasAssignmentsQuery, replayedQuery,
	codeLockQuery, codeAttemptsQuery, insertEntryQuery, closeEntryQuery, insertEventQuery, insertCallQuery,
}

// prepareAll prepares preparedQueries; one that fails is run as text.
func (s *Store) prepareAll(ctx context.Context) {
	for _, q := range preparedQueries {
		s.stmt(ctx, nil, q)
	}
}

// closeStmts closes the prepared statements.
func (s *Store) closeStmts() {
	s.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		s.stmts.Delete(k)
		return true
	})
}
