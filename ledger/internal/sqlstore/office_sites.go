package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/audit"
)

// validateSite checks a site and returns it with its DID in E.164.
func validateSite(st ledger.Site) (ledger.Site, error) {
	if !siteCodeRe.MatchString(st.Code) {
		return st, ledger.InvalidField("Code", ledger.RuleSiteCode, "site code %q: want 1 to 8 digits", st.Code)
	}
	st.Name = strings.TrimSpace(st.Name)
	if st.Name == "" {
		return st, ledger.InvalidField("Name", ledger.RuleRequired, "site %s: name is empty", st.Code)
	}
	if why := ledger.CheckText("name", st.Name, ledger.MaxSiteNameLen); why != "" {
		return st, ledger.InvalidField("Name", ledger.RuleText, "site %s: %s", st.Code, why)
	}
	if !st.OpensOn.IsZero() && !st.ClosesOn.IsZero() && dateOf(st.ClosesOn) < dateOf(st.OpensOn) {
		return st, ledger.InvalidField("ClosesOn", ledger.RuleDateOrder, "site %s: closes %s before it opens %s", st.Code, dateOf(st.ClosesOn), dateOf(st.OpensOn))
	}
	if err := checkCCUSID(siteCCUSID, st.Code, st.CCUSSiteID); err != nil {
		return st, err
	}
	if st.DID != "" {
		did, err := ledger.NormalizePhone(st.DID)
		if err != nil {
			return st, fmt.Errorf("site %s DID: %w", st.Code, err)
		}
		st.DID = did
	}
	return st, nil
}

// siteRecord is a site as the audit log keeps it.
func siteRecord(st ledger.Site) map[string]any {
	return map[string]any{"code": st.Code, "name": st.Name, "ccus_site_id": st.CCUSSiteID, "contractor_id": st.ContractorID,
		"opens_on": dateOf(st.OpensOn), "closes_on": dateOf(st.ClosesOn), "did": st.DID, "disabled": st.Disabled}
}

// checkDID refuses a DID that another site than code has.
func (s *Store) checkDID(ctx context.Context, tx *sql.Tx, code, did string) error {
	if did == "" {
		return nil
	}
	var other string
	err := tx.QueryRowContext(ctx, s.q(`SELECT code FROM sites WHERE did = ? AND code <> ?`), did, code).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return ledger.TakenField("DID", "site %s: the number %s is already another site's", code, ledger.MaskPhone(did))
}

