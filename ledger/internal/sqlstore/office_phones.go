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

func phoneRecord(p ledger.PhoneRow) map[string]any {
	return map[string]any{"e164": p.E164, "technician_id": p.TechnicianID, "contractor_id": p.ContractorID, "disabled": p.Disabled}
}

// phoneRowSelect reads phones p with the technician and contractor they
// belong to; owner is the contractor whose phone it is.
const phoneRowSelect = `SELECT p.e164, p.technician_id, p.contractor_id, p.disabled, COALESCE(t.name, ''), COALESCE(c.name, ''),
	COALESCE(t.contractor_id, p.contractor_id, '')
	FROM phones p LEFT JOIN technicians t ON t.id = p.technician_id
	LEFT JOIN contractors c ON c.id = COALESCE(t.contractor_id, p.contractor_id)`

func scanPhoneRow(sc scanner) (ledger.PhoneRow, string, error) {
	var r ledger.PhoneRow
	var tech, contractor sql.NullString
	var owner string
	err := sc.Scan(&r.E164, &tech, &contractor, &r.Disabled, &r.TechnicianName, &r.ContractorName, &owner)
	r.TechnicianID, r.ContractorID = tech.String, contractor.String
	return r, owner, err
}

func (s *Store) scopedPhone(ctx context.Context, tx *sql.Tx, sc ledger.Scope, e164 string) (ledger.PhoneRow, string, bool, error) {
	cond, args := phoneScope(sc)
	q := phoneRowSelect + ` WHERE p.e164 = ? AND ` + cond
	if tx != nil {
		q += strings.Replace(s.d.ForUpdate, "FOR UPDATE", "FOR UPDATE OF p", 1)
	}
	r, owner, err := scanPhoneRow(s.conn(tx).QueryRowContext(ctx, s.q(q), append([]any{e164}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, "", false, nil
	}
	if err != nil {
		return r, "", false, fmt.Errorf("look up phone %s: %w", ledger.MaskPhone(e164), err)
	}
	return r, owner, true, nil
}

// ScopedPhone returns a number sc sees (any form NormalizePhone takes);
// any other is not registered.
func (s *Store) ScopedPhone(ctx context.Context, sc ledger.Scope, number string) (ledger.PhoneRow, error) {
	e164, err := ledger.NormalizePhone(number)
	if err != nil {
		return ledger.PhoneRow{}, fmt.Errorf("look up phone: %w", err)
	}
	r, _, ok, err := s.scopedPhone(ctx, nil, sc, e164)
	if err == nil && !ok {
		err = ledger.UnknownPhone(e164)
	}
	return r, err
}

// phoneOwner checks, in tx, that the phone's new owner (a technician, or
// a contractor for a foreman phone) exists and sc may change its records;
// it returns the owner's contractor.
func (s *Store) phoneOwner(ctx context.Context, tx *sql.Tx, sc ledger.Scope, p ledger.Phone) (string, error) {
	if (p.TechnicianID == "") == (p.ContractorID == "") {
		return "", ledger.InvalidField("TechnicianID", ledger.RuleRequired,
			"add phone %s: give a technician or a contractor (foreman), not both", ledger.MaskPhone(p.E164))
	}
	if p.TechnicianID != "" {
		t, ok, err := s.scopedTechnician(ctx, tx, sc, p.TechnicianID)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", ledger.UnknownTechnician(p.TechnicianID)
		}
		if !sc.CanChange(t.ContractorID) {
			return "", forbidden("technician " + p.TechnicianID)
		}
		return t.ContractorID, nil
	}
	if err := s.mustExist(ctx, tx, "contractors", "id", p.ContractorID, ledger.UnknownContractor(p.ContractorID)); err != nil {
		return "", err
	}
	if !sc.CanChange(p.ContractorID) {
		return "", forbidden("contractor " + p.ContractorID)
	}
	return p.ContractorID, nil
}

// CreatePhone registers a number for a technician or as a contractor's
// foreman phone, both of which sc may change.
func (s *Store) CreatePhone(ctx context.Context, sc ledger.Scope, p ledger.Phone) error {
	e164, err := ledger.NormalizePhone(p.E164)
	if err != nil {
		return fmt.Errorf("add phone: %w", err)
	}
	p.E164 = e164
	err = s.tryTx(ctx, func(tx *sql.Tx) error {
		owner, err := s.phoneOwner(ctx, tx, sc, p)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO phones (e164, technician_id, contractor_id, disabled, created_at) VALUES (?, ?, ?, ?, ?)`),
			e164, nullString(p.TechnicianID), nullString(p.ContractorID), p.Disabled, now)
		if s.d.IsUnique(err) {
			return ledger.TakenField("E164", "phone %s is already registered", ledger.MaskPhone(e164))
		}
		if err != nil {
			return err
		}
		if err := s.logPhone(ctx, tx, ledger.PhoneEvent{E164: e164, Kind: ledger.PhoneEventRegister, TechnicianID: p.TechnicianID,
			ContractorID: p.ContractorID, Actor: ledger.PhoneSourceOffice, At: now}); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Record{Action: "phone.add", Object: "phone:" + e164, ContractorID: owner,
			After: phoneRecord(ledger.PhoneRow{Phone: p})})
	})
	if err != nil && !said(err) {
		return fmt.Errorf("add phone %s: %w", ledger.MaskPhone(e164), err)
	}
	return err
}

func (s *Store) phoneRec(ctx context.Context, sc ledger.Scope, e164 string) record[ledger.PhoneRow] {
	return record[ledger.PhoneRow]{
		what: "phone " + ledger.MaskPhone(e164), object: "phone:" + e164, notFound: ledger.UnknownPhone(e164), audited: phoneRecord,
		load: func(tx *sql.Tx) (ledger.PhoneRow, string, bool, error) {
			return s.scopedPhone(ctx, tx, sc, e164)
		},
		save: func(tx *sql.Tx, p ledger.PhoneRow) error {
			_, err := tx.ExecContext(ctx, s.q(`UPDATE phones SET technician_id = ?, contractor_id = ?, disabled = ? WHERE e164 = ?`),
				nullString(p.TechnicianID), nullString(p.ContractorID), p.Disabled, e164)
			return err
		},
	}
}

// UpdatePhone gives the number to another technician, or makes it a
// foreman phone; both the old and the new owner must be sc's to change.
func (s *Store) UpdatePhone(ctx context.Context, sc ledger.Scope, p ledger.Phone) error {
	e164, err := ledger.NormalizePhone(p.E164)
	if err != nil {
		return fmt.Errorf("change phone: %w", err)
	}
	p.E164 = e164
	return change(ctx, s, sc, s.phoneRec(ctx, sc, e164), "phone.update", func(tx *sql.Tx, r *ledger.PhoneRow) error {
		if _, err := s.phoneOwner(ctx, tx, sc, p); err != nil {
			return err
		}
		if r.TechnicianID == p.TechnicianID && r.ContractorID == p.ContractorID {
			return nil
		}
		r.TechnicianID, r.ContractorID = p.TechnicianID, p.ContractorID
		// Given to someone else by the office: the office's now, in the
		// phone log as a registration.
		return s.officePhoneEvent(ctx, tx, *r, ledger.PhoneEventRegister)
	})
}

// SetPhoneDisabled stops a number identifying anyone, or lets it again.
func (s *Store) SetPhoneDisabled(ctx context.Context, sc ledger.Scope, number string, disabled bool) error {
	e164, err := ledger.NormalizePhone(number)
	if err != nil {
		return fmt.Errorf("%s phone: %w", map[bool]string{true: "disable", false: "enable"}[disabled], err)
	}
	return change(ctx, s, sc, s.phoneRec(ctx, sc, e164), enableAction("phone", disabled), func(tx *sql.Tx, r *ledger.PhoneRow) error {
		if r.Disabled == disabled {
			return nil
		}
		r.Disabled = disabled
		kind := ledger.PhoneEventRegister // enabled again by the office: registered by it
		if disabled {
			kind = ledger.PhoneEventDisable
		}
		return s.officePhoneEvent(ctx, tx, *r, kind)
	})
}

// officePhoneEvent records, in tx, that the office registered (gave,
// enabled) or disabled the number as r now is: the phone's source and
// disabled_by say the office, as the callers' own registration rules
// (ledger.SelfRegistrable) read them, and the phone log has the event.
func (s *Store) officePhoneEvent(ctx context.Context, tx *sql.Tx, r ledger.PhoneRow, kind string) error {
	q := `UPDATE phones SET source = ?, disabled_by = '' WHERE e164 = ?`
	if kind == ledger.PhoneEventDisable {
		q = `UPDATE phones SET disabled_by = ? WHERE e164 = ?`
	}
	if _, err := tx.ExecContext(ctx, s.q(q), ledger.PhoneSourceOffice, r.E164); err != nil {
		return err
	}
	return s.logPhone(ctx, tx, ledger.PhoneEvent{E164: r.E164, Kind: kind, TechnicianID: r.TechnicianID, ContractorID: r.ContractorID,
		Actor: ledger.PhoneSourceOffice, At: s.now().UTC()})
}

// phoneSearch turns what someone typed to find a number into a LIKE
// pattern on E.164: a national number (090-1234...) as the start of
// +8190..., other digits anywhere in it.
func phoneSearch(q string) (string, bool) {
	var digits strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r >= '０' && r <= '９':
			digits.WriteRune('0' + (r - '０'))
		}
	}
	d := digits.String()
	if d == "" {
		return "", false
	}
	if strings.HasPrefix(d, "0") {
		return "+81" + d[1:] + "%", true
	}
	return "%" + d + "%", true
}

// PhonesPage lists the numbers sc sees, in E.164 order.
func (s *Store) PhonesPage(ctx context.Context, sc ledger.Scope, lq ledger.ListQuery) (ledger.Page[ledger.PhoneRow], error) {
	var page ledger.Page[ledger.PhoneRow]
	var w where
	w.and(phoneScope(sc))
	if !lq.WithDisabled {
		w.add("p.disabled = FALSE")
	}
	if lq.ContractorID != "" {
		w.add("COALESCE(t.contractor_id, p.contractor_id) = ?", lq.ContractorID)
	}
	if q := strings.TrimSpace(lq.Search); q != "" {
		if pat, ok := phoneSearch(q); ok {
			w.add(`p.e164 LIKE ?`, pat)
		} else {
			w.add(`t.name LIKE ? ESCAPE '\'`, likePattern(q, false))
		}
	}
	if lq.After != "" {
		w.add("p.e164 > ?", lq.After)
	}
	limit := ledger.PageLimit(lq.Limit)
	err := s.scanRows(ctx, phoneRowSelect+w.String()+fmt.Sprintf(` ORDER BY p.e164 LIMIT %d`, limit+1), w.args, func(sc scanner) error {
		r, _, err := scanPhoneRow(sc)
		page.Rows = append(page.Rows, r)
		return err
	})
	if err != nil {
		return page, fmt.Errorf("list phones: %w", err)
	}
	if len(page.Rows) > limit {
		page.Rows = page.Rows[:limit]
		page.Next = page.Rows[limit-1].E164
	}
	return page, nil
}
