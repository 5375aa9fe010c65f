package ivr

import (
	"context"
	"fmt"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// oneCall is the one-call path: a registered phone dialled a site's own
// number. Nothing is keyed: the first call of the day at the site records
// a check-in, a later one a check-out. The caller hears the short
// greeting, what was recorded and "to undo, press 9"; a 9 within
// UndoWindow of the offer starting undoes it (an undo event, nothing
// deleted). Then the service hangs up.
func (s *session) oneCall(ctx context.Context, tech ledger.Technician, site ledger.Site) (Outcome, string) {
	s.step("site_by_did")
	s.rec.SiteCode = site.Code
	if !siteOpen(site, s.f.cfg.Now()) {
		s.say(prompts.GreetingShort, prompts.SiteClosed)
		return OutcomeFailed, "site_closed"
	}
	greeting, err := s.clips(prompts.GreetingShort)
	if err != nil {
		return s.fail(ctx, err)
	}
	played := s.call.Play(greeting)
	action, err := s.nextAction(ctx, tech, site)
	if err != nil {
		s.waitPlayed(played)
		return s.fail(ctx, err)
	}
	s.step("action_" + action.String())
	res, err := s.record(ctx, tech, site, action, "", "/attendance")
	if err != nil {
		s.waitPlayed(played)
		return s.fail(ctx, err)
	}
	s.waitPlayed(played)

	said := []string{prompts.RecordedCheckIn}
	if action == ledger.ActionCheckOut {
		said[0] = prompts.RecordedCheckOut
	}
	switch clip := resultClip(action, res); clip {
	case prompts.Registered:
	case prompts.CheckoutWithoutIn:
		said = []string{clip}
	default:
		said = append(said, clip)
	}
	outcome := OutcomeRegistered
	if res.AlreadyRegistered {
		outcome, said = OutcomeAlreadyRegistered, []string{prompts.AlreadyRegistered}
	}
	if res.EventID == 0 || res.AlreadyRegistered {
		// Spooled (the database will have it later) or nothing new: there
		// is nothing to undo now.
		s.say(said...)
		return outcome, ""
	}
	undo, err := s.undoWindow(ctx, said)
	if err != nil {
		return s.fail(ctx, err)
	}
	if !undo {
		s.hangup()
		return outcome, ""
	}
	s.step("undo")
	if _, err := s.f.db.UndoAttendance(ctx, res.EventID, "phone", "undone by the caller (9 after the entry)", s.f.cfg.Now()); err != nil {
		return s.fail(ctx, fmt.Errorf("undo event %d: %w", res.EventID, err))
	}
	s.log.Info("entry undone", "entry_id", res.Entry.ID, "event", res.EventID)
	s.say(prompts.Undone)
	return OutcomeCancelled, ""
}

// nextAction is check-in for the first call of the day at the site (or
// after the day's entry there was undone or cancelled), else check-out.
func (s *session) nextAction(ctx context.Context, tech ledger.Technician, site ledger.Site) (ledger.Action, error) {
	evs, err := s.f.db.DayEvents(ctx, tech.ID, ledger.WorkDate(s.f.cfg.Now()))
	if err != nil {
		return ledger.ActionUnknown, fmt.Errorf("today's entries: %w", err)
	}
	in := map[int64]bool{} // check-in events still standing
	for _, ev := range evs {
		if ev.SiteCode != site.Code {
			continue
		}
		switch ev.Kind {
		case ledger.ActionCheckIn.String():
			in[ev.ID] = true
		case "undo":
			var id int64
			if _, err := fmt.Sscanf(ev.Detail, "undo=%d", &id); err == nil {
				delete(in, id)
			}
		case "cancel":
			clear(in)
		}
	}
	if len(in) > 0 {
		return ledger.ActionCheckOut, nil
	}
	return ledger.ActionCheckIn, nil
}

// undoWindow plays said and the undo offer and waits for a 9 until
// UndoWindow after the offer starts, or UndoGrace after it ends if that is
// later. Keys keyed before the offer are dropped; other keys are ignored.
func (s *session) undoWindow(ctx context.Context, said []string) (bool, error) {
	s.flushKeys()
	before, err := s.clips(said...)
	if err != nil {
		return false, err
	}
	offer, err := s.clips(prompts.UndoOffer)
	if err != nil {
		return false, err
	}
	lead := playlistDuration(before)
	wait := max(lead+s.f.cfg.UndoWindow, lead+playlistDuration(offer)+s.f.cfg.UndoGrace)
	s.step("undo_offer")
	played := s.call.Play(append(before, offer...))
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			s.call.StopPlayback()
			return false, ctx.Err()
		case <-s.call.Done():
			return false, ErrHangup
		case <-played:
			played = nil
		case k := <-s.call.Keys():
			if k == '9' {
				s.call.StopPlayback()
				return true, nil
			}
		case <-timer.C:
			return false, nil
		}
	}
}
