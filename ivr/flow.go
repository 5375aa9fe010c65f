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
	// UndoWindow is how long after the undo offer starts the caller of the
	// one-call path can press 9 (default 3 s); UndoGrace the least time
	// left after the offer has been said (default 1.5 s).
	UndoWindow time.Duration
	UndoGrace  time.Duration
	// LanguageKeyWindow is how long after the greeting's "For English,
	// press 9" the flow waits for the 9 before going on (default 1 s);
	// another key goes on as type-ahead.
	LanguageKeyWindow time.Duration
	// MaxStatusReadbacks bounds how often one call may hear today's
	// entries (default 3).
	MaxStatusReadbacks int
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
		c.Language = prompts.Japanese
	}
	if c.UndoWindow <= 0 {
		c.UndoWindow = 3 * time.Second
	}
	if c.UndoGrace <= 0 {
		c.UndoGrace = 1500 * time.Millisecond
	}
	if c.LanguageKeyWindow <= 0 {
		c.LanguageKeyWindow = time.Second
	}
	if c.MaxStatusReadbacks <= 0 {
		c.MaxStatusReadbacks = 3
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

// Flow runs dezura's check-in/check-out call flows.
type Flow struct {
	cfg     Config
	db      Ledger
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
	prompts.GreetingShort, prompts.EnglishOffer, prompts.EnterIDLong, prompts.EnterSiteLong,
	prompts.ChooseActionMore, prompts.SameSiteOffer, prompts.EnterSecurityCode,
	prompts.WrongSecurityCode, prompts.Locked, prompts.TooShort, prompts.TechnicianIDIs,
	prompts.RecordedCheckIn, prompts.RecordedCheckOut, prompts.NotAssigned, prompts.UndoOffer,
	prompts.Undone, prompts.ForemanEnterID, prompts.ForemanNext, prompts.ForemanDone,
	prompts.TodaysEntries, prompts.NoEntriesToday, prompts.EntryCancelled,
	prompts.NothingToCancel, prompts.CountRegistered,
}

// New returns a flow over the ledger and the prompts: the one-call path,
// security codes, foreman entry, today's entries and undo included.
func New(cfg Config, db Ledger, p Prompts) (*Flow, error) {
	cfg.setDefaults()
	for _, lang := range []string{cfg.Language, prompts.English} {
		for _, name := range flowClips {
			if _, err := p.Clip(lang, name); err != nil {
				return nil, fmt.Errorf("ivr: prompt %q: %w", name, err)
			}
		}
		if _, err := p.Digits(lang, "0123456789"); err != nil {
			return nil, fmt.Errorf("ivr: digit prompts: %w", err)
		}
	}
	return &Flow{cfg: cfg, db: db, prompts: p}, nil
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
	// pending are keys read but not used yet (a key after the greeting
	// that was not the language key): the next gather takes them first.
	pending []byte
	// langChosen: the caller picked the language in this call (9 at the
	// greeting); it then wins over the technician's stored one.
	langChosen bool
}

// Handle runs the flow for one answered call and returns when the call is
// over. It always writes a call record, however the call ended.
func (f *Flow) Handle(ctx context.Context, call Call) {
	s := &session{f: f, call: call, lang: f.cfg.Language,
		log: f.cfg.Logger.With("call_id", call.ID())}
	now := f.cfg.Now()
	s.rec = ledger.CallRecord{CallID: call.ID(), Called: call.Called(), ArrivedAt: now, AnsweredAt: now, Language: s.lang}
	if at := call.ArrivedAt(); !at.IsZero() {
		s.rec.ArrivedAt = at
	}
	if e164, err := f.cfg.NormalizePhone(call.Caller()); err == nil {
		s.rec.Caller = e164
	} else {
		s.rec.Caller = call.Caller()
	}
	if e164, err := f.cfg.NormalizePhone(call.Called()); err == nil {
		s.rec.Called = e164
	}
	// The caller's number is logged (masked unless --log-full-numbers) by
	// the SIP layer under the same call_id; the flow does not repeat it.
	s.log.Info("flow started")

	outcome, reason := s.run(ctx)
	s.rec.Outcome, s.rec.Reason = outcome.String(), reason
	s.rec.EndedAt = f.cfg.Now()
	s.rec.DTMFTransport = call.DTMFTransport()
	s.rec.Language = s.lang
	// The call record is written even if ctx was cancelled (shutdown): the
	// flow has already ended; give the store a short, separate deadline.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := f.db.RecordCall(wctx, s.rec); err != nil {
		// Logged, not returned: the caller is gone and nothing can be retried
		// on their behalf; the attendance entry (if any) is already durable.
		s.log.Error("write call record", "err", err)
	}
	s.log.Info("call ended", "outcome", outcome, "reason", reason, "entries", len(s.rec.EntryIDs))
}

