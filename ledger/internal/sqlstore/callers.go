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

// Phones a technician registers by his own call, the phone log, and crew
// numbers.

const insertPhoneEventQuery = `INSERT INTO phone_events (e164, kind, technician_id, contractor_id, actor, call_id, at)
	VALUES (?, ?, ?, ?, ?, ?, ?)`

// logPhone appends one line to the phone log, in tx.
func (s *Store) logPhone(ctx context.Context, tx *sql.Tx, ev ledger.PhoneEvent) error {
	if _, err := tx.ExecContext(ctx, s.q(insertPhoneEventQuery), ev.E164, ev.Kind, ev.TechnicianID, ev.ContractorID,
		ev.Actor, ev.CallID, ev.At.UTC()); err != nil {
		return fmt.Errorf("phone log: %w", err)
	}
	return nil
}

// disablePhone disables an enabled number and logs who did it; with
// technicianID set, only that technician's number registered by himself
// (else ErrNotFound).
func (s *Store) disablePhone(ctx context.Context, e164, by, technicianID, callID string) error {
	err := s.tryTx(ctx, func(tx *sql.Tx) error {
		p, err := scanPhone(tx.QueryRowContext(ctx, s.q(`SELECT `+phoneCols+` FROM phones WHERE e164 = ?`), e164))
		if errors.Is(err, sql.ErrNoRows) {
			return ledger.UnknownPhone(e164)
		}
		if err != nil {
			return err
		}
		if technicianID != "" && (p.TechnicianID != technicianID || p.Source != ledger.PhoneSourceSelf || p.Disabled) {
			return ledger.NotFound(nil, "phone %s is not one technician %s registered himself", ledger.MaskPhone(e164), technicianID)
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE phones SET disabled = TRUE, disabled_by = ? WHERE e164 = ?`), by, e164); err != nil {
			return err
		}
		return s.logPhone(ctx, tx, ledger.PhoneEvent{E164: e164, Kind: ledger.PhoneEventDisable, TechnicianID: p.TechnicianID,
			ContractorID: p.ContractorID, Actor: by, CallID: callID, At: now})
	})
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return fmt.Errorf("disable phone %s: %w", ledger.MaskPhone(e164), err)
	}
	return err
}

// RegisterOwnPhone binds p.E164 to p.TechnicianID by his own call: a new
// number, or one a technician took back himself (ledger.SelfRegistrable).
func (s *Store) RegisterOwnPhone(ctx context.Context, p ledger.OwnPhone) error {
	e164, err := ledger.NormalizePhone(p.E164)
	if err != nil {
		return fmt.Errorf("register own phone: %w", err)
	}
	at := p.At.UTC()
	if p.At.IsZero() {
		at = s.now().UTC()
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, "technicians", "id", p.TechnicianID, ledger.UnknownTechnician(p.TechnicianID)); err != nil {
			return err
		}
		cur, err := scanPhone(tx.QueryRowContext(ctx, s.q(`SELECT `+phoneCols+` FROM phones WHERE e164 = ?`), e164))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, s.q(`INSERT INTO phones (e164, technician_id, disabled, created_at, source) VALUES (?, ?, FALSE, ?, ?)`),
				e164, p.TechnicianID, at, ledger.PhoneSourceSelf)
		case err != nil:
		case !ledger.SelfRegistrable(cur):
			err = ledger.Exists("phone %s is already registered; only the office can change it", ledger.MaskPhone(e164))
		default:
			_, err = tx.ExecContext(ctx, s.q(`UPDATE phones SET technician_id = ?, contractor_id = NULL, disabled = FALSE,
				disabled_by = '', source = ?, created_at = ? WHERE e164 = ?`), p.TechnicianID, ledger.PhoneSourceSelf, at, e164)
		}
		if err != nil {
			return err
		}
		return s.logPhone(ctx, tx, ledger.PhoneEvent{E164: e164, Kind: ledger.PhoneEventRegister, TechnicianID: p.TechnicianID,
			Actor: ledger.PhoneSourceSelf, CallID: p.CallID, At: at})
	})
	if err != nil && !errors.Is(err, ledger.ErrExists) && !errors.Is(err, ledger.ErrNotFound) {
		return fmt.Errorf("register phone %s for %s: %w", ledger.MaskPhone(e164), p.TechnicianID, err)
	}
	return err
}

// UnregisterOwnPhone disables p.E164 by the call of the technician who
// registered it himself; any other number gives ErrNotFound.
func (s *Store) UnregisterOwnPhone(ctx context.Context, p ledger.OwnPhone) error {
	e164, err := ledger.NormalizePhone(p.E164)
	if err != nil {
		return fmt.Errorf("unregister own phone: %w", err)
	}
	if p.TechnicianID == "" {
		return invalid("unregister phone %s: say which technician", ledger.MaskPhone(e164))
	}
	return s.disablePhone(ctx, e164, ledger.PhoneSourceSelf, p.TechnicianID, p.CallID)
}

// PhoneEvents returns the phone log of one number, or of all for "".
func (s *Store) PhoneEvents(ctx context.Context, number string) ([]ledger.PhoneEvent, error) {
	q := `SELECT id, e164, kind, technician_id, contractor_id, actor, call_id, at FROM phone_events`
	var args []any
	if number != "" {
		e164, err := ledger.NormalizePhone(number)
		if err != nil {
			return nil, fmt.Errorf("phone log: %w", err)
		}
		q += ` WHERE e164 = ?`
		args = append(args, e164)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q+` ORDER BY id`), args...)
	if err != nil {
		return nil, fmt.Errorf("phone log: %w", err)
	}
	defer rows.Close()
	var out []ledger.PhoneEvent
	for rows.Next() {
		var ev ledger.PhoneEvent
		var at sql.NullTime
		if err := rows.Scan(&ev.ID, &ev.E164, &ev.Kind, &ev.TechnicianID, &ev.ContractorID, &ev.Actor, &ev.CallID, &at); err != nil {
			return nil, fmt.Errorf("phone log: %w", err)
		}
		ev.At = timeOf(at)
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("phone log: %w", err)
	}
	return out, nil
}

const crewMemberQuery = `SELECT ` + technicianCols + ` FROM technicians WHERE contractor_id = ? AND crew_number = ?`

// CrewMember returns the technician of the contractor with that crew number.
func (s *Store) CrewMember(ctx context.Context, contractorID, number string) (ledger.Technician, error) {
	t, err := scanTechnician(s.row(ctx, nil, crewMemberQuery, contractorID, number))
	if errors.Is(err, sql.ErrNoRows) {
		return t, ledger.NotFound(ledger.ErrUnknownTechnician, "contractor %s has no crew number %s (give one with: dezura crew set)", contractorID, number)
	}
	if err != nil {
		return t, fmt.Errorf("crew number %s of %s: %w", number, contractorID, err)
	}
	return t, nil
}

// SetCrewNumber gives a technician a crew number, or removes it with "".
func (s *Store) SetCrewNumber(ctx context.Context, technicianID, number string) error {
	number = strings.TrimSpace(number)
	if err := ledger.ValidateCrewNumber(number); err != nil {
		return err
	}
	return s.tryTx(ctx, func(tx *sql.Tx) error {
		t, err := s.technician(ctx, tx, technicianID)
		if err != nil {
			return err
		}
		if number != "" && t.ContractorID == "" {
			return invalid("technician %s has no contractor: a crew number is the contractor's (dezura technician add --contractor)", technicianID)
		}
		var old sql.NullString
		if err := tx.QueryRowContext(ctx, s.q(`SELECT crew_number FROM technicians WHERE id = ?`), technicianID).Scan(&old); err != nil {
			return fmt.Errorf("set crew number of %s: %w", technicianID, err)
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE technicians SET crew_number = ? WHERE id = ?`), nullString(number), technicianID)
		switch {
		case s.d.IsUnique(err):
			return ledger.Exists("crew number %s is already given in contractor %s", number, t.ContractorID)
		case err != nil:
			return fmt.Errorf("set crew number of %s: %w", technicianID, err)
		}
		if old.String == number {
			return nil
		}
		return s.audit(ctx, tx, audit.Record{Action: "technician.crew_number", Object: "technician:" + technicianID,
			ContractorID: t.ContractorID, Before: map[string]any{"crew_number": old.String}, After: map[string]any{"crew_number": number}})
	})
}
