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

func assignmentRecord(a ledger.AssignmentRow) map[string]any {
	return map[string]any{"site_code": a.SiteCode, "technician_id": a.TechnicianID, "trade": a.Trade, "role": a.Role, "disabled": a.Disabled}
}

func validateAssignment(a ledger.Assignment) (ledger.Assignment, error) {
	a.Trade, a.Role = strings.TrimSpace(a.Trade), strings.TrimSpace(a.Role)
	if why := ledger.CheckText("trade", a.Trade, ledger.MaxTradeLen); why != "" {
		return a, ledger.InvalidField("Trade", ledger.RuleText, "assign %s to site %s: %s", a.TechnicianID, a.SiteCode, why)
	}
	if why := ledger.CheckText("role", a.Role, ledger.MaxRoleLen); why != "" {
		return a, ledger.InvalidField("Role", ledger.RuleText, "assign %s to site %s: %s", a.TechnicianID, a.SiteCode, why)
	}
	return a, nil
}

const assignmentRowSelect = `SELECT a.site_code, a.technician_id, a.trade, a.role, a.disabled, t.name, COALESCE(s.contractor_id, '')
	FROM assignments a JOIN sites s ON s.code = a.site_code JOIN technicians t ON t.id = a.technician_id`

func scanAssignmentRow(sc scanner) (ledger.AssignmentRow, string, error) {
	var r ledger.AssignmentRow
	var contractor string
	err := sc.Scan(&r.SiteCode, &r.TechnicianID, &r.Trade, &r.Role, &r.Disabled, &r.TechnicianName, &contractor)
	return r, contractor, err
}

func notAssigned(site, tech string) error {
	return ledger.NotFound(nil, "technician %s is not assigned to site %s (see: dezura assign list --site %s)", tech, site, site)
}

func (s *Store) assignmentRec(ctx context.Context, sc ledger.Scope, site, tech string) record[ledger.AssignmentRow] {
	return record[ledger.AssignmentRow]{
		what: fmt.Sprintf("the assignment of %s at site %s", tech, site), object: "assignment:" + site + "/" + tech,
		notFound: notAssigned(site, tech), audited: assignmentRecord,
		load: func(tx *sql.Tx) (ledger.AssignmentRow, string, bool, error) {
			cond, args := siteScope(sc)
			q := assignmentRowSelect + ` WHERE a.site_code = ? AND a.technician_id = ? AND ` + cond +
				strings.Replace(s.d.ForUpdate, "FOR UPDATE", "FOR UPDATE OF a", 1)
			r, contractor, err := scanAssignmentRow(tx.QueryRowContext(ctx, s.q(q), append([]any{site, tech}, args...)...))
			if errors.Is(err, sql.ErrNoRows) {
				return r, "", false, nil
			}
			return r, contractor, err == nil, err
		},
		save: func(tx *sql.Tx, a ledger.AssignmentRow) error {
			_, err := tx.ExecContext(ctx, s.q(`UPDATE assignments SET trade = ?, role = ?, disabled = ? WHERE site_code = ? AND technician_id = ?`),
				a.Trade, a.Role, a.Disabled, site, tech)
			return err
		},
	}
}

// CreateAssignment assigns a technician sc sees to a site sc may change.
func (s *Store) CreateAssignment(ctx context.Context, sc ledger.Scope, a ledger.Assignment) error {
	a, err := validateAssignment(a)
	if err != nil {
		return err
	}
	err = s.tryTx(ctx, func(tx *sql.Tx) error {
		site, ok, err := s.scopedSite(ctx, tx, sc, a.SiteCode)
		if err != nil {
			return err
		}
		if err := canChange(sc, site.ContractorID, ok, ledger.UnknownSite(a.SiteCode), "site "+a.SiteCode); err != nil {
			return err
		}
		if _, ok, err := s.scopedTechnician(ctx, tx, sc, a.TechnicianID); err != nil {
			return err
		} else if !ok {
			return ledger.UnknownTechnician(a.TechnicianID)
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO assignments (site_code, technician_id, trade, role, disabled, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`), a.SiteCode, a.TechnicianID, a.Trade, a.Role, a.Disabled, s.now().UTC())
		if s.d.IsUnique(err) {
			return ledger.TakenField("TechnicianID", "technician %s at site %s is already registered", a.TechnicianID, a.SiteCode)
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Record{Action: "assignment.add", Object: "assignment:" + a.SiteCode + "/" + a.TechnicianID,
			ContractorID: site.ContractorID, After: assignmentRecord(ledger.AssignmentRow{Assignment: a})})
	})
	if err != nil && !said(err) {
		return fmt.Errorf("assign %s to site %s: %w", a.TechnicianID, a.SiteCode, err)
	}
	return err
}

// UpdateAssignment changes an assignment's trade and role.
func (s *Store) UpdateAssignment(ctx context.Context, sc ledger.Scope, a ledger.Assignment) error {
	a, err := validateAssignment(a)
	if err != nil {
		return err
	}
	return change(ctx, s, sc, s.assignmentRec(ctx, sc, a.SiteCode, a.TechnicianID), "assignment.update",
		func(_ *sql.Tx, r *ledger.AssignmentRow) error {
			r.Trade, r.Role = a.Trade, a.Role
			return nil
		})
}

// SetAssignmentDisabled ends an assignment, or takes it up again.
func (s *Store) SetAssignmentDisabled(ctx context.Context, sc ledger.Scope, site, tech string, disabled bool) error {
	return change(ctx, s, sc, s.assignmentRec(ctx, sc, site, tech), enableAction("assignment", disabled),
		func(_ *sql.Tx, r *ledger.AssignmentRow) error {
			r.Disabled = disabled
			return nil
		})
}

// SiteAssignments lists the assignments of a site sc sees: foremen first,
// then by technician ID.
func (s *Store) SiteAssignments(ctx context.Context, sc ledger.Scope, site string) ([]ledger.AssignmentRow, error) {
	if _, err := s.ScopedSite(ctx, sc, site); err != nil {
		return nil, err
	}
	var out []ledger.AssignmentRow
	err := s.scanRows(ctx, assignmentRowSelect+` WHERE a.site_code = ?
		ORDER BY a.disabled, CASE WHEN a.role = ? THEN 0 ELSE 1 END, a.technician_id`, []any{site, ledger.ForemanRole},
		func(sc scanner) error {
			r, _, err := scanAssignmentRow(sc)
			out = append(out, r)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("list the assignments of site %s: %w", site, err)
	}
	return out, nil
}

// ScopedContractors lists the contractors sc sees.
func (s *Store) ScopedContractors(ctx context.Context, sc ledger.Scope) ([]ledger.Contractor, error) {
	if sc.All() {
		return s.Contractors(ctx)
	}
	if sc.ContractorID == "" {
		return nil, nil
	}
	c, err := s.Contractor(ctx, sc.ContractorID)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []ledger.Contractor{c}, nil
}
