package ivr

import (
	"strings"
	"time"
)

// GatherSpec says how to collect one entry of digits from the caller.
type GatherSpec struct {
	// Max is the most digits the entry can have; reaching it ends the entry
	// without a terminator (a 14-digit ID, a 1-key menu choice).
	Max int
	// Terminator ends the entry early ('#'), but only after at least one
	// digit; 0 means no terminator.
	Terminator byte
	// EmptyTerminates makes the terminator alone end the entry with no
	// digits (GatherTerminated, ""): the foreman's "# alone to finish".
	EmptyTerminates bool
	// FirstTimeout is how long to wait for the first key after the prompt
	// has ended; InterTimeout the wait between keys.
	FirstTimeout, InterTimeout time.Duration
	// ChoiceKeys are keys that answer the question alone ("12": same site,
	// another site). An entry that starts with one of them waits only
	// ChoiceWindow for its second and third key: a lone choice key, or a
	// choice key and one more (the next question's answer, typed ahead),
	// then ends timed out quickly; a third key makes the entry a number
	// (a site code) that waits InterTimeout between keys as usual.
	ChoiceKeys   string
	ChoiceWindow time.Duration
	// Prefix is a key the caller pressed just before this question (the 9
	// at the greeting) that may be the first digit of this entry instead:
	// it is when the entry's first digit comes within PrefixWindow of the
	// gather's start, while the prompt still plays; then the entry may be
	// one digit longer than Max. A key after the prompt has played out, or
	// later, or none, drops it.
	Prefix       byte
	PrefixWindow time.Duration
	// Secret entries (security codes) are never logged.
	Secret bool
}

// GatherOutcome says how a gather ended.
type GatherOutcome uint8

const (
	GatherUnknown    GatherOutcome = iota
	GatherComplete                 // Max digits keyed
	GatherTerminated               // terminator keyed after at least one digit
	GatherTimedOut                 // some digits, then the inter-digit timeout
	GatherNoInput                  // no key within FirstTimeout of the prompt's end
)

var gatherOutcomeNames = [...]string{"unknown", "complete", "terminated", "timed_out", "no_input"}

func (o GatherOutcome) String() string {
	if int(o) < len(gatherOutcomeNames) {
		return gatherOutcomeNames[o]
	}
	return "unknown"
}

// ParseGatherOutcome is the inverse of String.
func ParseGatherOutcome(s string) (GatherOutcome, bool) {
	for i, n := range gatherOutcomeNames {
		if i > 0 && n == s {
			return GatherOutcome(i), true
		}
	}
	return GatherUnknown, false
}

// gatherEventKind is what can happen while gathering.
type gatherEventKind uint8

const (
	evKey           gatherEventKind = iota + 1 // the caller pressed a key
	evPromptEnded                              // the prompt played out (or was stopped)
	evTimeout                                  // the armed timer fired
	evPrefixExpired                            // PrefixWindow passed since the gather started
)

type gatherEvent struct {
	kind gatherEventKind
	key  byte
}

// gatherStep is what the driver must do after an event.
type gatherStep struct {
	stopPrompt bool          // barge-in: stop the prompt now
	arm        time.Duration // >0: (re)arm the timer for this long
	disarm     bool          // stop the timer
	done       bool
	outcome    GatherOutcome
	digits     string
	prefixed   bool // the entry starts with spec.Prefix
}

// gatherer is the pure state machine behind Flow.gather: fed events, it
// says what to do next. It does no I/O and reads no clock.
type gatherer struct {
	spec      GatherSpec
	digits    []byte
	prompting bool // the prompt is still playing
	done      bool
	prefix    byte // spec.Prefix while it may still start the entry
	prefixed  bool // it did
}

func newGatherer(spec GatherSpec) *gatherer {
	return &gatherer{spec: spec, digits: make([]byte, 0, spec.Max+1), prompting: true, prefix: spec.Prefix}
}

// max is the longest entry: one more with the prefix in it.
func (g *gatherer) max() int {
	if g.prefixed {
		return g.spec.Max + 1
	}
	return g.spec.Max
}

// interval is the wait after a key: short while the entry may still be a
// choice key (with one key of type-ahead behind it).
func (g *gatherer) interval() time.Duration {
	if g.spec.ChoiceWindow > 0 && len(g.digits) <= 2 && strings.IndexByte(g.spec.ChoiceKeys, g.digits[0]) >= 0 {
		return g.spec.ChoiceWindow
	}
	return g.spec.InterTimeout
}

func (g *gatherer) step(ev gatherEvent) gatherStep {
	if g.done {
		return gatherStep{done: true}
	}
	switch ev.kind {
	case evKey:
		st := gatherStep{stopPrompt: g.prompting}
		g.prompting = false
		switch {
		case ev.key == '*':
			// Star clears what was keyed so far; wait for a fresh entry.
			g.digits = g.digits[:0]
			g.prefix, g.prefixed = 0, false
			st.arm = g.spec.FirstTimeout
			return st
		case g.spec.Terminator != 0 && ev.key == g.spec.Terminator:
			if len(g.digits) == 0 && !g.spec.EmptyTerminates {
				// A terminator alone means nothing; keep waiting.
				st.arm = g.spec.FirstTimeout
				return st
			}
			return g.finish(st, GatherTerminated)
		}
		if g.prefix != 0 && len(g.digits) == 0 {
			g.digits, g.prefixed = append(g.digits, g.prefix), true
		}
		g.prefix = 0
		g.digits = append(g.digits, ev.key)
		if len(g.digits) >= g.max() {
			return g.finish(st, GatherComplete)
		}
		st.arm = g.interval()
		return st
	case evPrefixExpired:
		g.prefix = 0
		return gatherStep{}
	case evPromptEnded:
		if !g.prompting {
			return gatherStep{} // stopped by a key: its timer is already armed
		}
		g.prompting = false
		g.prefix = 0 // the caller listened to the whole prompt: a key now starts afresh
		return gatherStep{arm: g.spec.FirstTimeout}
	case evTimeout:
		if g.prompting {
			return gatherStep{} // stale timer
		}
		if len(g.digits) == 0 {
			return g.finish(gatherStep{}, GatherNoInput)
		}
		return g.finish(gatherStep{}, GatherTimedOut)
	}
	return gatherStep{}
}

func (g *gatherer) finish(st gatherStep, o GatherOutcome) gatherStep {
	g.done = true
	st.done, st.outcome, st.digits, st.disarm, st.arm = true, o, string(g.digits), true, 0
	st.prefixed = g.prefixed
	return st
}
