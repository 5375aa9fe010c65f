package ivr

import "time"

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
	evKey         gatherEventKind = iota + 1 // the caller pressed a key
	evPromptEnded                            // the prompt played out (or was stopped)
	evTimeout                                // the armed timer fired
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
}

// gatherer is the pure state machine behind Flow.gather: fed events, it
// says what to do next. It does no I/O and reads no clock.
type gatherer struct {
	spec      GatherSpec
	digits    []byte
	prompting bool // the prompt is still playing
	done      bool
}

func newGatherer(spec GatherSpec) *gatherer {
	return &gatherer{spec: spec, digits: make([]byte, 0, spec.Max), prompting: true}
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
		g.digits = append(g.digits, ev.key)
		if len(g.digits) >= g.spec.Max {
			return g.finish(st, GatherComplete)
		}
		st.arm = g.spec.InterTimeout
		return st
	case evPromptEnded:
		if !g.prompting {
			return gatherStep{} // stopped by a key: its timer is already armed
		}
		g.prompting = false
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
	return st
}
