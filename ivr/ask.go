package ivr

import (
	"context"
	"time"

	"github.com/dezura/dezura/prompts"
)

func (s *session) spec(max int, term byte) GatherSpec {
	return GatherSpec{Max: max, Terminator: term,
		FirstTimeout: s.f.cfg.FirstDigitTimeout, InterTimeout: s.f.cfg.InterDigitTimeout}
}

// question is what ask plays: the prompt, and the longer version of it
// for a retry ("" plays the prompt again), then more clips said after
// either on every try (the rest of a menu).
type question struct {
	prompt, long string
	more         []string
}

// ask plays q (after lead) and gathers an entry, up to MaxTries times; a
// retry plays what was wrong and then the long version of the prompt.
// check returns "" when the entry is good, or the name of the clip that
// says what was wrong.
func (s *session) ask(ctx context.Context, q question, spec GatherSpec, lead []string,
	check func(digits string) (string, error)) (string, error) {
	return s.askEntry(ctx, q, spec, lead, func(res gatherResult) (string, error) { return check(res.digits) })
}

// askEntry is ask for a check that needs to know how the entry ended
// (with the terminator, or by a pause) or whether it took a prefix.
func (s *session) askEntry(ctx context.Context, q question, spec GatherSpec, lead []string,
	check func(res gatherResult) (string, error)) (string, error) {
	pre := lead
	noInput := 0
	for try := 1; try <= s.f.cfg.MaxTries; try++ {
		prompt := q.prompt
		if try > 1 && q.long != "" {
			prompt = q.long
		}
		clips, err := s.clips(append(append(pre, prompt), q.more...)...)
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
		wrong, err := check(res)
		if err != nil {
			return "", err
		}
		if wrong == "" {
			return res.digits, nil
		}
		// A mistake often comes with stray keys behind it: start the next
		// try clean rather than let them cascade.
		s.flushKeys()
		spec.Prefix = 0 // a retry is a fresh entry
		s.log.Info("entry rejected", "prompt", q.prompt, "reason", wrong, "try", try)
		pre = []string{wrong}
		s.lastWrong = wrong
	}
	if noInput == s.f.cfg.MaxTries {
		return "", errNoInput
	}
	return "", errTooManyTries
}

type gatherResult struct {
	outcome  GatherOutcome
	digits   string
	prefixed bool // digits start with GatherSpec.Prefix
}

// gather plays clips and collects keys as the gatherer says, until it is
// done, the call ends or ctx ends. Keys left pending by an earlier step
// are taken first, as if keyed during the prompt.
func (s *session) gather(ctx context.Context, clips []*prompts.Clip, spec GatherSpec) (gatherResult, error) {
	g := newGatherer(spec)
	s.tracePrompt(clips)
	played := s.call.Play(clips)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var timerC, prefixC <-chan time.Time
	if spec.Prefix != 0 {
		pt := time.NewTimer(spec.PrefixWindow)
		defer pt.Stop()
		prefixC = pt.C
	}
	for {
		var st gatherStep
		if len(s.pending) > 0 {
			k := s.pending[0]
			s.pending = s.pending[1:]
			st = g.step(gatherEvent{kind: evKey, key: k})
		} else {
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
			case <-prefixC:
				prefixC = nil
				st = g.step(gatherEvent{kind: evPrefixExpired})
			}
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
			res := gatherResult{outcome: st.outcome, digits: st.digits, prefixed: st.prefixed}
			s.traceEntry(spec, res)
			return res, nil
		}
	}
}

// flushKeys drops keys keyed ahead, pending or buffered.
func (s *session) flushKeys() {
	s.pending = nil
	for {
		select {
		case <-s.call.Keys():
		default:
			return
		}
	}
}

// playlistDuration is how long clips take to play.
func playlistDuration(clips []*prompts.Clip) time.Duration {
	var d time.Duration
	for _, c := range clips {
		d += time.Duration(c.Frames()) * 20 * time.Millisecond
	}
	return d
}
