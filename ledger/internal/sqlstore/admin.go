package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/audit"
)

// securityCodeCost is the bcrypt cost for the 4-digit card security code.
// With only 10,000 possible codes no cost makes a stolen hash safe; the
// salt keeps one table from serving every technician, and a low cost keeps
// a bulk import of 100,000 technicians in minutes, not hours.
const securityCodeCost = 6

var (
	siteCodeRe     = regexp.MustCompile(`^[0-9]{1,8}$`)
	contractorIDRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// invalid is an error matching ErrInvalid that says what rule was broken.
func invalid(format string, args ...any) error { return ledger.Invalid(format, args...) }

// exists says a unique violation of an add as "thing is already
// registered" (ErrExists); other errors get the action as context.
func (s *Store) exists(err error, action, thing string) error {
	if err == nil {
		return nil
	}
	if s.d.IsUnique(err) {
		return ledger.Exists("%s is already registered", thing)
	}
	return fmt.Errorf("%s: %w", action, err)
}

// mustExist returns notFound unless table has a row whose col is val.
func (s *Store) mustExist(ctx context.Context, tx *sql.Tx, table, col, val string, notFound error) error {
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM `+table+` WHERE `+col+` = ?`), val).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// AddContractor registers a contractor.
func (s *Store) AddContractor(ctx context.Context, c ledger.Contractor) error {
	if !contractorIDRe.MatchString(c.ID) {
		return ledger.InvalidField("ID", ledger.RuleContractorID, "contractor ID %q: want 1-64 letters, digits, '.', '_' or '-'", c.ID)
	}
	if strings.TrimSpace(c.Name) == "" {
		return ledger.InvalidField("Name", ledger.RuleRequired, "contractor %s: name is empty", c.ID)
	}
	if why := ledger.CheckText("name", c.Name, ledger.MaxContractorNameLen); why != "" {
		return ledger.InvalidField("Name", ledger.RuleText, "contractor %s: %s", c.ID, why)
	}
	err := s.tryTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO contractors (id, name, ccus_business_id, disabled, created_at) VALUES (?, ?, ?, ?, ?)`),
			c.ID, c.Name, c.CCUSBusinessID, c.Disabled, s.now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Record{Action: "contractor.add", Object: "contractor:" + c.ID, ContractorID: c.ID, After: contractorRecord(c)})
	})
	return s.exists(err, "add contractor "+c.ID, "contractor "+c.ID)
}

func contractorRecord(c ledger.Contractor) map[string]any {
	return map[string]any{"id": c.ID, "name": c.Name, "ccus_business_id": c.CCUSBusinessID, "disabled": c.Disabled}
}

