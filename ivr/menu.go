package ivr

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// menuChoice is a key of the action menu.
type menuChoice uint8

const (
	choiceUnknown     menuChoice = iota
	choiceCheckIn                // 1
	choiceCheckOut               // 2
	choiceStatus                 // 3: what did I register today
	choiceCancel                 // 4: cancel my last entry today
	choiceRemovePhone            // 5: remove the registration of the phone I registered myself
)

// menu asks what to do at the site: 1 check-in, 2 check-out and, with the
// full ledger, 3 today's entries, 4 cancel the last entry and, for a
// caller on a phone he registered himself, 5 remove that registration.
// Hearing today's entries (or that there is nothing to cancel, or saying
// no to a confirmation) comes back to the menu.
func (s *session) menu(ctx context.Context, tech ledger.Technician, site ledger.Site) (Outcome, string) {
	heardStatus, declined := 0, 0
	for {
		choice, err := s.askChoice(ctx, heardStatus < s.f.cfg.MaxStatusReadbacks)
		if err != nil {
			if heardStatus > 0 && (errors.Is(err, errNoInput) || errors.Is(err, ErrHangup)) {
				if errors.Is(err, errNoInput) {
					s.say(prompts.Goodbye)
				}
				return OutcomeStatus, ""
			}
			return s.fail(ctx, err)
		}
		switch choice {
		case choiceCheckIn, choiceCheckOut:
			s.step("action")
			action := ledger.ActionCheckIn
			if choice == choiceCheckOut {
				action = ledger.ActionCheckOut
				ok, err := s.confirmCheckOut(ctx, tech, site)
				if err != nil {
					return s.fail(ctx, err)
				}
				if !ok {
					if declined++; declined >= s.f.cfg.MaxTries {
						s.lastWrong = prompts.NotRegistered
						return s.fail(ctx, errTooManyTries)
					}
					continue
				}
			}
			return s.commit(ctx, tech, site, action)
		case choiceStatus:
			heardStatus++
			s.step("status")
			if err := s.readToday(ctx, tech); err != nil {
				return s.fail(ctx, err)
			}
		case choiceCancel:
			if out, done := s.cancelChoice(ctx, tech); done {
				return out, ""
			}
		case choiceRemovePhone:
			if out, reason, done := s.removePhone(ctx, tech); done {
				return out, reason
			}
		}
	}
}

// cancelChoice is menu 4: cancel the last entry of today, and end the
// call; or say there is none and go back to the menu (done false).
func (s *session) cancelChoice(ctx context.Context, tech ledger.Technician) (Outcome, bool) {
	s.step("cancel_last")
	done, err := s.cancelLast(ctx, tech)
	if err != nil {
		out, _ := s.fail(ctx, err)
		return out, true
	}
	if done {
		s.say(prompts.EntryCancelled, prompts.Goodbye)
		return OutcomeCancelled, true
	}
	s.flushKeys()
	if err := s.playAll(prompts.NothingToCancel); err != nil {
		out, _ := s.fail(ctx, err)
		return out, true
	}
	return OutcomeUnknown, false
}

func (s *session) askChoice(ctx context.Context, more bool) (menuChoice, error) {
	q := question{prompt: prompts.ChooseAction}
	valid := "12"
	if more {
		q.more = []string{prompts.ChooseActionMore}
		valid = "1234"
		if s.ownPhone {
			q.more = append(q.more, prompts.PhoneRemoveOffer)
			valid = "12345"
		}
	}
	var choice menuChoice
	_, err := s.ask(ctx, q, s.spec(1, 0), nil, func(d string) (string, error) {
		i := strings.Index(valid, d)
		if len(d) != 1 || i < 0 {
			return prompts.InvalidKey, nil
		}
		choice = menuChoice(i + 1)
		return "", nil
	})
	return choice, err
}

