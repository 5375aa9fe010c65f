package ivr

import (
	"context"
	"fmt"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// askTechnician asks for the 14-digit technician ID.
func (s *session) askTechnician(ctx context.Context, lead []string) (ledger.Technician, error) {
	var tech ledger.Technician
	spec := s.spec(technicianIDLen, '#')
	_, err := s.ask(ctx, question{prompts.EnterID, prompts.EnterIDLong}, spec, lead, func(digits string) (string, error) {
		t, wrong, err := s.lookupTechnician(ctx, digits)
		tech = t
		return wrong, err
	})
	return tech, err
}

// lookupTechnician checks a keyed technician ID: "" and the technician
// when it is good, else the clip that says what was wrong.
func (s *session) lookupTechnician(ctx context.Context, digits string) (ledger.Technician, string, error) {
	if len(digits) < technicianIDLen {
		return ledger.Technician{}, prompts.TooShort, nil
	}
	t, err := s.f.db.Technician(ctx, digits)
	switch {
	case notFound(err):
		return t, prompts.UnknownID, nil
	case err != nil:
		return t, "", fmt.Errorf("look up technician: %w", err)
	case t.Disabled:
		return t, prompts.UnknownID, nil
	}
	return t, "", nil
}

// checkSecurityCode asks a caller from a phone that is not registered for
// the 4-digit code on the back of the technician's CCUS card. Three wrong
// codes in a row (in this call or across calls) lock phone entry for the
// technician for 15 minutes (ledger.PhoneEntryLockout). The code is
// compared by the ledger and never logged: the call record holds only
// the steps "security_code_wrong" and "security_code_ok".
//
// A technician with no code registered is let through as before, with
// the step "no_security_code" in the call record: contractors who have
// not entered the codes keep working, and the record shows which entries
// came in that way.
func (s *session) checkSecurityCode(ctx context.Context, tech ledger.Technician) error {
	st, err := s.f.db.PhoneEntry(ctx, tech.ID, s.f.cfg.Now())
	if err != nil {
		return fmt.Errorf("phone entry state: %w", err)
	}
	if !st.LockedUntil.IsZero() {
		s.step("locked")
		s.log.Warn("phone entry locked", "technician", tech.ID, "until", st.LockedUntil)
		return errLocked
	}
	if !st.HasCode {
		s.step("no_security_code")
		return nil
	}
	spec := s.spec(ledger.SecurityCodeLen, '#')
	_, err = s.ask(ctx, question{prompt: prompts.EnterSecurityCode}, spec, nil, func(code string) (string, error) {
		if len(code) < ledger.SecurityCodeLen {
			return prompts.TooShort, nil
		}
		res, err := s.f.db.VerifySecurityCode(ctx, ledger.CodeAttempt{TechnicianID: tech.ID, Code: code,
			Caller: s.rec.Caller, CallID: s.call.ID(), At: s.f.cfg.Now()})
		if err != nil {
			return "", fmt.Errorf("verify security code: %w", err)
		}
		if res.OK {
			s.step("security_code_ok")
			return "", nil
		}
		s.step("security_code_wrong")
		s.log.Info("wrong security code", "technician", tech.ID, "failures", res.Failures)
		if !res.LockedUntil.IsZero() {
			s.step("locked")
			return "", errLocked
		}
		return prompts.WrongSecurityCode, nil
	})
	return err
}