// Contractor returns one contractor.
func (s *Store) Contractor(ctx context.Context, id string) (ledger.Contractor, error) {
	var c ledger.Contractor
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id, name, ccus_business_id, disabled FROM contractors WHERE id = ?`), id).
		Scan(&c.ID, &c.Name, &c.CCUSBusinessID, &c.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ledger.UnknownContractor(id)
	}
	if err != nil {
		return c, fmt.Errorf("look up contractor %s: %w", id, err)
	}
	return c, nil
}

// Contractors lists all contractors by ID.
func (s *Store) Contractors(ctx context.Context) ([]ledger.Contractor, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, ccus_business_id, disabled FROM contractors ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("ledger: list contractors: %w", err)
	}
	defer rows.Close()
	var out []ledger.Contractor
	for rows.Next() {
		var c ledger.Contractor
		if err := rows.Scan(&c.ID, &c.Name, &c.CCUSBusinessID, &c.Disabled); err != nil {
			return nil, fmt.Errorf("ledger: list contractors: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: list contractors: %w", err)
	}
	return out, nil
}

// DisableContractor marks a contractor disabled.
func (s *Store) DisableContractor(ctx context.Context, id string) error {
	return change(ctx, s, ledger.ScopeAll(), record[ledger.Contractor]{
		what: "contractor " + id, object: "contractor:" + id, notFound: ledger.UnknownContractor(id), audited: contractorRecord,
		load: func(tx *sql.Tx) (ledger.Contractor, string, bool, error) {
			var c ledger.Contractor
			err := tx.QueryRowContext(ctx, s.q(`SELECT id, name, ccus_business_id, disabled FROM contractors WHERE id = ?`+s.d.ForUpdate), id).
				Scan(&c.ID, &c.Name, &c.CCUSBusinessID, &c.Disabled)
			if errors.Is(err, sql.ErrNoRows) {
				return c, id, false, nil
			}
			return c, id, err == nil, err
		},
		save: func(tx *sql.Tx, c ledger.Contractor) error {
			_, err := tx.ExecContext(ctx, s.q(`UPDATE contractors SET disabled = ? WHERE id = ?`), c.Disabled, id)
			return err
		},
	}, "contractor.disable", func(_ *sql.Tx, c *ledger.Contractor) error {
		c.Disabled = true
		return nil
	})
}

// AddTechnician registers a technician.
func (s *Store) AddTechnician(ctx context.Context, t ledger.Technician, securityCode string) error {
	return s.ImportTechnicians(ctx, []ledger.TechnicianImport{{Technician: t, SecurityCode: securityCode}})
}

// ValidateTechnician checks one technician row without touching the
// database, by the rules of ledger.ValidateTechnicianRow.
func ValidateTechnician(r ledger.TechnicianImport) error {
	if why := ledger.ValidateTechnicianRow(r); len(why) > 0 {
		field, rule := technicianField(r)
		return ledger.InvalidField(field, rule, "technician %s: %s", r.ID, strings.Join(why, "; "))
	}
	if err := ledger.ValidateCrewNumber(r.CrewNumber); err != nil {
		return fmt.Errorf("technician %s: %w", r.ID, err)
	}
	if r.CrewNumber != "" && r.ContractorID == "" {
		return invalid("technician %s: a crew number needs a contractor", r.ID)
	}
	return nil
}

// ImportTechnicians adds every row in one transaction, or none: the first
// bad row (invalid, duplicate, unknown contractor) aborts it.
func (s *Store) ImportTechnicians(ctx context.Context, rows []ledger.TechnicianImport) error {
	type prepared struct {
		r     ledger.TechnicianImport
		hash  string
		phone string
	}
	ps := make([]prepared, len(rows))
	for i, r := range rows {
		if err := ValidateTechnician(r); err != nil {
			return fmt.Errorf("add technician: %w", err)
		}
		p := prepared{r: r}
		if p.r.Language == "" {
			p.r.Language = "ja"
		}
		if r.SecurityCode != "" {
			h, err := bcrypt.GenerateFromPassword([]byte(r.SecurityCode), securityCodeCost)
			if err != nil {
				return fmt.Errorf("ledger: technician %s: hash security code: %w", r.ID, err)
			}
			p.hash = string(h)
		}
		if r.Phone != "" {
			p.phone, _ = ledger.NormalizePhone(r.Phone)
		}
		ps[i] = p
	}
	now := s.now().UTC()
	err := s.tryTx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, s.q(`INSERT INTO technicians (id, name, contractor_id, language, security_code_hash, disabled, created_at, crew_number)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer ins.Close()
		aw, err := audit.NewWriter(ctx, tx, s.d, now)
		if err != nil {
			return err
		}
		defer aw.Close()
		contractors := map[string]bool{}
		for _, p := range ps {
			if c := p.r.ContractorID; c != "" && !contractors[c] {
				if err := s.mustExist(ctx, tx, "contractors", "id", c, ledger.UnknownContractor(c)); err != nil {
					return fmt.Errorf("add technician %s: %w", p.r.ID, err)
				}
				contractors[c] = true
			}
			if _, err := ins.ExecContext(ctx, p.r.ID, p.r.Name, nullString(p.r.ContractorID), p.r.Language, p.hash, p.r.Disabled, now,
				nullString(p.r.CrewNumber)); err != nil {
				if s.d.IsUnique(err) && p.r.CrewNumber != "" {
					return ledger.Exists("technician %s, or crew number %s in contractor %s, is already registered", p.r.ID, p.r.CrewNumber, p.r.ContractorID)
				}
				if s.d.IsUnique(err) {
					return ledger.Exists("technician %s is already registered", p.r.ID)
				}
				return fmt.Errorf("technician %s: %w", p.r.ID, err)
			}
			if err := aw.Write(ctx, audit.Record{Action: "technician.add", Object: "technician:" + p.r.ID, ContractorID: p.r.ContractorID,
				After: technicianRecord(ledger.TechnicianRow{Technician: p.r.Technician, HasSecurityCode: p.hash != ""})}); err != nil {
				return err
			}
			if p.phone != "" {
				if err := s.importPhone(ctx, tx, aw, p.r.Technician, p.phone, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil && !said(err) {
		return fmt.Errorf("add technicians: %w", err)
	}
	return err
}

// importPhone registers an imported technician's phone in tx, with its
// audit record and its line in the phone log.
func (s *Store) importPhone(ctx context.Context, tx *sql.Tx, aw *audit.Writer, t ledger.Technician, e164 string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO phones (e164, technician_id, disabled, created_at) VALUES (?, ?, FALSE, ?)`),
		e164, t.ID, now); err != nil {
		if s.d.IsUnique(err) {
			return ledger.Exists("technician %s: phone %s is already registered", t.ID, ledger.MaskPhone(e164))
		}
		return fmt.Errorf("technician %s: phone: %w", t.ID, err)
	}
	if err := aw.Write(ctx, audit.Record{Action: "phone.add", Object: "phone:" + e164, ContractorID: t.ContractorID,
		After: phoneRecord(ledger.PhoneRow{Phone: ledger.Phone{E164: e164, TechnicianID: t.ID}})}); err != nil {
		return err
	}
	ev := ledger.PhoneEvent{E164: e164, Kind: ledger.PhoneEventRegister, TechnicianID: t.ID, Actor: ledger.PhoneSourceOffice, At: now}
	if err := s.logPhone(ctx, tx, ev); err != nil {
		return fmt.Errorf("technician %s: phone: %w", t.ID, err)
	}
	return nil
}

// technicianField names the first field of r that
// ledger.ValidateTechnicianRow finds fault with, and the rule: each field
// is checked alone, with the others valid, by that one rule.
func technicianField(r ledger.TechnicianImport) (string, string) {
	const id, name = "00000000000000", "x"
	checks := []struct {
		field, rule string
		row         ledger.TechnicianImport
	}{
		{"ID", ledger.RuleTechnicianID, ledger.TechnicianImport{Technician: ledger.Technician{ID: r.ID, Name: name}}},
		{"Name", ledger.RuleText, ledger.TechnicianImport{Technician: ledger.Technician{ID: id, Name: r.Name}}},
		{"Language", ledger.RuleLanguage, ledger.TechnicianImport{Technician: ledger.Technician{ID: id, Name: name, Language: r.Language}}},
		{"SecurityCode", ledger.RuleSecurityCode, ledger.TechnicianImport{Technician: ledger.Technician{ID: id, Name: name}, SecurityCode: r.SecurityCode}},
		{"Phone", ledger.RulePhone, ledger.TechnicianImport{Technician: ledger.Technician{ID: id, Name: name}, Phone: r.Phone}},
	}
	for _, c := range checks {
		if len(ledger.ValidateTechnicianRow(c.row)) > 0 {
			if c.field == "Name" && strings.TrimSpace(r.Name) == "" {
				return c.field, ledger.RuleRequired
			}
			return c.field, c.rule
		}
	}
	return "ID", ledger.RuleTechnicianID
}

// said reports whether err already says, in the ledger's own sentence,
// what was wrong with the request, so that no context is added.
func said(err error) bool {
	return errors.Is(err, ledger.ErrNotFound) || errors.Is(err, ledger.ErrExists) || errors.Is(err, ledger.ErrInvalid)
}

// Technicians lists technicians by ID, of one contractor if contractorID is set.
func (s *Store) Technicians(ctx context.Context, contractorID string) ([]ledger.Technician, error) {
	q := `SELECT ` + technicianCols + ` FROM technicians`
	var args []any
	if contractorID != "" {
		q += ` WHERE contractor_id = ?`
		args = append(args, contractorID)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q+` ORDER BY id`), args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: list technicians: %w", err)
	}
	defer rows.Close()
	var out []ledger.Technician
	for rows.Next() {
		t, err := scanTechnician(rows)
		if err != nil {
			return nil, fmt.Errorf("ledger: list technicians: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: list technicians: %w", err)
	}
	return out, nil
}

// DisableTechnician marks a technician disabled: lookups still find them
// (Disabled set), RecordAttendance refuses with ErrUnknownTechnician.
func (s *Store) DisableTechnician(ctx context.Context, id string) error {
	return s.SetTechnicianDisabled(ctx, ledger.ScopeAll(), id, true)
}

// CheckSecurityCode compares code with the stored hash. A technician with
// no code registered never matches.
func (s *Store) CheckSecurityCode(ctx context.Context, technicianID, code string) (bool, error) {
	var h string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT security_code_hash FROM technicians WHERE id = ?`), technicianID).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ledger.UnknownTechnician(technicianID)
	}
	if err != nil {
		return false, fmt.Errorf("check security code of %s: %w", technicianID, err)
	}
	if h == "" {
		return false, nil
	}
	return bcrypt.CompareHashAndPassword([]byte(h), []byte(code)) == nil, nil
}

