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

// inBatch is how many keys one IN (...) lookup carries.
const inBatch = 500

// Registered says which of keys the database holds, a few queries for
// the whole import rather than three per row.
func (s *Store) Registered(ctx context.Context, keys ledger.ImportKeys) (ledger.Registered, error) {
	var r ledger.Registered
	var err error
	if r.Technicians, err = s.present(ctx, "technicians", "id", keys.TechnicianIDs); err != nil {
		return r, fmt.Errorf("look up registered technicians: %w", err)
	}
	if r.Contractors, err = s.present(ctx, "contractors", "id", keys.ContractorIDs); err != nil {
		return r, fmt.Errorf("look up registered contractors: %w", err)
	}
	if r.Phones, err = s.present(ctx, "phones", "e164", keys.Phones); err != nil {
		return r, fmt.Errorf("look up registered phones: %w", err)
	}
	return r, nil
}

// present returns which of vals are in table's column col.
func (s *Store) present(ctx context.Context, table, col string, vals []string) (map[string]bool, error) {
	found := map[string]bool{}
	for len(vals) > 0 {
		n := min(len(vals), inBatch)
		args := make([]any, n)
		for i, v := range vals[:n] {
			args[i] = v
		}
		q := `SELECT ` + col + ` FROM ` + table + ` WHERE ` + col + ` IN (?` + strings.Repeat(", ?", n-1) + `)`
		if err := func() error {
			rows, err := s.db.QueryContext(ctx, s.q(q), args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					return err
				}
				found[v] = true
			}
			return rows.Err()
		}(); err != nil {
			return nil, err
		}
		vals = vals[n:]
	}
	return found, nil
}

// ccusIDColumn is where a CCUS ID is kept, and which entries carry it.
type ccusIDColumn struct {
	what            string // for messages: the CCUS site ID of site 77
	table, col, key string
	held            string                 // the entries the feed's reader holds with it (heldAtSite, heldAtContractor)
	unknown         func(key string) error // the row is not registered
}

var (
	siteCCUSID           = ccusIDColumn{"the CCUS site ID of site", "sites", "ccus_site_id", "code", heldAtSite, ledger.UnknownSite}
	contractorBusinessID = ccusIDColumn{"the CCUS business ID of contractor", "contractors", "ccus_business_id", "id", heldAtContractor, ledger.UnknownContractor}
)

// SetSiteCCUSID sets (or clears) a site's CCUS 現場ID. The entries of the
// site the export feed's reader holds carry the old one: they are due
// again.
func (s *Store) SetSiteCCUSID(ctx context.Context, code, ccusSiteID string) error {
	return s.setCCUSID(ctx, siteCCUSID, code, ccusSiteID)
}

// SetContractorCCUSBusinessID sets (or clears) a contractor's CCUS
// 事業者ID; the entries at its sites the feed's reader holds are due again.
func (s *Store) SetContractorCCUSBusinessID(ctx context.Context, id, businessID string) error {
	return s.setCCUSID(ctx, contractorBusinessID, id, businessID)
}

// setCCUSID sets c of the row key to value and, when it changed, makes
// the entries carrying it due, in one transaction.
func (s *Store) setCCUSID(ctx context.Context, c ccusIDColumn, key, value string) error {
	if err := checkCCUSID(c, key, value); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, s.q(`SELECT `+c.col+` FROM `+c.table+` WHERE `+c.key+` = ?`+s.d.ForUpdate), key).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return c.unknown(key)
		}
		if err != nil || old == value {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE `+c.table+` SET `+c.col+` = ? WHERE `+c.key+` = ?`), value, key); err != nil {
			return err
		}
		if err := s.resend(ctx, tx, c.held, key, s.now().UTC()); err != nil {
			return err
		}
		return s.auditCCUSID(ctx, tx, c, key, old, value)
	})
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return fmt.Errorf("set %s %s: %w", c.what, key, err)
	}
	return err
}

// checkCCUSID is the rule of a CCUS ID: digits only (or none).
func checkCCUSID(c ccusIDColumn, key, value string) error {
	if strings.ContainsFunc(value, func(r rune) bool { return r < '0' || r > '9' }) {
		field := "CCUSSiteID"
		if c.table == "contractors" {
			field = "CCUSBusinessID"
		}
		return ledger.InvalidField(field, ledger.RuleDigits, "%s %s: %q is not a CCUS ID: want digits only", c.what, key, value)
	}
	return nil
}

// auditCCUSID records the change of a CCUS ID in tx.
func (s *Store) auditCCUSID(ctx context.Context, tx *sql.Tx, c ccusIDColumn, key, old, value string) error {
	contractor, kind := key, "contractor"
	if c.table == "sites" {
		kind = "site"
		var id sql.NullString
		if err := tx.QueryRowContext(ctx, s.q(`SELECT contractor_id FROM sites WHERE code = ?`), key).Scan(&id); err != nil {
			return err
		}
		contractor = id.String
	}
	return s.audit(ctx, tx, audit.Record{Action: kind + ".ccus_id", Object: kind + ":" + key, ContractorID: contractor,
		Before: map[string]any{c.col: old}, After: map[string]any{c.col: value}})
}
