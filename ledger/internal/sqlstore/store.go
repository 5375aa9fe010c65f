package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dezura/dezura/ledger"
)

// Store implements ledger.Store and ledger.Admin over a *sql.DB.
type Store struct {
	db    *sql.DB
	d     Dialect
	now   func() time.Time
	stmts map[string]*sql.Stmt // query text → statement prepared by New (stmt.go)
	calls callBatcher
}

var (
	_ ledger.Store = (*Store)(nil)
	_ ledger.Admin = (*Store)(nil)
)

// New wraps db and applies pending migrations. now stamps audit columns
// (recorded_at, created_at); nil means time.Now. The Store owns db and
// closes it in Close.
func New(ctx context.Context, db *sql.DB, d Dialect, now func() time.Time) (*Store, error) {
	s := NewUnmigrated(db, d, now)
	if err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	s.prepareAll(ctx)
	return s, nil
}

// NewUnmigrated wraps db without touching its schema (see MigrateTo).
func NewUnmigrated(db *sql.DB, d Dialect, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, d: d, now: now}
}

// DB returns the underlying database, for tests and benchmarks.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error {
	s.closeStmts()
	return s.db.Close()
}

func (s *Store) q(query string) string { return s.d.rebind(query) }

// inTx runs fn in a transaction, running it again (up to 4 times) after a
// unique violation or a transient conflict: a concurrent writer got there
// first, and the next run sees its row.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		err = s.tryTx(ctx, fn)
		if err == nil || ctx.Err() != nil {
			return err
		}
		if !s.d.IsUnique(err) && !s.d.IsRetryable(err) {
			return err
		}
	}
	return err
}

func (s *Store) tryTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	return tx.Commit()
}

const phoneTechnicianQuery = `SELECT technician_id FROM phones
	WHERE e164 = ? AND disabled = FALSE AND technician_id IS NOT NULL`

// TechnicianByPhone returns the technician who calls from e164. A number
// not registered, disabled, or belonging to a foreman gives ErrNotFound.
// A disabled technician is returned with Disabled set.
func (s *Store) TechnicianByPhone(ctx context.Context, e164 string) (ledger.Technician, error) {
	if n, err := ledger.NormalizePhone(e164); err == nil {
		e164 = n // callers should pass E.164; a national form finds the same number
	}
	var id string
	err := s.row(ctx, nil, phoneTechnicianQuery, e164).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Technician{}, fmt.Errorf("ledger: phone %s: %w", maskPhone(e164), ledger.ErrNotFound)
	}
	if err != nil {
		return ledger.Technician{}, fmt.Errorf("ledger: phone %s: %w", maskPhone(e164), err)
	}
	return s.Technician(ctx, id)
}

// Technician returns the technician with the 14-digit id; unknown gives an
// error matching both ErrUnknownTechnician and ErrNotFound.
func (s *Store) Technician(ctx context.Context, id string) (ledger.Technician, error) {
	return s.technician(ctx, nil, id)
}

// technicianQuery reads what a call needs (not the crew number: the
// attendance path reads the columns every schema version has).
const technicianQuery = `SELECT id, name, contractor_id, language, disabled FROM technicians WHERE id = ?`

func (s *Store) technician(ctx context.Context, tx *sql.Tx, id string) (ledger.Technician, error) {
	var t ledger.Technician
	var contractor sql.NullString
	err := s.row(ctx, tx, technicianQuery, id).Scan(&t.ID, &t.Name, &contractor, &t.Language, &t.Disabled)
	t.ContractorID = contractor.String
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("ledger: technician %s: %w: %w", id, ledger.ErrUnknownTechnician, ledger.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("ledger: technician %s: %w", id, err)
	}
	return t, nil
}

const technicianCols = `id, name, contractor_id, language, crew_number, disabled`

func scanTechnician(sc interface{ Scan(...any) error }) (ledger.Technician, error) {
	var t ledger.Technician
	var contractor, crew sql.NullString
	err := sc.Scan(&t.ID, &t.Name, &contractor, &t.Language, &crew, &t.Disabled)
	t.ContractorID, t.CrewNumber = contractor.String, crew.String
	return t, err
}

// SiteByCode returns the site; unknown gives an error matching both
// ErrUnknownSite and ErrNotFound. A disabled site is returned with
// Disabled set.
func (s *Store) SiteByCode(ctx context.Context, code string) (ledger.Site, error) {
	return s.site(ctx, nil, code)
}

const siteCols = `code, ccus_site_id, name, contractor_id, opens_on, closes_on, did, disabled`

func scanSite(sc interface{ Scan(...any) error }) (ledger.Site, error) {
	var st ledger.Site
	var contractor, did sql.NullString
	var opens, closes string
	if err := sc.Scan(&st.Code, &st.CCUSSiteID, &st.Name, &contractor, &opens, &closes, &did, &st.Disabled); err != nil {
		return st, err
	}
	st.ContractorID, st.DID = contractor.String, did.String
	var err error
	if opens != "" {
		if st.OpensOn, err = ledger.ParseWorkDate(opens); err != nil {
			return st, err
		}
	}
	if closes != "" {
		if st.ClosesOn, err = ledger.ParseWorkDate(closes); err != nil {
			return st, err
		}
	}
	return st, nil
}

const siteQuery = `SELECT ` + siteCols + ` FROM sites WHERE code = ?`

func (s *Store) site(ctx context.Context, tx *sql.Tx, code string) (ledger.Site, error) {
	st, err := scanSite(s.row(ctx, tx, siteQuery, code))
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("ledger: site %s: %w: %w", code, ledger.ErrUnknownSite, ledger.ErrNotFound)
	}
	if err != nil {
		return st, fmt.Errorf("ledger: site %s: %w", code, err)
	}
	return st, nil
}

// maskPhone keeps a caller number out of logs and errors in full.
func maskPhone(e164 string) string {
	if len(e164) <= 4 {
		return "****"
	}
	return e164[:len(e164)-4] + "****"
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullTime stores the zero time as NULL and every other time in UTC.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func timeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func dateOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ledger.WorkDate(t)
}