// confirmCheckOut asks for a second 2 before a check-out that would close
// the day's check-in at the site made less than ReverseGuard ago: the
// same keys keyed twice by habit (or a speed-dial macro) must not check
// the caller out a minute after checking him in. Keys keyed before the
// question are not taken as its answer.
func (s *session) confirmCheckOut(ctx context.Context, tech ledger.Technician, site ledger.Site) (bool, error) {
	evs, err := s.todays(ctx, tech)
	if err != nil {
		return false, err
	}
	var last ledger.Event
	for _, ev := range evs {
		if ev.SiteCode == site.Code {
			last = ev
		}
	}
	if last.Kind != ledger.ActionCheckIn.String() || s.f.cfg.Now().Sub(last.At) >= s.f.cfg.ReverseGuard {
		return true, nil
	}
	s.step("confirm_checkout")
	s.flushKeys()
	clips, err := s.clips(prompts.ConfirmCheckOut)
	if err != nil {
		return false, err
	}
	res, err := s.gather(ctx, clips, s.spec(1, 0))
	if err != nil {
		return false, err
	}
	if res.digits == "2" {
		s.step("checkout_confirmed")
		return true, nil
	}
	s.step("checkout_not_confirmed")
	s.flushKeys()
	return false, s.playAll(prompts.NotRegistered)
}

// playAll plays named clips to the end (no barge-in); ErrHangup if the
// caller hangs up meanwhile.
func (s *session) playAll(names ...string) error {
	clips, err := s.clips(names...)
	if err != nil {
		return err
	}
	return s.playClips(clips)
}

func (s *session) playClips(clips []*prompts.Clip) error {
	s.waitPlayed(s.call.Play(clips))
	select {
	case <-s.call.Done():
		return ErrHangup
	default:
		return nil
	}
}

// commit reads back the site and action while the entry is written, then
// says what was recorded and hangs up.
func (s *session) commit(ctx context.Context, tech ledger.Technician, site ledger.Site, action ledger.Action) (Outcome, string) {
	select {
	case <-s.call.Done():
		return OutcomeAbandoned, ""
	default:
	}
	readback, err := s.clips(prompts.SiteCodeIs)
	if err != nil {
		return s.fail(ctx, err)
	}
	digits, err := s.digitClips(site.Code)
	if err != nil {
		return s.fail(ctx, err)
	}
	ac, err := s.clips(actionClip(action))
	if err != nil {
		return s.fail(ctx, err)
	}
	readback = append(append(readback, digits...), ac...)
	played := s.call.Play(readback)

	res, err := s.record(ctx, tech, site, action, "", "/attendance")
	if err != nil {
		s.waitPlayed(played)
		return s.fail(ctx, err)
	}
	s.waitPlayed(played)
	outcome := OutcomeRegistered
	if res.AlreadyRegistered {
		outcome = OutcomeAlreadyRegistered
	}
	if s.mayOfferPhone(ctx) {
		// The entry is said first: the offer comes once nothing else is
		// asked, so no key of the caller's habit can answer it.
		if err := s.playAll(resultClip(action, res)); err != nil {
			return outcome, ""
		}
		s.offerPhone(ctx, tech)
		s.say(prompts.Goodbye)
		return outcome, ""
	}
	s.say(resultClip(action, res), prompts.Goodbye)
	return outcome, ""
}

// record writes one check-in or check-out, durable before it returns, and
// notes it in the call record.
func (s *session) record(ctx context.Context, tech ledger.Technician, site ledger.Site, action ledger.Action,
	enteredBy, keySuffix string) (ledger.AttendanceResult, error) {
	res, err := s.f.db.RecordAttendance(ctx, ledger.AttendanceRequest{
		TechnicianID:   tech.ID,
		SiteCode:       site.Code,
		Action:         action,
		At:             s.f.cfg.Now(),
		CallID:         s.call.ID(),
		IdempotencyKey: s.call.ID() + keySuffix,
		EnteredBy:      enteredBy,
	})
	if err != nil {
		return res, fmt.Errorf("record attendance: %w", err)
	}
	s.traceLedger("record_attendance", "entry_id", res.Entry.ID, "event_id", res.EventID, "status", res.Entry.Status.String(),
		"already", res.AlreadyRegistered, "spooled", res.Spooled)
	s.step("committed")
	if res.NotAssigned {
		s.step("not_assigned")
	}
	if !res.AlreadyRegistered && res.Entry.ID != 0 && !slices.Contains(s.rec.EntryIDs, res.Entry.ID) {
		s.rec.EntryIDs = append(s.rec.EntryIDs, res.Entry.ID)
	}
	s.log.Info("attendance recorded", "site", site.Code, "entry_id", res.Entry.ID, "technician", tech.ID,
		"action", actionName(action), "already", res.AlreadyRegistered, "not_assigned", res.NotAssigned,
		"spooled", res.Spooled, "entered_by", enteredBy)
	return res, nil
}

