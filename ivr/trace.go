package ivr

import (
	"context"
	"log/slog"
	"strings"

	"github.com/dezura/dezura/prompts"
)

// With --log-level debug a call's log (every line carries its call_id)
// traces each step, each prompt played, each entry keyed and each answer
// of the ledger, so a caller's problem can be followed without a packet
// capture. Entries are logged as keyed (technician IDs, site codes, menu
// keys) except secret ones (security codes), whose digits never reach a
// log: only their length does.

func (s *session) debug() bool { return s.log.Enabled(context.Background(), slog.LevelDebug) }

// tracePrompt logs the clips about to be played.
func (s *session) tracePrompt(clips []*prompts.Clip) {
	if !s.debug() {
		return
	}
	names := make([]string, len(clips))
	for i, c := range clips {
		names[i] = c.Name
	}
	s.log.Debug("prompt", "lang", s.lang, "clips", strings.Join(names, " "))
}

// traceEntry logs how an entry ended and what was keyed.
func (s *session) traceEntry(spec GatherSpec, res gatherResult) {
	if !s.debug() {
		return
	}
	digits := res.digits
	switch {
	case spec.Secret:
		digits = strings.Repeat("*", len(digits))
	case len(digits) > spec.Max:
		// The digit past an entry's length with a prefix in it may be the
		// first of a security code typed ahead.
		digits = digits[:spec.Max] + strings.Repeat("*", len(digits)-spec.Max)
	}
	s.log.Debug("keys", "digits", digits, "outcome", res.outcome.String(), "prefixed", res.prefixed,
		"pending", len(s.pending))
}

// traceLedger logs one answer of the ledger.
func (s *session) traceLedger(op string, args ...any) {
	if s.debug() {
		s.log.Debug("ledger", append([]any{"op", op}, args...)...)
	}
}
