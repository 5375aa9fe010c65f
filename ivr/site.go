package ivr

import (
	"context"
	"fmt"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// chooseSite offers the technician's last site ("same site as last time,
// press 1; another site, press 2") when there is one that is open, else
// asks for a site code.
func (s *session) chooseSite(ctx context.Context, tech ledger.Technician, lead []string) (ledger.Site, error) {
	last, ok := s.lastSite(ctx, tech)
	if !ok {
		return s.askSite(ctx, lead)
	}
	same := false
	_, err := s.ask(ctx, question{prompt: prompts.SameSiteOffer}, s.spec(1, 0), lead, func(d string) (string, error) {
		switch d {
		case "1":
			same = true
		case "2":
		default:
			return prompts.InvalidKey, nil
		}
		return "", nil
	})
	if err != nil {
		return ledger.Site{}, err
	}
	if same {
		s.step("same_site")
		return last, nil
	}
	return s.askSite(ctx, nil)
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
	return st, siteOpen(st, s.f.cfg.Now())
}

// askSite asks for a site code.
func (s *session) askSite(ctx context.Context, lead []string) (ledger.Site, error) {
	var site ledger.Site
	spec := s.spec(s.f.cfg.MaxSiteCodeLen, '#')
	_, err := s.ask(ctx, question{prompts.EnterSite, prompts.EnterSiteLong}, spec, lead, func(digits string) (string, error) {
		st, err := s.f.db.SiteByCode(ctx, digits)
		switch {
		case notFound(err):
			return prompts.UnknownSite, nil
		case err != nil:
			return "", fmt.Errorf("look up site: %w", err)
		}
		if !siteOpen(st, s.f.cfg.Now()) {
			return prompts.SiteClosed, nil
		}
		site = st
		return "", nil
	})
	return site, err
}