// resultClip says what the ledger did with a request.
func resultClip(action ledger.Action, res ledger.AttendanceResult) string {
	switch {
	case res.AlreadyRegistered:
		return prompts.AlreadyRegistered
	case res.NotAssigned:
		return prompts.NotAssigned
	case action == ledger.ActionCheckOut && res.Entry.Status == ledger.EntryStatusNeedsReview && res.Entry.CheckIn.IsZero():
		return prompts.CheckoutWithoutIn
	}
	return prompts.Registered
}

// todays is the technician's check-ins and check-outs of today that were
// not undone, oldest first.
func (s *session) todays(ctx context.Context, tech ledger.Technician) ([]ledger.Event, error) {
	evs, err := s.f.db.DayEvents(ctx, tech.ID, ledger.WorkDate(s.f.cfg.Now()))
	if err != nil {
		return nil, fmt.Errorf("today's entries: %w", err)
	}
	undone := map[int64]bool{}
	for _, ev := range evs {
		if ev.Kind == "undo" {
			if id, err := strconv.ParseInt(strings.TrimPrefix(ev.Detail, "undo="), 10, 64); err == nil {
				undone[id] = true
			}
		}
	}
	var out []ledger.Event
	for _, ev := range evs {
		if (ev.Kind == ledger.ActionCheckIn.String() || ev.Kind == ledger.ActionCheckOut.String()) && !undone[ev.ID] {
			out = append(out, ev)
		}
	}
	return out, nil
}

// readToday reads back today's entries: for each, the site code, check-in
// or check-out, and the time.
func (s *session) readToday(ctx context.Context, tech ledger.Technician) error {
	evs, err := s.todays(ctx, tech)
	if err != nil {
		return err
	}
	s.flushKeys()
	if len(evs) == 0 {
		return s.playAll(prompts.NoEntriesToday)
	}
	clips, err := s.clips(prompts.TodaysEntries)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		action := ledger.ActionCheckIn
		if ev.Kind == ledger.ActionCheckOut.String() {
			action = ledger.ActionCheckOut
		}
		sc, err := s.clips(prompts.SiteCodeIs)
		if err != nil {
			return err
		}
		d, err := s.digitClips(ev.SiteCode)
		if err != nil {
			return err
		}
		ac, err := s.clips(actionClip(action))
		if err != nil {
			return err
		}
		tc, err := s.f.prompts.Time(s.lang, ev.At.In(ledger.Tokyo))
		if err != nil {
			return fmt.Errorf("prompts: %w", err)
		}
		clips = append(append(append(append(clips, sc...), d...), ac...), tc...)
	}
	return s.playClips(clips)
}

// cancelLast undoes the technician's last check-in or check-out of
// today; false if there is none.
func (s *session) cancelLast(ctx context.Context, tech ledger.Technician) (bool, error) {
	evs, err := s.todays(ctx, tech)
	if err != nil {
		return false, err
	}
	if len(evs) == 0 {
		return false, nil
	}
	last := evs[len(evs)-1]
	if _, err := s.f.db.UndoAttendance(ctx, last.ID, "phone", "cancelled by the caller (menu 4)", s.f.cfg.Now()); err != nil {
		return false, fmt.Errorf("cancel event %d: %w", last.ID, err)
	}
	s.log.Info("last entry cancelled", "event", last.ID, "entry_id", last.EntryID)
	return true, nil
}