// run is the flow from greeting to hang-up, top to bottom like a dialplan.
func (s *session) run(ctx context.Context) (Outcome, string) {
	s.step("answered")

	// 0. What the dialled and the calling numbers say, before a word is
	// played: a site's own number, a registered technician, a foreman.
	didSite, hasDID := s.siteByDID(ctx)
	tech, err := s.f.db.TechnicianByPhone(ctx, s.rec.Caller)
	registered := err == nil && !tech.Disabled
	if err != nil && !notFound(err) {
		return s.fail(ctx, fmt.Errorf("look up caller: %w", err))
	}
	if registered {
		s.identified(tech, "identified_by_phone")
		if hasDID {
			// 1a. The one-call path: no keys at all.
			return s.oneCall(ctx, tech, didSite)
		}
	}
	foreman, isForeman := s.foremanPhone(ctx, registered)

	// 1. Greeting: short for a caller we know (his language is stored),
	// else with "For English, press 9".
	lead, err := s.greet(ctx, registered)
	if err != nil {
		return s.fail(ctx, err)
	}
	if isForeman {
		return s.foreman(ctx, foreman, didSite, hasDID, lead)
	}

	// 2. Who is calling: the 14-digit technician ID and, from a phone that
	// is not registered, the security code on the back of the CCUS card.
	if !registered {
		tech, err = s.askTechnician(ctx, lead)
		lead = nil
		if err != nil {
			return s.fail(ctx, err)
		}
		s.identified(tech, "identified_by_id")
		if err := s.checkSecurityCode(ctx, tech); err != nil {
			return s.fail(ctx, err)
		}
	}

	// 3. Which site: the dialled site, the last site (1), or a site code.
	var site ledger.Site
	if hasDID {
		site = didSite
		s.step("site_by_did")
	} else {
		site, err = s.chooseSite(ctx, tech, lead)
		if err != nil {
			return s.fail(ctx, err)
		}
		s.step("site")
	}
	s.rec.SiteCode = site.Code

	// 4. Check-in, check-out, today's entries, cancel the last entry.
	return s.menu(ctx, tech, site)
}

// identified records who the caller is and switches to his language.
func (s *session) identified(tech ledger.Technician, step string) {
	s.step(step)
	s.rec.TechnicianID = tech.ID
	if tech.Language != "" && !s.langChosen {
		s.lang = tech.Language
	}
}

// siteByDID returns the site whose own number was dialled, if any.
func (s *session) siteByDID(ctx context.Context) (ledger.Site, bool) {
	if s.call.Called() == "" {
		return ledger.Site{}, false
	}
	st, err := s.f.db.SiteByDID(ctx, s.call.Called())
	switch {
	case err == nil && !st.Disabled:
		return st, true
	case err == nil, notFound(err), errors.Is(err, ledger.ErrInvalidPhone):
	default:
		// Logged, not fatal: the caller can still key the site code.
		s.log.Warn("look up called number", "err", err)
	}
	return ledger.Site{}, false
}

// greet plays the greeting. A known caller hears the short one, as the
// lead of the next prompt; anyone else hears the full greeting and "For
// English, press 9", and a 9 then switches the call to English.
func (s *session) greet(ctx context.Context, known bool) ([]string, error) {
	if known {
		return []string{prompts.GreetingShort}, nil
	}
	s.step("greeting")
	clips, err := s.clips(prompts.Greeting, prompts.EnglishOffer)
	if err != nil {
		return nil, err
	}
	spec := GatherSpec{Max: 1, FirstTimeout: s.f.cfg.LanguageKeyWindow, InterTimeout: s.f.cfg.LanguageKeyWindow}
	res, err := s.gather(ctx, clips, spec)
	if err != nil {
		return nil, err
	}
	switch {
	case res.digits == "9":
		s.lang, s.langChosen = prompts.English, true
		s.step("english")
	case res.digits != "":
		s.pending = append(s.pending, res.digits...) // type-ahead for the next step
	}
	return nil, nil
}

// siteOpen reports whether the site takes entries on the Tokyo date of now.
func siteOpen(st ledger.Site, now time.Time) bool {
	if st.Disabled {
		return false
	}
	day := ledger.WorkDate(now)
	if !st.OpensOn.IsZero() && day < st.OpensOn.Format(time.DateOnly) {
		return false
	}
	if !st.ClosesOn.IsZero() && day > st.ClosesOn.Format(time.DateOnly) {
		return false
	}
	return true
}

func notFound(err error) bool {
	return errors.Is(err, ledger.ErrNotFound) || errors.Is(err, ledger.ErrUnknownTechnician) || errors.Is(err, ledger.ErrUnknownSite)
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
	case errors.Is(err, errLocked):
		s.say(prompts.Locked)
		return OutcomeFailed, "locked"
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
	s.hangup()
}

func (s *session) hangup() {
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

func (s *session) digitClips(digits string) ([]*prompts.Clip, error) {
	c, err := s.f.prompts.Digits(s.lang, digits)
	if err != nil {
		return nil, fmt.Errorf("prompts: %w", err)
	}
	return c, nil
}

func (s *session) step(name string) { s.rec.Steps = append(s.rec.Steps, name) }

func actionName(a ledger.Action) string {
	if a == ledger.ActionCheckOut {
		return "check-out"
	}
	return "check-in"
}

func actionClip(a ledger.Action) string {
	if a == ledger.ActionCheckOut {
		return prompts.ActionCheckOut
	}
	return prompts.ActionCheckIn
}
