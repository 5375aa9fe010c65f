package ivr

import (
	"context"
	"fmt"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// askTechnician asks for the 14-digit technician ID. With nine, the 9
// the caller pressed at the greeting may be the ID's first digit: it is
// when digits follow it within the inter-digit timeout and the entry is
// 14 digits; with 15 the 9 chose English and the rest is the ID (typed
// ahead, a security code may follow the ID; then whichever reading names
// a technician is taken).
func (s *session) askTechnician(ctx context.Context, lead []string, nine bool) (ledger.Technician, error) {
	var tech ledger.Technician
	spec := s.nineSpec(s.spec(technicianIDLen, '#'), nine)
	_, err := s.askEntry(ctx, question{prompt: prompts.EnterID, long: prompts.EnterIDLong}, spec, lead, func(res gatherResult) (string, error) {
		if res.prefixed {
			t, wrong, err := s.resolveNineID(ctx, res.digits)
			tech = t
			return wrong, err
		}
		t, wrong, err := s.lookupTechnician(ctx, res.digits)
		tech = t
		return wrong, err
	})
	return tech, err
}

// resolveNineID reads an ID entry that starts with the greeting's 9.
func (s *session) resolveNineID(ctx context.Context, d string) (ledger.Technician, string, error) {
	if len(d) <= technicianIDLen {
		s.setEnglish(false) // "9 and more digits is the start of an ID"
		return s.lookupTechnician(ctx, d)
	}
	en, wrongEn, err := s.lookupTechnician(ctx, d[1:])
	if err != nil {
		return en, "", err
	}
	ja, wrongJa, err := s.lookupTechnician(ctx, d[:technicianIDLen])
	switch {
	case err != nil:
		return ja, "", err
	case wrongEn == "" && wrongJa == "":
		return en, prompts.InvalidKey, nil // two technicians: ask again rather than guess
	case wrongJa == "":
		s.setEnglish(false)
		s.pushBack(d[technicianIDLen:]) // the first key of what follows the ID
		return ja, "", nil
	}
	return en, wrongEn, nil
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
		s.traceLedger("technician", "id", digits, "found", false)
		return t, prompts.UnknownID, nil
	case err != nil:
		return t, "", fmt.Errorf("look up technician: %w", err)
	case t.Disabled:
		s.traceLedger("technician", "id", digits, "disabled", true)
		return t, prompts.UnknownID, nil
	}
	s.traceLedger("technician", "id", digits, "found", true)
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
	spec.Secret = true
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
			s.codeOK = true
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