// AddPhone registers a caller number (normalised to E.164) for a
// technician or a contractor's foreman.
func (s *Store) AddPhone(ctx context.Context, p ledger.Phone) error {
	return s.CreatePhone(ctx, ledger.ScopeAll(), p)
}

const phoneCols = `e164, technician_id, contractor_id, disabled, source, disabled_by, created_at`

func scanPhone(sc interface{ Scan(...any) error }) (ledger.Phone, error) {
	var p ledger.Phone
	var t, c sql.NullString
	var since sql.NullTime
	err := sc.Scan(&p.E164, &t, &c, &p.Disabled, &p.Source, &p.DisabledBy, &since)
	p.TechnicianID, p.ContractorID, p.Since = t.String, c.String, timeOf(since)
	return p, err
}

// Phone returns the registration of one number (any form NormalizePhone takes).
func (s *Store) Phone(ctx context.Context, number string) (ledger.Phone, error) {
	e164, err := ledger.NormalizePhone(number)
	if err != nil {
		return ledger.Phone{}, fmt.Errorf("look up phone: %w", err)
	}
	p, err := scanPhone(s.db.QueryRowContext(ctx, s.q(`SELECT `+phoneCols+` FROM phones WHERE e164 = ?`), e164))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ledger.UnknownPhone(e164)
	}
	if err != nil {
		return p, fmt.Errorf("look up phone %s: %w", ledger.MaskPhone(e164), err)
	}
	return p, nil
}

