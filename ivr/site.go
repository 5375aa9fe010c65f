package ivr

import (
	"context"
	"fmt"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// offeredSite is the site the caller may take with one key, and the
// prompt that offers it: the site whose own number was dialled ("this
// number's site"), else the technician's last site if it takes entries
// today ("same site as last time"); none ("") otherwise.
func (s *session) offeredSite(ctx context.Context, tech ledger.Technician, didSite ledger.Site, hasDID bool) (ledger.Site, string) {
	if hasDID && siteOpen(didSite, s.f.cfg.Now()) {
		return didSite, prompts.ThisSiteOffer
	}
	if last, ok := s.lastSite(ctx, tech); ok {
		return last, prompts.SameSiteOffer
	}
	return ledger.Site{}, ""
}

// chooseSite asks which site. With a site on offer the question takes 1
// (that site), 2 (another: the site code is asked next) or a whole site
// code ended by #, so that "1234#1" means site 1234 and check-in whether
// the offer is made or not. A 1 or 2 is the answer only when no key
// follows it within ChoiceWindow, or one key does (the menu's, typed
// ahead: "11" is same site, check-in); more keys are a site code, which
// must end with #. Without an offer it asks for the site code.
func (s *session) chooseSite(ctx context.Context, offered ledger.Site, offer string, lead []string) (ledger.Site, error) {
	if offer == "" {
		return s.askSite(ctx, lead, false, false)
	}
	var site ledger.Site
	another := false
	spec := s.spec(s.f.cfg.MaxSiteCodeLen, '#')
	spec.ChoiceKeys, spec.ChoiceWindow = "12", s.f.cfg.ChoiceWindow
	_, err := s.askEntry(ctx, question{prompt: offer}, spec, lead, func(res gatherResult) (string, error) {
		d := res.digits
		switch {
		case res.outcome == GatherTerminated || res.outcome == GatherComplete:
			// A code that starts with 2 may be "another site" and the code.
			r, err := s.resolveSite(ctx, d, len(d) > 1 && d[0] == '2')
			if err != nil || r.wrong != "" {
				return r.wrong, err
			}
			if r.ambiguous {
				another = true // the site question sorts it out
				return "", nil
			}
			site = r.site
		case len(d) <= 2 && d[0] == '1':
			site = offered
			s.pushBack(d[1:])
		case len(d) <= 2 && d[0] == '2':
			another = true
			s.pushBack(d[1:])
		case len(d) == 1:
			return prompts.InvalidKey, nil
		default:
			return prompts.PressHash, nil
		}
		return "", nil
	})
	if err != nil {
		return ledger.Site{}, err
	}
	if another {
		s.step("another_site")
		return s.askSite(ctx, nil, false, true) // the 2 is said: the code is literal
	}
	if site.Code == offered.Code {
		s.step("offered_site")
	} else {
		s.step("site")
	}
	return site, nil
}

// pushBack returns keys read ahead of their question to the pending ones.
func (s *session) pushBack(keys string) {
	if keys != "" {
		s.pending = append([]byte(keys), s.pending...)
	}
}

// lastSite is the site of the technician's newest entry, if it takes
// entries today.
func (s *session) lastSite(ctx context.Context, tech ledger.Technician) (ledger.Site, bool) {
	st, err := s.f.db.LastSite(ctx, tech.ID)
	if err != nil {
		if !notFound(err) {
			s.log.Warn("look up last site", "err", err) // not fatal: the caller keys the code
		}
		return ledger.Site{}, false
	}
	s.traceLedger("last_site", "site", st.Code)
	return st, siteOpen(st, s.f.cfg.Now())
}

// askSite asks for a site code, ended by # (or as long as a code can
// be): a code and a pause is not taken, so a habit of single keys (1, 2)
// never picks a site of that number. With nine, the 9 the caller pressed
// at the greeting may start the code (see resolveSite); unless literal,
// so may a 2 typed ahead by the habit of the last-site offer.
func (s *session) askSite(ctx context.Context, lead []string, nine, literal bool) (ledger.Site, error) {
	var site ledger.Site
	spec := s.nineSpec(s.spec(s.f.cfg.MaxSiteCodeLen, '#'), nine)
	first := !literal
	_, err := s.askEntry(ctx, question{prompt: prompts.EnterSite, long: prompts.EnterSiteLong}, spec, lead, func(res gatherResult) (string, error) {
		if res.outcome == GatherTimedOut {
			return prompts.PressHash, nil
		}
		// The first entry may be a habit of the last-site offer typed
		// ahead ("2" for another site, then the code): read both ways.
		// After a retry the caller heard the question: his code is literal.
		alt := res.prefixed || first && len(res.digits) > 1 && res.digits[0] == '2'
		first = false
		r, err := s.resolveSite(ctx, res.digits, alt)
		switch {
		case err != nil || r.wrong != "":
			return r.wrong, err
		case r.ambiguous:
			return prompts.InvalidKey, nil
		}
		if res.prefixed && !r.alt {
			s.setEnglish(false) // the 9 started the code: it was not the language key
		}
		site = r.site
		return "", nil
	})
	if err == nil {
		s.step("site")
	}
	return site, err
}

// siteChoice is what a keyed site code names.
type siteChoice struct {
	site      ledger.Site
	alt       bool   // the code without its first key is the site
	ambiguous bool   // both the code and the code without its first key are open sites
	wrong     string // neither: what was wrong with the code as keyed
}

// resolveSite looks up a keyed site code. With alt, the code's first key
// may also be a key of its own (2: another site; the greeting's 9):
// whichever of the code and the rest is an open site is taken, and both
// being open sites is ambiguous, never a guess.
func (s *session) resolveSite(ctx context.Context, code string, alt bool) (siteChoice, error) {
	st, wrong, err := s.lookupSite(ctx, code)
	if err != nil || !alt {
		return siteChoice{site: st, wrong: wrong}, err
	}
	st2, wrong2, err := s.lookupSite(ctx, code[1:])
	switch {
	case err != nil:
		return siteChoice{}, err
	case wrong == "" && wrong2 == "":
		s.traceLedger("site", "code", code, "ambiguous_with", code[1:])
		return siteChoice{ambiguous: true}, nil
	case wrong2 == "":
		return siteChoice{site: st2, alt: true}, nil
	}
	return siteChoice{site: st, wrong: wrong}, nil
}

// lookupSite checks a keyed site code: the site when it is open today,
// else the clip that says what was wrong.
func (s *session) lookupSite(ctx context.Context, code string) (ledger.Site, string, error) {
	st, err := s.f.db.SiteByCode(ctx, code)
	switch {
	case notFound(err):
		s.traceLedger("site", "code", code, "found", false)
		return st, prompts.UnknownSite, nil
	case err != nil:
		return st, "", fmt.Errorf("look up site: %w", err)
	}
	if !siteOpen(st, s.f.cfg.Now()) {
		s.traceLedger("site", "code", code, "open", false)
		return st, prompts.SiteClosed, nil
	}
	s.traceLedger("site", "code", code, "open", true)
	return st, "", nil
}
