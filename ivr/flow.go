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
	// ChoiceWindow is how long after a 1 or 2 at the last-site offer the
	// flow waits for another key before taking it as the answer: keys that
	// follow sooner are a site code (default 1 s).
	ChoiceWindow time.Duration
	// ReverseGuard: a check-out asked for within this long of the day's
	// check-in at the same site is confirmed first ("press 2 again"), so a
	// habit repeated by mistake does not undo the morning (default 30 min).
	ReverseGuard time.Duration
	// PhoneOfferWindow is how long the flow waits for the 1 after offering
	// to register the calling phone (default 4 s).
	PhoneOfferWindow time.Duration
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
	if c.ChoiceWindow <= 0 {
		c.ChoiceWindow = time.Second
	}
	if c.ReverseGuard <= 0 {
		c.ReverseGuard = 30 * time.Minute
	}
	if c.PhoneOfferWindow <= 0 {
		c.PhoneOfferWindow = 4 * time.Second
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
	// refusals bounds the call records of refused calls written at once.
	refusals chan struct{}
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
	prompts.PressHash, prompts.ThisSiteOffer, prompts.ConfirmCheckOut, prompts.NotRegistered,
	prompts.PhoneRegisterOffer, prompts.PhoneRegistered, prompts.PhoneRemoveOffer, prompts.PhoneRemoveConfirm,
	prompts.PhoneRemoved, prompts.CrewNumberIs,
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
	return &Flow{cfg: cfg, db: db, prompts: p, refusals: make(chan struct{}, maxRefusalWrites)}, nil
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
	// callerE164 is the calling number in E.164, "" when it is withheld
	// or not a number (a SIP client's user name): such a caller is an
	// unknown phone, and nothing is looked up or offered for it.
	callerE164 string
	// codeOK: the caller proved who he is with his security code in this
	// call (he may then register the phone he calls from).
	codeOK bool
	// ownPhone: the caller was recognised by a number he registered
	// himself (he may remove it: menu 5).
	ownPhone bool
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
	s.rec.Caller = call.Caller()
	if e164, err := f.cfg.NormalizePhone(call.Caller()); err == nil {
		s.rec.Caller = e164
		if !call.Withheld() {
			s.callerE164 = e164
		}
	}
	if e164, err := f.cfg.NormalizePhone(call.Called()); err == nil {
		s.rec.Called = e164
	}
	// The caller's number is logged (masked unless --log-full-numbers) by
	// the SIP layer under the same call_id; the flow does not repeat it.
	s.log.Info("flow started")

	outcome, reason := s.run(ctx)
	select {
	case <-call.Done():
	default:
		s.hangup() // every path ends the call; then it says why it ended
	}
	s.rec.Outcome, s.rec.Reason = outcome.String(), reason
	s.rec.EndReason = endReasonOf(call.EndCause(), reason).String()
	s.rec.EndedAt = f.cfg.Now()
	s.rec.DTMFTransport = call.DTMFTransport()
	s.rec.Language = s.lang
	f.writeRecord(ctx, s.log, s.rec)
	s.log.Info("call ended", "outcome", outcome, "reason", reason, "end_reason", s.rec.EndReason, "entries", len(s.rec.EntryIDs))
}

// writeRecord writes a call record even if ctx was cancelled (the call has
// ended): with a short, separate deadline.
func (f *Flow) writeRecord(ctx context.Context, log *slog.Logger, rec ledger.CallRecord) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := f.db.RecordCall(wctx, rec); err != nil {
		// Logged, not returned: the caller is gone and nothing can be retried
		// on their behalf; the attendance entry (if any) is already durable.
		log.Error("write call record", "err", err)
	}
}

// maxRefusalWrites bounds the records of refused calls written at once:
// refusals come when the service is busiest, and the count of refusals is
// in the metrics anyway.
const maxRefusalWrites = 4

// RefusedCall is a call the SIP layer refused before answering it.
type RefusedCall struct {
	CallID, Caller, Called string
	At                     time.Time
	Reason                 EndReason // EndOverload, or EndShutdown while draining
}

// Refused writes the call record of a refused call (outcome refused), unless
// maxRefusalWrites are being written already.
func (f *Flow) Refused(ctx context.Context, r RefusedCall) {
	log := f.cfg.Logger.With("call_id", r.CallID)
	select {
	case f.refusals <- struct{}{}:
		defer func() { <-f.refusals }()
	default:
		log.Debug("refused call not recorded: records of refusals already being written", "end_reason", r.Reason)
		return
	}
	rec := ledger.CallRecord{CallID: r.CallID, Caller: r.Caller, Called: r.Called, ArrivedAt: r.At, EndedAt: r.At,
		Outcome: OutcomeRefused.String(), EndReason: r.Reason.String()}
	if e164, err := f.cfg.NormalizePhone(r.Caller); err == nil {
		rec.Caller = e164
	}
	if e164, err := f.cfg.NormalizePhone(r.Called); err == nil {
		rec.Called = e164
	}
	f.writeRecord(ctx, log, rec)
	log.Info("call refused", "end_reason", r.Reason)
}