// Phones lists all registered numbers.
func (s *Store) Phones(ctx context.Context) ([]ledger.Phone, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+phoneCols+` FROM phones ORDER BY e164`)
	if err != nil {
		return nil, fmt.Errorf("ledger: list phones: %w", err)
	}
	defer rows.Close()
	var out []ledger.Phone
	for rows.Next() {
		p, err := scanPhone(rows)
		if err != nil {
			return nil, fmt.Errorf("ledger: list phones: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: list phones: %w", err)
	}
	return out, nil
}

// DisablePhone stops a number identifying anyone.
func (s *Store) DisablePhone(ctx context.Context, number string) error {
	return s.SetPhoneDisabled(ctx, ledger.ScopeAll(), number, true)
}

// AddSite registers a site.
func (s *Store) AddSite(ctx context.Context, st ledger.Site) error {
	return s.CreateSite(ctx, ledger.ScopeAll(), st)
}

// Sites lists sites by code, of one contractor if contractorID is set.
func (s *Store) Sites(ctx context.Context, contractorID string) ([]ledger.Site, error) {
	q := `SELECT ` + siteCols + ` FROM sites`
	var args []any
	if contractorID != "" {
		q += ` WHERE contractor_id = ?`
		args = append(args, contractorID)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q+` ORDER BY code`), args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: list sites: %w", err)
	}
	defer rows.Close()
	var out []ledger.Site
	for rows.Next() {
		st, err := scanSite(rows)
		if err != nil {
			return nil, fmt.Errorf("ledger: list sites: %w", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: list sites: %w", err)
	}
	return out, nil
}

// DisableSite closes a site to new attendance (ErrSiteClosed).
func (s *Store) DisableSite(ctx context.Context, code string) error {
	return s.SetSiteDisabled(ctx, ledger.ScopeAll(), code, true)
}

// Assign records that a technician works at a site with a trade and role.
func (s *Store) Assign(ctx context.Context, a ledger.Assignment) error {
	return s.CreateAssignment(ctx, ledger.ScopeAll(), a)
}

// Assignments lists assignments, of one site if siteCode is set.
func (s *Store) Assignments(ctx context.Context, siteCode string) ([]ledger.Assignment, error) {
	q := `SELECT site_code, technician_id, trade, role, disabled FROM assignments`
	var args []any
	if siteCode != "" {
		q += ` WHERE site_code = ?`
		args = append(args, siteCode)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q+` ORDER BY site_code, technician_id`), args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: list assignments: %w", err)
	}
	defer rows.Close()
	var out []ledger.Assignment
	for rows.Next() {
		var a ledger.Assignment
		if err := rows.Scan(&a.SiteCode, &a.TechnicianID, &a.Trade, &a.Role, &a.Disabled); err != nil {
			return nil, fmt.Errorf("ledger: list assignments: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: list assignments: %w", err)
	}
	return out, nil
}

// DisableAssignment ends an assignment.
func (s *Store) DisableAssignment(ctx context.Context, siteCode, technicianID string) error {
	return s.SetAssignmentDisabled(ctx, ledger.ScopeAll(), siteCode, technicianID, true)
}

// demoCrewNames are the names of ledger.DemoCrew, in the same order.
var demoCrewNames = []string{"出面 次郎", "出面 三郎", "出面 四郎"}

// SeedDemo adds the demo contractor, site 1234, technician
// 12345678901234 on +819012345678, the contractor's foreman phone
// +819012340000 and the demo crew assigned to site 1234; a second run
// changes nothing.
func (s *Store) SeedDemo(ctx context.Context) error {
	now := s.now().UTC()
	type stmt struct {
		q    string
		args []any
	}
	var crew []stmt
	for i, id := range ledger.DemoCrew() {
		crew = append(crew,
			stmt{`INSERT INTO technicians (id, name, contractor_id, language, security_code_hash, disabled, created_at) VALUES (?, ?, ?, 'ja', '', FALSE, ?) ON CONFLICT DO NOTHING`,
				[]any{id, demoCrewNames[i], ledger.DemoContractorID, now}},
			stmt{`INSERT INTO assignments (site_code, technician_id, trade, role, disabled, created_at) VALUES (?, ?, ?, ?, FALSE, ?) ON CONFLICT DO NOTHING`,
				[]any{ledger.DemoSiteCode, id, "とび工", "", now}})
	}
	err := s.tryTx(ctx, func(tx *sql.Tx) error {
		stmts := []stmt{
			{`INSERT INTO contractors (id, name, ccus_business_id, disabled, created_at) VALUES (?, ?, ?, FALSE, ?) ON CONFLICT DO NOTHING`,
				[]any{ledger.DemoContractorID, "デモ工務店", "000000000001", now}},
			{`INSERT INTO sites (code, ccus_site_id, name, contractor_id, opens_on, closes_on, disabled, created_at) VALUES (?, ?, ?, ?, '', '', FALSE, ?) ON CONFLICT DO NOTHING`,
				[]any{ledger.DemoSiteCode, ledger.DemoCCUSSiteID, "デモ現場", ledger.DemoContractorID, now}},
			{`INSERT INTO technicians (id, name, contractor_id, language, security_code_hash, disabled, created_at) VALUES (?, ?, ?, 'ja', '', FALSE, ?) ON CONFLICT DO NOTHING`,
				[]any{ledger.DemoTechnicianID, "出面 太郎", ledger.DemoContractorID, now}},
			{`INSERT INTO phones (e164, technician_id, disabled, created_at) VALUES (?, ?, FALSE, ?) ON CONFLICT DO NOTHING`,
				[]any{ledger.DemoPhone, ledger.DemoTechnicianID, now}},
			{`INSERT INTO assignments (site_code, technician_id, trade, role, disabled, created_at) VALUES (?, ?, ?, ?, FALSE, ?) ON CONFLICT DO NOTHING`,
				[]any{ledger.DemoSiteCode, ledger.DemoTechnicianID, "とび工", "職長", now}},
			{`INSERT INTO phones (e164, contractor_id, disabled, created_at) VALUES (?, ?, FALSE, ?) ON CONFLICT DO NOTHING`,
				[]any{ledger.DemoForemanPhone, ledger.DemoContractorID, now}},
		}
		stmts = append(stmts, crew...)
		added := int64(0)
		for _, st := range stmts {
			r, err := tx.ExecContext(ctx, s.q(st.q), st.args...)
			if err != nil {
				return err
			}
			n, _ := r.RowsAffected()
			added += n
		}
		if added == 0 {
			return nil
		}
		if ledger.ActorOf(ctx) == ledger.Unattributed {
			ctx = ledger.WithActor(ctx, ledger.Actor{Kind: "system", Name: "demo"})
		}
		return s.audit(ctx, tx, audit.Record{Action: "demo.seed", Object: "contractor:" + ledger.DemoContractorID,
			ContractorID: ledger.DemoContractorID, After: map[string]any{"rows": added}})
	})
	if err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	return nil
}
