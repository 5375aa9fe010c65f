package ivr

import (
	"context"
	"fmt"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// foremanPhone reports whether the caller's number is registered to a
// contractor's foreman (a phone with ContractorID and no technician).
func (s *session) foremanPhone(ctx context.Context, registered bool) (ledger.Phone, bool) {
	if registered {
		return ledger.Phone{}, false
	}
	p, err := s.f.db.Phone(ctx, s.rec.Caller)
	switch {
	case err == nil:
		return p, p.ContractorID != "" && p.TechnicianID == "" && !p.Disabled
	case !notFound(err):
		s.log.Warn("look up foreman phone", "err", err) // not fatal: he can key his own ID
	}
	return ledger.Phone{}, false
}

// foreman is proxy entry (代理登録): a foreman's phone picks the site (the
// dialled site's number, or a site code), check-in or check-out, then keys
// technician IDs one after another, each read back as it is recorded, and
// # alone to finish. Each entry's event names the foreman as its actor.
// Only technicians of the foreman's contractor can be entered.
func (s *session) foreman(ctx context.Context, phone ledger.Phone, didSite ledger.Site, hasDID bool, lead []string) (Outcome, string) {
	s.step("foreman")
	var site ledger.Site
	if hasDID && siteOpen(didSite, s.f.cfg.Now()) {
		site = didSite
		s.step("site_by_did")
	} else {
		var err error
		if site, err = s.askSite(ctx, lead); err != nil {
			return s.fail(ctx, err)
		}
		s.step("site")
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
	enteredBy := "foreman:" + phone.ContractorID + ":" + phone.E164

	count, already := 0, 0 // entries written; IDs already checked in today
	prompt := []string{prompts.ForemanEnterID}
	spec := s.spec(technicianIDLen, '#')
	spec.EmptyTerminates = true
	mistakes, silent := 0, 0
	var endLead []string         // what was wrong, when too many mistakes end the entry
	var readback []*prompts.Clip // the last entry's read-back, played before the next prompt
	for {
		clips, err := s.clips(prompt...)
		if err != nil {
			return s.fail(ctx, err)
		}
		res, err := s.gather(ctx, append(readback, clips...), spec)
		readback = nil
		if err != nil {
			if count > 0 {
				return OutcomeRegistered, "hangup during foreman entry"
			}
			return s.fail(ctx, err)
		}
		if res.outcome == GatherNoInput {
			silent++
			if silent >= s.f.cfg.MaxTries {
				break
			}
			prompt = []string{prompts.NoInput, prompts.ForemanNext}
			continue
		}
		silent = 0
		if res.digits == "" { // # alone
			break
		}
		tech, wrong, err := s.lookupTechnician(ctx, res.digits)
		if err != nil {
			return s.fail(ctx, err)
		}
		if wrong == "" && tech.ContractorID != phone.ContractorID {
			wrong = prompts.UnknownID
		}
		if wrong != "" {
			s.flushKeys()
			s.step("foreman_rejected")
			mistakes++
			if mistakes >= s.f.cfg.MaxTries {
				s.lastWrong = wrong
				if count == 0 {
					return s.fail(ctx, errTooManyTries)
				}
				endLead = []string{wrong}
				break
			}
			prompt = []string{wrong, prompts.ForemanNext}
			continue
		}
		mistakes = 0
		r, err := s.record(ctx, tech, site, action, enteredBy, "/attendance/"+tech.ID)
		if err != nil {
			return s.fail(ctx, err)
		}
		if r.AlreadyRegistered {
			already++
		} else {
			count++
		}
		// Read back: technician ID 1 2 3 ..., check-in, registered; then
		// the next prompt. A foreman who knows the drill keys the next ID
		// over both (barge-in).
		if readback, err = s.clips(prompts.TechnicianIDIs); err != nil {
			return s.fail(ctx, err)
		}
		d, err := s.digitClips(tech.ID)
		if err != nil {
			return s.fail(ctx, err)
		}
		rest, err := s.clips(actionClip(action), resultClip(action, r))
		if err != nil {
			return s.fail(ctx, err)
		}
		readback = append(append(readback, d...), rest...)
		prompt = []string{prompts.ForemanNext}
	}
	s.step("foreman_done")
	endClips, err := s.clips(endLead...)
	if err != nil {
		return s.fail(ctx, err)
	}
	n, err := s.f.prompts.Number(s.lang, count)
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
	case count > 0:
		return OutcomeRegistered, ""
	case already > 0:
		return OutcomeAlreadyRegistered, "" // each heard "already registered"
	}
	return OutcomeFailed, "no_entries"
}
