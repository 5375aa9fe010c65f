package ivr

import (
	"context"
	"errors"
	"fmt"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// foremanPhone reports whether the caller's number is registered to a
// contractor's foreman (a phone with ContractorID and no technician).
func (s *session) foremanPhone(ctx context.Context, registered bool) (ledger.Phone, bool) {
	if registered || s.callerE164 == "" {
		return ledger.Phone{}, false
	}
	p, err := s.f.db.Phone(ctx, s.callerE164)
	switch {
	case err == nil:
		return p, p.ContractorID != "" && p.TechnicianID == "" && !p.Disabled
	case !notFound(err):
		s.log.Warn("look up foreman phone", "err", err) // not fatal: he can key his own ID
	}
	return ledger.Phone{}, false
}

// foreman is proxy entry (代理登録): a foreman's phone picks the site (the
// dialled site's number is offered, or a site code), check-in or
// check-out, then keys crew members one after another, each read back as
// it is recorded, and # alone to finish. A crew member is keyed by his
// crew number (2 or 3 digits, then #) or his 14-digit ID. Each entry's
// event names the foreman as its actor. Only technicians of the foreman's
// contractor can be entered.
func (s *session) foreman(ctx context.Context, phone ledger.Phone, didSite ledger.Site, hasDID bool, lead []string, nine bool) (Outcome, string) {
	s.step("foreman")
	var site ledger.Site
	var err error
	if hasDID && siteOpen(didSite, s.f.cfg.Now()) {
		site, err = s.chooseSite(ctx, didSite, prompts.ThisSiteOffer, lead)
	} else {
		site, err = s.askSite(ctx, lead, nine, false)
	}
	if err != nil {
		return s.fail(ctx, err)
	}
	s.rec.SiteCode = site.Code
	choice, err := s.askChoice(ctx, false)
	if err != nil {
		return s.fail(ctx, err)
	}
	action := ledger.ActionCheckIn
	if choice == choiceCheckOut {
		action = ledger.ActionCheckOut
	}
	s.step("action")
	crew := crewEntry{phone: phone, site: site, action: action,
		enteredBy: "foreman:" + phone.ContractorID + ":" + phone.E164}
	if err := s.enterCrew(ctx, &crew); err != nil {
		if crew.count > 0 && (errors.Is(err, ErrHangup) || ctx.Err() != nil) {
			return OutcomeRegistered, ""
		}
		return s.fail(ctx, err)
	}
	return s.foremanDone(ctx, crew)
}

// crewEntry is the state of a foreman's entry of his crew.
type crewEntry struct {
	phone     ledger.Phone
	site      ledger.Site
	action    ledger.Action
	enteredBy string

	count, already int      // entries written; crew members already checked in today
	endLead        []string // what was wrong, when too many mistakes end the entry
}

// enterCrew takes crew members until # alone, too many mistakes or
// silences; the read-back of one is played before the next prompt and a
// foreman who knows the drill keys over both (barge-in).
func (s *session) enterCrew(ctx context.Context, c *crewEntry) error {
	prompt := []string{prompts.ForemanEnterID}
	spec := s.spec(technicianIDLen, '#')
	spec.EmptyTerminates = true
	mistakes, silent := 0, 0
	var readback []*prompts.Clip
	for {
		clips, err := s.clips(prompt...)
		if err != nil {
			return err
		}
		res, err := s.gather(ctx, append(readback, clips...), spec)
		readback = nil
		if err != nil {
			return err
		}
		if res.outcome == GatherNoInput {
			if silent++; silent >= s.f.cfg.MaxTries {
				return nil
			}
			prompt = []string{prompts.NoInput, prompts.ForemanNext}
			continue
		}
		silent = 0
		if res.digits == "" { // # alone
			return nil
		}
		tech, wrong, err := s.crewMember(ctx, c.phone, res.digits)
		if err != nil {
			return err
		}
		if wrong != "" {
			s.flushKeys()
			s.step("foreman_rejected")
			if mistakes++; mistakes >= s.f.cfg.MaxTries {
				s.lastWrong = wrong
				if c.count == 0 {
					return errTooManyTries
				}
				c.endLead = []string{wrong}
				return nil
			}
			prompt = []string{wrong, prompts.ForemanNext}
			continue
		}
		mistakes = 0
		if readback, err = s.recordCrewMember(ctx, c, tech, res.digits); err != nil {
			return err
		}
		prompt = []string{prompts.ForemanNext}
	}
}

// crewMember is the technician of the foreman's contractor that keyed
// digits name: a crew number (2 or 3 digits) or a 14-digit ID; else the
// clip that says what was wrong.
func (s *session) crewMember(ctx context.Context, phone ledger.Phone, digits string) (ledger.Technician, string, error) {
	if ledger.IsCrewNumber(digits) {
		t, err := s.f.db.CrewMember(ctx, phone.ContractorID, digits)
		switch {
		case notFound(err):
			s.traceLedger("crew_member", "number", digits, "found", false)
			return t, prompts.UnknownID, nil
		case err != nil:
			return t, "", fmt.Errorf("look up crew number: %w", err)
		case t.Disabled:
			return t, prompts.UnknownID, nil
		}
		s.traceLedger("crew_member", "number", digits, "technician", t.ID)
		return t, "", nil
	}
	tech, wrong, err := s.lookupTechnician(ctx, digits)
	if wrong == "" && err == nil && tech.ContractorID != phone.ContractorID {
		wrong = prompts.UnknownID
	}
	return tech, wrong, err
}

// recordCrewMember records one crew member and returns the read-back:
// his crew number (or ID) as keyed, the action, and the result.
func (s *session) recordCrewMember(ctx context.Context, c *crewEntry, tech ledger.Technician, keyed string) ([]*prompts.Clip, error) {
	r, err := s.record(ctx, tech, c.site, c.action, c.enteredBy, "/attendance/"+tech.ID)
	if err != nil {
		return nil, err
	}
	if r.AlreadyRegistered {
		c.already++
	} else {
		c.count++
	}
	label := prompts.TechnicianIDIs
	if ledger.IsCrewNumber(keyed) {
		label = prompts.CrewNumberIs
	}
	readback, err := s.clips(label)
	if err != nil {
		return nil, err
	}
	d, err := s.digitClips(keyed)
	if err != nil {
		return nil, err
	}
	rest, err := s.clips(actionClip(c.action), resultClip(c.action, r))
	if err != nil {
		return nil, err
	}
	return append(append(readback, d...), rest...), nil
}

// foremanDone says how many were registered and hangs up.
func (s *session) foremanDone(ctx context.Context, c crewEntry) (Outcome, string) {
	s.step("foreman_done")
	endClips, err := s.clips(c.endLead...)
	if err != nil {
		return s.fail(ctx, err)
	}
	n, err := s.f.prompts.Number(s.lang, c.count)
	if err != nil {
		return s.fail(ctx, fmt.Errorf("prompts: %w", err))
	}
	n = append(endClips, n...)
	end, err := s.clips(prompts.CountRegistered, prompts.ForemanDone, prompts.Goodbye)
	if err != nil {
		return s.fail(ctx, err)
	}
	s.waitPlayed(s.call.Play(append(n, end...)))
	s.hangup()
	switch {
	case c.count > 0:
		return OutcomeRegistered, ""
	case c.already > 0:
		return OutcomeAlreadyRegistered, "" // each heard "already registered"
	}
	return OutcomeFailed, "no_entries"
}
