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
// greeting, what was recorded and "to undo, press 9"; a 9 undoes it (an
// undo event, nothing deleted). Then the service hangs up.
//
// A caller who keys anything else is choosing himself (a habit from the
// general number: "1234#2"): a key during the greeting means no entry is
// made, a key after it undoes the one just made, and the call goes on as
// on the general number with this site on offer and his keys typed ahead.
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
	if key, keyed, err := s.keyWhile(ctx, played); err != nil {
		return s.fail(ctx, err)
	} else if keyed {
		s.pending = append(s.pending, key)
		return s.keyedAtSite(ctx, tech, site)
	}
	s.step("action_" + action.String())
	// Its own idempotency key: if the caller then keys his own choice, the
	// entry that makes is another request.
	res, err := s.record(ctx, tech, site, action, "", "/attendance/one-call")
	if err != nil {
		return s.fail(ctx, err)
	}
	said := recordedClips(action, res)
	outcome := OutcomeRegistered
	if res.AlreadyRegistered {
		outcome = OutcomeAlreadyRegistered
	}
	if res.EventID == 0 || res.AlreadyRegistered {
		// Spooled (the database will have it later) or nothing new: there
		// is nothing to undo now.
		s.say(said...)
		return outcome, ""
	}
	key, err := s.undoWindow(ctx, said)
	if err != nil {
		return s.fail(ctx, err)
	}
	if key == 0 {
		s.hangup()
		return outcome, ""
	}
	if err := s.undo(ctx, res, key); err != nil {
		return s.fail(ctx, err)
	}
	if key != '9' {
		s.pending = append(s.pending, key)
		return s.keyedAtSite(ctx, tech, site)
	}
	s.say(prompts.Undone)
	return OutcomeCancelled, ""
}

// recordedClips says what the one-call path recorded.
func recordedClips(action ledger.Action, res ledger.AttendanceResult) []string {
	if res.AlreadyRegistered {
		return []string{prompts.AlreadyRegistered}
	}
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
	return said
}

// undo reverses the one-call path's entry: the caller pressed 9, or keyed
// something else (key) to choose himself.
func (s *session) undo(ctx context.Context, res ledger.AttendanceResult, key byte) error {
	reason := "undone by the caller (9 after the entry)"
	step := "undo"
	if key != '9' {
		reason, step = "the caller keyed his own choice (one-call path)", "undo_keyed"
	}
	s.step(step)
	if _, err := s.f.db.UndoAttendance(ctx, res.EventID, "phone", reason, s.f.cfg.Now()); err != nil {
		return fmt.Errorf("undo event %d: %w", res.EventID, err)
	}
	s.log.Info("entry undone", "entry_id", res.Entry.ID, "event", res.EventID, "keyed", key != '9')
	return nil
}

// keyedAtSite goes on as on the general number for a caller who keyed at
// a site's own number: this site (1), another (2) or a site code, then the
// menu, his keys so far taken first.
func (s *session) keyedAtSite(ctx context.Context, tech ledger.Technician, site ledger.Site) (Outcome, string) {
	s.step("keyed_at_site")
	chosen, err := s.chooseSite(ctx, site, prompts.ThisSiteOffer, nil)
	if err != nil {
		return s.fail(ctx, err)
	}
	s.rec.SiteCode = chosen.Code
	return s.menu(ctx, tech, chosen)
}

// keyWhile waits until played is closed and reports the first key pressed
// meanwhile, if any (the rest stay in Keys).
func (s *session) keyWhile(ctx context.Context, played <-chan struct{}) (byte, bool, error) {
	select {
	case k := <-s.call.Keys():
		s.call.StopPlayback()
		return k, true, nil
	case <-played:
		return 0, false, nil
	case <-s.call.Done():
		return 0, false, ErrHangup
	case <-ctx.Done():
		return 0, false, ctx.Err()
	}
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

// undoWindow plays said and the undo offer and waits for a key until
// UndoWindow after the offer starts, or UndoGrace after it ends if that is
// later: 9 undoes, another key is the caller's own choice; 0 if none came.
func (s *session) undoWindow(ctx context.Context, said []string) (byte, error) {
	before, err := s.clips(said...)
	if err != nil {
		return 0, err
	}
	offer, err := s.clips(prompts.UndoOffer)
	if err != nil {
		return 0, err
	}
	lead := playlistDuration(before)
	wait := max(lead+s.f.cfg.UndoWindow, lead+playlistDuration(offer)+s.f.cfg.UndoGrace)
	s.step("undo_offer")
	s.tracePrompt(append(before, offer...))
	played := s.call.Play(append(before, offer...))
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			s.call.StopPlayback()
			return 0, ctx.Err()
		case <-s.call.Done():
			return 0, ErrHangup
		case <-played:
			played = nil
		case k := <-s.call.Keys():
			s.call.StopPlayback()
			s.log.Debug("keys", "digits", string(k), "during", "undo_offer")
			return k, nil
		case <-timer.C:
			return 0, nil
		}
	}
}
