package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/dezura/dezura/ledger"
)

// technicianRecord is a technician as the audit log keeps it; the
// security code only as whether one is set.
func technicianRecord(t ledger.TechnicianRow) map[string]any {
	return map[string]any{"id": t.ID, "name": t.Name, "contractor_id": t.ContractorID, "language": t.Language,
		"disabled": t.Disabled, "security_code": t.HasSecurityCode}
}

const technicianRowCols = `t.id, t.name, t.contractor_id, t.language, t.disabled, t.security_code_hash <> '', COALESCE(c.name, '')`

const technicianRowFrom = ` FROM technicians t LEFT JOIN contractors c ON c.id = t.contractor_id`

func scanTechnicianRow(sc scanner) (ledger.TechnicianRow, error) {
	var r ledger.TechnicianRow
	var contractor sql.NullString
	err := sc.Scan(&r.ID, &r.Name, &contractor, &r.Language, &r.Disabled, &r.HasSecurityCode, &r.ContractorName)
	r.ContractorID = contractor.String
	return r, err
}

// scopedTechnician reads a technician sc sees, in tx (for update) or on
// the database.
func (s *Store) scopedTechnician(ctx context.Context, tx *sql.Tx, sc ledger.Scope, id string) (ledger.TechnicianRow, bool, error) {
	cond, args := technicianScope(sc)
	q := `SELECT ` + technicianRowCols + technicianRowFrom + ` WHERE t.id = ? AND ` + cond
	if tx != nil {
		q += strings.Replace(s.d.ForUpdate, "FOR UPDATE", "FOR UPDATE OF t", 1)
	}
	r, err := scanTechnicianRow(s.conn(tx).QueryRowContext(ctx, s.q(q), append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("look up technician %s: %w", id, err)
	}
	return r, true, nil
}

// ScopedTechnician returns a technician sc sees; any other is not
// registered.
func (s *Store) ScopedTechnician(ctx context.Context, sc ledger.Scope, id string) (ledger.TechnicianRow, error) {
	r, ok, err := s.scopedTechnician(ctx, nil, sc, id)
	if err == nil && !ok {
		err = ledger.UnknownTechnician(id)
	}
	return r, err
}

// CreateTechnician registers one technician of a contractor sc may change.
func (s *Store) CreateTechnician(ctx context.Context, sc ledger.Scope, r ledger.TechnicianImport) error {
	if !sc.CanChange(r.ContractorID) {
		return forbidden("technician " + r.ID)
	}
	return s.ImportTechnicians(ctx, []ledger.TechnicianImport{r})
}

func (s *Store) technicianRec(ctx context.Context, sc ledger.Scope, id string) record[ledger.TechnicianRow] {
	return record[ledger.TechnicianRow]{
		what: "technician " + id, object: "technician:" + id, notFound: ledger.UnknownTechnician(id), audited: technicianRecord,
		load: func(tx *sql.Tx) (ledger.TechnicianRow, string, bool, error) {
			r, ok, err := s.scopedTechnician(ctx, tx, sc, id)
			return r, r.ContractorID, ok, err
		},
		save: func(tx *sql.Tx, r ledger.TechnicianRow) error {
			_, err := tx.ExecContext(ctx, s.q(`UPDATE technicians SET name = ?, language = ?, disabled = ? WHERE id = ?`),
				r.Name, r.Language, r.Disabled, id)
			return err
		},
	}
}

// UpdateTechnician changes a technician's name and language.
func (s *Store) UpdateTechnician(ctx context.Context, sc ledger.Scope, t ledger.Technician) error {
	name := strings.TrimSpace(t.Name)
	if t.Language == "" {
		return ledger.InvalidField("Language", ledger.RuleLanguage, "technician %s: language: want ja or en", t.ID)
	}
	if err := ValidateTechnician(ledger.TechnicianImport{Technician: ledger.Technician{ID: t.ID, Name: name, Language: t.Language}}); err != nil {
		return err
	}
	return change(ctx, s, sc, s.technicianRec(ctx, sc, t.ID), "technician.update", func(_ *sql.Tx, r *ledger.TechnicianRow) error {
		r.Name, r.Language = name, t.Language
		return nil
	})
}

// SetTechnicianDisabled disables a technician (RecordAttendance refuses
// them) or enables them again.
func (s *Store) SetTechnicianDisabled(ctx context.Context, sc ledger.Scope, id string, disabled bool) error {
	return change(ctx, s, sc, s.technicianRec(ctx, sc, id), enableAction("technician", disabled), func(_ *sql.Tx, r *ledger.TechnicianRow) error {
		r.Disabled = disabled
		return nil
	})
}

// SetSecurityCode stores code as a salted hash, or removes the code with
// "". Setting a code always writes (and audits) a new hash, so that a
// reset is recorded even when the code is the same.
func (s *Store) SetSecurityCode(ctx context.Context, sc ledger.Scope, id, code string) error {
	hash := ""
	if code != "" {
		if field, _ := technicianField(ledger.TechnicianImport{Technician: ledger.Technician{ID: id, Name: "x"}, SecurityCode: code}); field == "SecurityCode" {
			return ledger.InvalidField("SecurityCode", ledger.RuleSecurityCode, "technician %s: security code: want 4 digits", id)
		}
		h, err := bcrypt.GenerateFromPassword([]byte(code), securityCodeCost)
		if err != nil {
			return fmt.Errorf("technician %s: hash security code: %w", id, err)
		}
		hash = string(h)
	}
	rec := s.technicianRec(ctx, sc, id)
	rec.always = true // a reset to a new code is a change even when one was set before
	action := "technician.security_code.set"
	if code == "" {
		action = "technician.security_code.remove"
	}
	return change(ctx, s, sc, rec, action, func(tx *sql.Tx, r *ledger.TechnicianRow) error {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE technicians SET security_code_hash = ? WHERE id = ?`), hash, id); err != nil {
			return err
		}
		r.HasSecurityCode = hash != ""
		return nil
	})
}

// TechniciansPage lists the technicians sc sees, by ID.
func (s *Store) TechniciansPage(ctx context.Context, sc ledger.Scope, lq ledger.ListQuery) (ledger.Page[ledger.TechnicianRow], error) {
	var page ledger.Page[ledger.TechnicianRow]
	var w where
	w.and(technicianScope(sc))
	if !lq.WithDisabled {
		w.add("t.disabled = FALSE")
	}
	if lq.ContractorID != "" {
		w.add("t.contractor_id = ?", lq.ContractorID)
	}
	if q := strings.TrimSpace(lq.Search); q != "" {
		w.add(`(t.name LIKE ? ESCAPE '\' OR t.id LIKE ? ESCAPE '\')`, likePattern(q, false), likePattern(q, true))
	}
	if lq.After != "" {
		w.add("t.id > ?", lq.After)
	}
	limit := ledger.PageLimit(lq.Limit)
	err := s.scanRows(ctx, `SELECT `+technicianRowCols+technicianRowFrom+w.String()+fmt.Sprintf(` ORDER BY t.id LIMIT %d`, limit+1), w.args,
		func(sc scanner) error {
			r, err := scanTechnicianRow(sc)
			page.Rows = append(page.Rows, r)
			return err
		})
	if err != nil {
		return page, fmt.Errorf("list technicians: %w", err)
	}
	if len(page.Rows) > limit {
		page.Rows = page.Rows[:limit]
		page.Next = page.Rows[limit-1].ID
	}
	return page, nil
}