// run is the flow from greeting to hang-up, top to bottom like a dialplan.
func (s *session) run(ctx context.Context) (Outcome, string) {
	s.step("answered")

	// 0. What the dialled and the calling numbers say, before a word is
	// played: a site's own number, a registered technician, a foreman.
	didSite, hasDID := s.siteByDID(ctx)
	tech, registered, err := s.technicianByPhone(ctx)
	if err != nil {
		return s.fail(ctx, err)
	}
	if registered && hasDID {
		// 1a. The one-call path: no keys at all.
		return s.oneCall(ctx, tech, didSite)
	}
	foreman, isForeman := s.foremanPhone(ctx, registered)

	// 1. Greeting: short for a caller we know (his language is stored),
	// else with "For English, press 9".
	lead, nine, err := s.greet(ctx, registered)
	if err != nil {
		return s.fail(ctx, err)
	}
	if isForeman {
		return s.foreman(ctx, foreman, didSite, hasDID, lead, nine)
	}

	// 2. Who is calling: the 14-digit technician ID and, from a phone that
	// is not registered, the security code on the back of the CCUS card.
	if !registered {
		tech, err = s.askTechnician(ctx, lead, nine)
		lead = nil
		if err != nil {
			return s.fail(ctx, err)
		}
		s.identified(tech, "identified_by_id")
		if err := s.checkSecurityCode(ctx, tech); err != nil {
			return s.fail(ctx, err)
		}
	}

	// 3. Which site: the dialled site or the last site (1), or a site code.
	offered, offer := s.offeredSite(ctx, tech, didSite, hasDID)
	site, err := s.chooseSite(ctx, offered, offer, lead)
	if err != nil {
		return s.fail(ctx, err)
	}
	s.rec.SiteCode = site.Code

	// 4. Check-in, check-out, today's entries, cancel the last entry.
	return s.menu(ctx, tech, site)
}

// technicianByPhone finds the technician registered to the calling
// number; a withheld or non-numeric number is nobody's.
func (s *session) technicianByPhone(ctx context.Context) (ledger.Technician, bool, error) {
	if s.callerE164 == "" {
		s.step("caller_unknown_form")
		return ledger.Technician{}, false, nil
	}
	tech, err := s.f.db.TechnicianByPhone(ctx, s.callerE164)
	switch {
	case notFound(err):
		s.traceLedger("technician_by_phone", "found", false)
		return tech, false, nil
	case err != nil:
		return tech, false, fmt.Errorf("look up caller: %w", err)
	case tech.Disabled:
		s.traceLedger("technician_by_phone", "found", true, "disabled", true)
		return tech, false, nil
	}
	s.traceLedger("technician_by_phone", "technician", tech.ID)
	s.identified(tech, "identified_by_phone")
	if p, err := s.f.db.Phone(ctx, s.callerE164); err == nil {
		s.ownPhone = p.Source == ledger.PhoneSourceSelf && p.TechnicianID == tech.ID
	}
	return tech, true, nil
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
// English, press 9", and a 9 then switches the call to English. The 9 is
// returned too: keys that follow it at once may make it the first digit
// of the next entry instead (an ID that starts with 9; see nineSpec).
func (s *session) greet(ctx context.Context, known bool) ([]string, bool, error) {
	if known {
		return []string{prompts.GreetingShort}, false, nil
	}
	s.step("greeting")
	clips, err := s.clips(prompts.Greeting, prompts.EnglishOffer)
	if err != nil {
		return nil, false, err
	}
	spec := GatherSpec{Max: 1, FirstTimeout: s.f.cfg.LanguageKeyWindow, InterTimeout: s.f.cfg.LanguageKeyWindow}
	res, err := s.gather(ctx, clips, spec)
	if err != nil {
		return nil, false, err
	}
	switch {
	case res.digits == "9":
		s.setEnglish(true)
		return nil, true, nil
	case res.digits != "":
		s.pending = append(s.pending, res.digits...) // type-ahead for the next step
	}
	return nil, false, nil
}

// setEnglish switches the call to English (the caller's 9), or back when
// the 9 turned out to start his entry.
func (s *session) setEnglish(on bool) {
	if on {
		s.lang, s.langChosen = prompts.English, true
		s.step("english")
		return
	}
	s.lang, s.langChosen = s.f.cfg.Language, false
	s.step("english_withdrawn")
}

// nineSpec lets the greeting's 9 start the entry spec asks for: the 9 is
// the entry's first digit if its next digit comes within the inter-digit
// timeout.
func (s *session) nineSpec(spec GatherSpec, nine bool) GatherSpec {
	if nine {
		spec.Prefix, spec.PrefixWindow = '9', s.f.cfg.InterDigitTimeout
	}
	return spec
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
// and turns err into an outcome and reason. A call that ended under the
// flow (the caller hung up, the audio stopped, the service stopped) is
// abandoned; the call itself says what ended it (Call.EndCause).
func (s *session) fail(ctx context.Context, err error) (Outcome, string) {
	switch {
	case errors.Is(err, ErrHangup) || ctx.Err() != nil:
		return OutcomeAbandoned, ""
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

func (s *session) step(name string) {
	s.rec.Steps = append(s.rec.Steps, name)
	s.log.Debug("step", "step", name)
}

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
