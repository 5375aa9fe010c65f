package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// Config tunes the call flow. The zero value of each field means its default.
type Config struct {
	FirstDigitTimeout time.Duration // wait for the first key after a prompt (default 10 s)
	InterDigitTimeout time.Duration // wait between keys (default 5 s)
	MaxTries          int           // tries per step before apologising (default 3)
	MaxSiteCodeLen    int           // longest site code (default 8)
	Language          string        // default prompt language (default "ja")
	// Now is the clock (default time.Now); work dates and call records use it.
	Now func() time.Time
	// NormalizePhone turns a presented caller number into E.164 (default
	// ledger.NormalizePhone).
	NormalizePhone func(string) (string, error)
	Logger         *slog.Logger
}

func (c *Config) setDefaults() {
	if c.FirstDigitTimeout <= 0 {
		c.FirstDigitTimeout = 10 * time.Second
	}
	if c.InterDigitTimeout <= 0 {
		c.InterDigitTimeout = 5 * time.Second
	}
	if c.MaxTries <= 0 {
		c.MaxTries = 3
	}
	if c.MaxSiteCodeLen <= 0 {
		c.MaxSiteCodeLen = 8
	}
	if c.Language == "" {
		c.Language = "ja"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.NormalizePhone == nil {
		c.NormalizePhone = ledger.NormalizePhone
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// technicianIDLen is the length of a CCUS technician ID (技能者ID).
const technicianIDLen = 14

// Flow runs dezura's check-in/check-out call flow.
type Flow struct {
	cfg     Config
	dir     Directory
	rec     Recorder
	prompts Prompts
}

// flowClips are the clips the flow plays; New checks each exists in the
// default language so a missing prompt stops the service at start-up, not a
// caller mid-call.
var flowClips = []string{
	prompts.Greeting, prompts.EnterID, prompts.EnterSite, prompts.ChooseAction,
	prompts.UnknownID, prompts.WrongLengthID, prompts.UnknownSite, prompts.SiteClosed,
	prompts.InvalidKey, prompts.NoInput, prompts.SiteCodeIs, prompts.ActionCheckIn,
	prompts.ActionCheckOut, prompts.Registered, prompts.AlreadyRegistered,
	prompts.CheckoutWithoutIn, prompts.Goodbye, prompts.TooManyErrors, prompts.SystemError,
}

// New returns a flow over the given directory, recorder and prompts.
func New(cfg Config, dir Directory, rec Recorder, p Prompts) (*Flow, error) {
	cfg.setDefaults()
	for _, name := range flowClips {
		if _, err := p.Clip(cfg.Language, name); err != nil {
			return nil, fmt.Errorf("ivr: prompt %q: %w", name, err)
		}
	}
	if _, err := p.Digits(cfg.Language, "0123456789"); err != nil {
		return nil, fmt.Errorf("ivr: digit prompts: %w", err)
	}
	return &Flow{cfg: cfg, dir: dir, rec: rec, prompts: p}, nil
}

// session is the state of one call.
type session struct {
	f    *Flow
	call Call
	lang string
	log  *slog.Logger
	rec  ledger.CallRecord
	// lastWrong is the clip that said what was wrong with the last rejected
	// entry; after the last try it is played before the apology.
	lastWrong string
}

// Handle runs the flow for one answered call and returns when the call is
// over. It always writes a call record, however the call ended.
func (f *Flow) Handle(ctx context.Context, call Call) {
	s := &session{f: f, call: call, lang: f.cfg.Language,
		log: f.cfg.Logger.With("call_id", call.ID())}
	now := f.cfg.Now()
	s.rec = ledger.CallRecord{CallID: call.ID(), Called: call.Called(), ArrivedAt: now, AnsweredAt: now, Language: s.lang}
	if e164, err := f.cfg.NormalizePhone(call.Caller()); err == nil {
		s.rec.Caller = e164
	} else {
		s.rec.Caller = call.Caller()
	}
	s.log.Info("call started", "caller", maskNumber(s.rec.Caller))

	outcome, reason := s.run(ctx)
	s.rec.Outcome, s.rec.Reason = outcome.String(), reason
	s.rec.EndedAt = f.cfg.Now()
	s.rec.DTMFTransport = call.DTMFTransport()
	s.rec.Language = s.lang
	// The call record is written even if ctx was cancelled (shutdown): the
	// flow has already ended; give the store a short, separate deadline.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := f.rec.RecordCall(wctx, s.rec); err != nil {
		// Logged, not returned: the caller is gone and nothing can be retried
		// on their behalf; the attendance entry (if any) is already durable.
		s.log.Error("write call record", "err", err)
	}
	s.log.Info("call ended", "outcome", outcome, "reason", reason, "entries", len(s.rec.EntryIDs))
}

// run is the flow from greeting to hang-up, top to bottom like a dialplan.
func (s *session) run(ctx context.Context) (Outcome, string) {
	lead := []string{prompts.Greeting}
	s.step("greeting")

	// 1. Who is calling: caller ID, or the 14-digit technician ID.
	tech, err := s.f.dir.TechnicianByPhone(ctx, s.rec.Caller)
	switch {
	case err == nil && !tech.Disabled:
		s.step("identified_by_phone")
	case err == nil || errors.Is(err, ledger.ErrNotFound) || errors.Is(err, ledger.ErrUnknownTechnician):
		tech, err = s.askTechnician(ctx, lead)
		lead = nil
		if err != nil {
			return s.fail(ctx, err)
		}
		s.step("identified_by_id")
	default:
		return s.fail(ctx, fmt.Errorf("look up caller: %w", err))
	}
	s.rec.TechnicianID = tech.ID
	if tech.Language != "" {
		s.lang = tech.Language
	}

	// 2. Which site.
	site, err := s.askSite(ctx, lead)
	if err != nil {
		return s.fail(ctx, err)
	}
	s.rec.SiteCode = site.Code
	s.step("site")

	// 3. Check-in or check-out.
	action, err := s.askAction(ctx)
	if err != nil {
		return s.fail(ctx, err)
	}
	s.step("action")

	// 4. Read back while committing; "registered" only once durable.
	return s.commit(ctx, tech, site, action)
}

func (s *session) askTechnician(ctx context.Context, lead []string) (ledger.Technician, error) {
	var tech ledger.Technician
	spec := s.spec(technicianIDLen, '#')
	_, err := s.ask(ctx, prompts.EnterID, spec, lead, func(digits string) (string, error) {
		if len(digits) != technicianIDLen {
			return prompts.WrongLengthID, nil
		}
		t, err := s.f.dir.Technician(ctx, digits)
		switch {
		case errors.Is(err, ledger.ErrNotFound), errors.Is(err, ledger.ErrUnknownTechnician):
			return prompts.UnknownID, nil
		case err != nil:
			return "", fmt.Errorf("look up technician: %w", err)
		case t.Disabled:
			return prompts.UnknownID, nil
		}
		tech = t
		return "", nil
	})
	return tech, err
}

func (s *session) askSite(ctx context.Context, lead []string) (ledger.Site, error) {
	var site ledger.Site
	spec := s.spec(s.f.cfg.MaxSiteCodeLen, '#')
	_, err := s.ask(ctx, prompts.EnterSite, spec, lead, func(digits string) (string, error) {
		st, err := s.f.dir.SiteByCode(ctx, digits)
		switch {
		case errors.Is(err, ledger.ErrNotFound), errors.Is(err, ledger.ErrUnknownSite):
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

// siteOpen reports whether the site takes entries on the Tokyo date of now.
func siteOpen(st ledger.Site, now time.Time) bool {
	day := ledger.WorkDate(now)
	if !st.OpensOn.IsZero() && day < st.OpensOn.Format(time.DateOnly) {
		return false
	}
	if !st.ClosesOn.IsZero() && day > st.ClosesOn.Format(time.DateOnly) {
		return false
	}
	return true
}

func (s *session) askAction(ctx context.Context) (ledger.Action, error) {
	var action ledger.Action
	_, err := s.ask(ctx, prompts.ChooseAction, s.spec(1, 0), nil, func(digits string) (string, error) {
		switch digits {
		case "1":
			action = ledger.ActionCheckIn
		case "2":
			action = ledger.ActionCheckOut
		default:
			return prompts.InvalidKey, nil
		}
		return "", nil
	})
	return action, err
}

func (s *session) spec(max int, term byte) GatherSpec {
	return GatherSpec{Max: max, Terminator: term,
		FirstTimeout: s.f.cfg.FirstDigitTimeout, InterTimeout: s.f.cfg.InterDigitTimeout}
}

// ask plays prompt (after lead) and gathers an entry, up to MaxTries times.
// check returns "" when the entry is good, or the name of the clip that says
// what was wrong.
func (s *session) ask(ctx context.Context, prompt string, spec GatherSpec, lead []string,
	check func(digits string) (string, error)) (string, error) {
	pre := lead
	noInput := 0
	for try := 1; try <= s.f.cfg.MaxTries; try++ {
		clips, err := s.clips(append(pre, prompt)...)
		if err != nil {
			return "", err
		}
		res, err := s.gather(ctx, clips, spec)
		if err != nil {
			return "", err
		}
		if res.outcome == GatherNoInput {
			noInput++
			pre = []string{prompts.NoInput}
			s.lastWrong = prompts.NoInput
			continue
		}
		wrong, err := check(res.digits)
		if err != nil {
			return "", err
		}
		if wrong == "" {
			return res.digits, nil
		}
		// A mistake often comes with stray keys behind it: start the next
		// try clean rather than let them cascade.
		s.flushKeys()
		s.log.Info("entry rejected", "prompt", prompt, "reason", wrong, "try", try)
		pre = []string{wrong}
		s.lastWrong = wrong
	}
	if noInput == s.f.cfg.MaxTries {
		return "", errNoInput
	}
	return "", errTooManyTries
}

type gatherResult struct {
	outcome GatherOutcome
	digits  string
}

// gather plays clips and collects keys as the gatherer says, until it is
// done, the call ends or ctx ends.
func (s *session) gather(ctx context.Context, clips []*prompts.Clip, spec GatherSpec) (gatherResult, error) {
	g := newGatherer(spec)
	played := s.call.Play(clips)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var timerC <-chan time.Time
	for {
		var st gatherStep
		select {
		case <-ctx.Done():
			s.call.StopPlayback()
			return gatherResult{}, ctx.Err()
		case <-s.call.Done():
			return gatherResult{}, ErrHangup
		case k := <-s.call.Keys():
			st = g.step(gatherEvent{kind: evKey, key: k})
		case <-played:
			played = nil
			st = g.step(gatherEvent{kind: evPromptEnded})
		case <-timerC:
			timerC = nil
			st = g.step(gatherEvent{kind: evTimeout})
		}
		if st.stopPrompt {
			s.call.StopPlayback()
		}
		if st.disarm {
			timer.Stop()
			timerC = nil
		}
		if st.arm > 0 {
			timer.Reset(st.arm)
			timerC = timer.C
		}
		if st.done {
			if played != nil {
				s.call.StopPlayback()
			}
			return gatherResult{outcome: st.outcome, digits: st.digits}, nil
		}
	}
}

func (s *session) flushKeys() {
	for {
		select {
		case <-s.call.Keys():
		default:
			return
		}
	}
}

// commit reads back the site and action while the entry is written, then
// says what was recorded and hangs up.
func (s *session) commit(ctx context.Context, tech ledger.Technician, site ledger.Site, action ledger.Action) (Outcome, string) {
	select {
	case <-s.call.Done():
		return OutcomeAbandoned, "hangup before commit"
	default:
	}
	actionClip := prompts.ActionCheckIn
	if action == ledger.ActionCheckOut {
		actionClip = prompts.ActionCheckOut
	}
	readback, err := s.clips(prompts.SiteCodeIs)
	if err != nil {
		return s.fail(ctx, err)
	}
	digits, err := s.f.prompts.Digits(s.lang, site.Code)
	if err != nil {
		return s.fail(ctx, fmt.Errorf("prompts: %w", err))
	}
	ac, err := s.clips(actionClip)
	if err != nil {
		return s.fail(ctx, err)
	}
	readback = append(append(readback, digits...), ac...)
	played := s.call.Play(readback)

	res, err := s.f.rec.RecordAttendance(ctx, ledger.AttendanceRequest{
		TechnicianID:   tech.ID,
		SiteCode:       site.Code,
		Action:         action,
		At:             s.f.cfg.Now(),
		CallID:         s.call.ID(),
		IdempotencyKey: s.call.ID() + "/attendance",
	})
	if err != nil {
		s.waitPlayed(played)
		return s.fail(ctx, fmt.Errorf("record attendance: %w", err))
	}
	s.step("committed")
	outcome := OutcomeRegistered
	result := prompts.Registered
	switch {
	case res.AlreadyRegistered:
		outcome, result = OutcomeAlreadyRegistered, prompts.AlreadyRegistered
	case action == ledger.ActionCheckOut && res.Entry.Status == ledger.EntryStatusNeedsReview:
		result = prompts.CheckoutWithoutIn
	}
	if !res.AlreadyRegistered {
		s.rec.EntryIDs = append(s.rec.EntryIDs, res.Entry.ID)
	}
	s.log.Info("attendance recorded", "site", site.Code, "entry_id", res.Entry.ID,
		"action", actionName(action), "already", res.AlreadyRegistered)
	s.waitPlayed(played)
	s.say(result, prompts.Goodbye)
	return outcome, ""
}

// fail tells the caller why the flow is giving up (if they are still there)
// and turns err into an outcome and reason.
func (s *session) fail(ctx context.Context, err error) (Outcome, string) {
	switch {
	case errors.Is(err, ErrHangup):
		return OutcomeAbandoned, "hangup"
	case ctx.Err() != nil:
		return OutcomeAbandoned, "shutdown"
	case errors.Is(err, errNoInput):
		s.say(prompts.TooManyErrors)
		return OutcomeFailed, "no_input"
	case errors.Is(err, errTooManyTries):
		s.say(s.lastWrong, prompts.TooManyErrors)
		return OutcomeFailed, "too_many_errors"
	}
	s.log.Error("call failed", "err", err)
	s.say(prompts.SystemError)
	return OutcomeFailed, "system_error"
}

// say plays clips to the end (no barge-in) and hangs up.
func (s *session) say(names ...string) {
	clips, err := s.clips(names...)
	if err == nil {
		s.waitPlayed(s.call.Play(clips))
	}
	if err := s.call.Hangup(); err != nil {
		s.log.Debug("hang up", "err", err)
	}
}

func (s *session) waitPlayed(played <-chan struct{}) {
	select {
	case <-played:
	case <-s.call.Done():
	}
}

func (s *session) clips(names ...string) ([]*prompts.Clip, error) {
	out := make([]*prompts.Clip, 0, len(names))
	for _, n := range names {
		c, err := s.f.prompts.Clip(s.lang, n)
		if err != nil {
			return nil, fmt.Errorf("prompts: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

func (s *session) step(name string) { s.rec.Steps = append(s.rec.Steps, name) }

func actionName(a ledger.Action) string {
	if a == ledger.ActionCheckOut {
		return "check-out"
	}
	return "check-in"
}

// maskNumber keeps the last 4 digits of a phone number for logs.
func maskNumber(n string) string {
	if len(n) <= 4 {
		return "****"
	}
	return "****" + n[len(n)-4:]
}