// CreateSite registers a site of a contractor sc may change.
func (s *Store) CreateSite(ctx context.Context, sc ledger.Scope, st ledger.Site) error {
	st, err := validateSite(st)
	if err != nil {
		return err
	}
	if !sc.CanChange(st.ContractorID) {
		return forbidden("site " + st.Code)
	}
	err = s.tryTx(ctx, func(tx *sql.Tx) error {
		if st.ContractorID != "" {
			if err := s.mustExist(ctx, tx, "contractors", "id", st.ContractorID, ledger.UnknownContractor(st.ContractorID)); err != nil {
				return err
			}
		}
		if err := s.checkDID(ctx, tx, st.Code, st.DID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO sites (code, ccus_site_id, name, contractor_id, opens_on, closes_on, did, disabled, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			st.Code, st.CCUSSiteID, st.Name, nullString(st.ContractorID), dateOf(st.OpensOn), dateOf(st.ClosesOn),
			nullString(st.DID), st.Disabled, s.now().UTC())
		if s.d.IsUnique(err) {
			return ledger.TakenField("Code", "site %s is already registered", st.Code)
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Record{Action: "site.add", Object: "site:" + st.Code, ContractorID: st.ContractorID, After: siteRecord(st)})
	})
	if err != nil && !said(err) {
		return fmt.Errorf("add site %s: %w", st.Code, err)
	}
	return err
}

// scopedSite reads a site sc sees, in tx (for update) or on the database.
func (s *Store) scopedSite(ctx context.Context, tx *sql.Tx, sc ledger.Scope, code string) (ledger.Site, bool, error) {
	cond, args := siteScope(sc)
	q := `SELECT ` + siteColsS + ` FROM sites s WHERE s.code = ? AND ` + cond
	if tx != nil {
		q += s.d.ForUpdate
	}
	st, err := scanSite(s.conn(tx).QueryRowContext(ctx, s.q(q), append([]any{code}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("look up site %s: %w", code, err)
	}
	return st, true, nil
}

const siteColsS = `s.code, s.ccus_site_id, s.name, s.contractor_id, s.opens_on, s.closes_on, s.did, s.disabled`

// ScopedSite returns a site sc sees; any other is not registered.
func (s *Store) ScopedSite(ctx context.Context, sc ledger.Scope, code string) (ledger.Site, error) {
	st, ok, err := s.scopedSite(ctx, nil, sc, code)
	if err == nil && !ok {
		err = ledger.UnknownSite(code)
	}
	return st, err
}

// siteRec is a site as change reads, audits and writes it.
func (s *Store) siteRec(ctx context.Context, sc ledger.Scope, code string) record[ledger.Site] {
	return record[ledger.Site]{
		what: "site " + code, object: "site:" + code, notFound: ledger.UnknownSite(code), audited: siteRecord,
		load: func(tx *sql.Tx) (ledger.Site, string, bool, error) {
			st, ok, err := s.scopedSite(ctx, tx, sc, code)
			return st, st.ContractorID, ok, err
		},
		save: func(tx *sql.Tx, st ledger.Site) error {
			_, err := tx.ExecContext(ctx, s.q(`UPDATE sites SET ccus_site_id = ?, name = ?, opens_on = ?, closes_on = ?, did = ?, disabled = ?
				WHERE code = ?`), st.CCUSSiteID, st.Name, dateOf(st.OpensOn), dateOf(st.ClosesOn), nullString(st.DID), st.Disabled, code)
			return err
		},
	}
}

// UpdateSite changes a site's name, CCUS site ID, dates and DID.
func (s *Store) UpdateSite(ctx context.Context, sc ledger.Scope, st ledger.Site) error {
	return change(ctx, s, sc, s.siteRec(ctx, sc, st.Code), "site.update", func(tx *sql.Tx, cur *ledger.Site) error {
		next := *cur
		next.Name, next.CCUSSiteID, next.OpensOn, next.ClosesOn, next.DID = st.Name, st.CCUSSiteID, st.OpensOn, st.ClosesOn, st.DID
		next, err := validateSite(next)
		if err != nil {
			return err
		}
		if err := s.checkDID(ctx, tx, cur.Code, next.DID); err != nil {
			return err
		}
		if next.CCUSSiteID != cur.CCUSSiteID {
			// The export feed's reader holds the site's entries with the
			// old ID: they are due again, as SetSiteCCUSID makes them.
			if err := s.resend(ctx, tx, siteCCUSID.held, cur.Code, s.now().UTC()); err != nil {
				return err
			}
		}
		*cur = next
		return nil
	})
}

// SetSiteDisabled closes a site to new attendance, or opens it again.
func (s *Store) SetSiteDisabled(ctx context.Context, sc ledger.Scope, code string, disabled bool) error {
	return change(ctx, s, sc, s.siteRec(ctx, sc, code), enableAction("site", disabled), func(_ *sql.Tx, st *ledger.Site) error {
		st.Disabled = disabled
		return nil
	})
}

// siteOrder sorts site codes as numbers (they are digits only): 77
// before 1001.
const siteOrder = ` ORDER BY length(s.code), s.code`

// SitesPage lists the sites sc sees, by code as a number.
func (s *Store) SitesPage(ctx context.Context, sc ledger.Scope, lq ledger.ListQuery) (ledger.Page[ledger.Site], error) {
	var page ledger.Page[ledger.Site]
	var w where
	w.and(siteScope(sc))
	if !lq.WithDisabled {
		w.add("s.disabled = FALSE")
	}
	if lq.ContractorID != "" {
		w.add("s.contractor_id = ?", lq.ContractorID)
	}
	if q := strings.TrimSpace(lq.Search); q != "" {
		w.add(`(s.name LIKE ? ESCAPE '\' OR s.code LIKE ? ESCAPE '\')`, likePattern(q, false), likePattern(q, true))
	}
	if lq.After != "" {
		w.add("(length(s.code) > ? OR (length(s.code) = ? AND s.code > ?))", len(lq.After), len(lq.After), lq.After)
	}
	limit := ledger.PageLimit(lq.Limit)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+siteColsS+` FROM sites s`+w.String()+siteOrder+fmt.Sprintf(" LIMIT %d", limit+1)), w.args...)
	if err != nil {
		return page, fmt.Errorf("list sites: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		st, err := scanSite(rows)
		if err != nil {
			return page, fmt.Errorf("list sites: %w", err)
		}
		page.Rows = append(page.Rows, st)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("list sites: %w", err)
	}
	if len(page.Rows) > limit {
		page.Rows = page.Rows[:limit]
		page.Next = page.Rows[limit-1].Code
	}
	return page, nil
}
