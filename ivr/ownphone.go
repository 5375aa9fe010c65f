package ivr

import (
	"context"
	"errors"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// A technician who proved who he is with his security code, from a phone
// nobody has registered, is offered to register it: his next calls from
// it need no ID. The offer comes at the end of the call, after his entry
// was said, so no key of a habit can answer it; the 1 must come alone.
// Such a phone he may remove again by his own call from it (menu 5); the
// office can disable it too (dezura phone disable). Both are in the
// phone log with who and when.

// mayOfferPhone reports whether the caller may register the phone he calls
// from: a security code was keyed right in this call, the number is a
// number and not withheld, and the ledger says it is free for him.
func (s *session) mayOfferPhone(ctx context.Context) bool {
	if !s.codeOK || s.callerE164 == "" {
		return false
	}
	p, err := s.f.db.Phone(ctx, s.callerE164)
	switch {
	case notFound(err):
		return true
	case err != nil:
		s.log.Warn("look up calling phone", "err", err) // not fatal: no offer this time
		return false
	}
	return ledger.SelfRegistrable(p)
}

// offerPhone offers to register the calling phone and does it on a lone 1.
func (s *session) offerPhone(ctx context.Context, tech ledger.Technician) {
	s.step("phone_offer")
	s.flushKeys()
	clips, err := s.clips(prompts.PhoneRegisterOffer)
	if err != nil {
		s.log.Error("phone offer", "err", err)
		return
	}
	spec := GatherSpec{Max: 2, FirstTimeout: s.f.cfg.PhoneOfferWindow, InterTimeout: s.f.cfg.InterDigitTimeout,
		ChoiceKeys: "1", ChoiceWindow: s.f.cfg.ChoiceWindow}
	res, err := s.gather(ctx, clips, spec)
	if err != nil || res.outcome != GatherTimedOut || res.digits != "1" {
		return
	}
	err = s.f.db.RegisterOwnPhone(ctx, ledger.OwnPhone{E164: s.callerE164, TechnicianID: tech.ID,
		CallID: s.call.ID(), At: s.f.cfg.Now()})
	switch {
	case errors.Is(err, ledger.ErrExists):
		s.traceLedger("register_own_phone", "taken", true)
		_ = s.playAll(prompts.NotRegistered)
		return
	case err != nil:
		s.log.Error("register own phone", "err", err)
		_ = s.playAll(prompts.NotRegistered)
		return
	}
	s.step("phone_registered")
	s.log.Info("phone registered by its technician", "technician", tech.ID)
	_ = s.playAll(prompts.PhoneRegistered)
}

// removePhone is menu 5: after a 1 the calling number, which the caller
// registered himself, no longer identifies him. Anything else goes back to
// the menu (done false).
func (s *session) removePhone(ctx context.Context, tech ledger.Technician) (Outcome, string, bool) {
	s.step("phone_remove")
	s.flushKeys()
	clips, err := s.clips(prompts.PhoneRemoveConfirm)
	if err != nil {
		out, reason := s.fail(ctx, err)
		return out, reason, true
	}
	res, err := s.gather(ctx, clips, s.spec(1, 0))
	if err != nil {
		out, reason := s.fail(ctx, err)
		return out, reason, true
	}
	if res.digits != "1" {
		return OutcomeUnknown, "", false
	}
	err = s.f.db.UnregisterOwnPhone(ctx, ledger.OwnPhone{E164: s.callerE164, TechnicianID: tech.ID,
		CallID: s.call.ID(), At: s.f.cfg.Now()})
	if err != nil {
		out, reason := s.fail(ctx, err)
		return out, reason, true
	}
	s.ownPhone = false
	s.step("phone_removed")
	s.log.Info("phone registration removed by its technician", "technician", tech.ID)
	s.say(prompts.PhoneRemoved, prompts.Goodbye)
	return OutcomePhoneRemoved, "", true
}
