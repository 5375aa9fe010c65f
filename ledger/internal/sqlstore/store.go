package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/sqldb"
)

// Store implements ledger.DB over the database handle.
type Store struct {
	h     *sqldb.DB
	db    *sql.DB        // h.SQL()
	d     *sqldb.Dialect // h.Dialect()
	now   func() time.Time
	stmts map[string]*sql.Stmt // query text → statement prepared by New (stmt.go)
	calls callBatcher
}

var _ ledger.DB = (*Store)(nil)

// New builds the store on h and applies the ledger's pending migrations.
// now stamps audit columns (recorded_at, created_at); nil means time.Now.
// The Store owns h and closes it in Close.
func New(ctx context.Context, h *sqldb.DB, now func() time.Time) (*Store, error) {
	s := NewUnmigrated(h, now)
	if err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	s.prepareAll(ctx)
	return s, nil
}

// NewUnmigrated builds the store on h without touching its schema (see
// MigrateTo).
func NewUnmigrated(h *sqldb.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{h: h, db: h.SQL(), d: h.Dialect(), now: now}
}

// Handle returns the database handle, on which sub-schemas (billing, ...)
// are built.
func (s *Store) Handle() *sqldb.DB { return s.h }

// DB returns the underlying database, for tests and benchmarks.
func (s *Store) DB() *sql.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.h.Ping(ctx) }

// Close closes the database.
func (s *Store) Close() error {
	s.closeStmts()
	return s.h.Close()
}

func (s *Store) q(query string) string { return s.d.Rebind(query) }

// inTx runs fn in a transaction, again after a unique violation or a
// transient conflict (sqldb.DB.InTx).
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error { return s.h.InTx(ctx, fn) }

// tryTx runs fn in one transaction.
func (s *Store) tryTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.h.Tx(ctx, nil, fn)
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
		return ledger.Technician{}, ledger.UnknownPhone(e164)
	}
	if err != nil {
		return ledger.Technician{}, fmt.Errorf("look up phone %s: %w", ledger.MaskPhone(e164), err)
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
		return t, ledger.UnknownTechnician(id)
	}
	if err != nil {
		return t, fmt.Errorf("look up technician %s: %w", id, err)
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
		return st, ledger.UnknownSite(code)
	}
	if err != nil {
		return st, fmt.Errorf("look up site %s: %w", code, err)
	}
	return st, nil
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
