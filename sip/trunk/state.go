package trunk

import "fmt"

// State is the registration state.
type State uint8

const (
	StateUnknown     State = iota // Run has not started, or has ended
	StateRegistering              // the first REGISTER (or one after a failure or a lost binding) is out
	StateRegistered               // the trunk holds our binding
	StateFailed                   // the last REGISTER failed; retrying after a back-off
)

var stateNames = []string{"unknown", "registering", "registered", "failed"}

// String returns the name used in logs and metrics.
func (s State) String() string { return enumName(stateNames, s) }

// MarshalText gives the name, so JSON logs say what text logs say.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseState is the inverse of String.
func ParseState(s string) (State, error) { return parseEnum[State](stateNames, "state", s) }

// States lists every state, for a metric with one series per state.
func States() []State { return enumValues[State](stateNames) }

// FailureReason says why a REGISTER failed.
type FailureReason uint8

const (
	FailureUnknown  FailureReason = iota
	FailureNoAnswer               // no final answer within the Timeout (registrar down, path broken)
	FailureRejected               // a final answer other than 2xx or a challenge (403, 503, ...)
	FailureAuth                   // challenged again after our credentials: wrong user or password
)

var failureNames = []string{"unknown", "no_answer", "rejected", "auth"}

// String returns the name used in logs and metrics.
func (f FailureReason) String() string { return enumName(failureNames, f) }

// MarshalText gives the name, so JSON logs say what text logs say.
func (f FailureReason) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// ParseFailureReason is the inverse of String.
func ParseFailureReason(s string) (FailureReason, error) {
	return parseEnum[FailureReason](failureNames, "failure reason", s)
}

// FailureReasons lists every reason, for a metric with one series each.
func FailureReasons() []FailureReason { return enumValues[FailureReason](failureNames) }

// LossCause says how a lost registration was noticed. Each loss starts a
// registration at once instead of waiting for the scheduled refresh.
type LossCause uint8

const (
	LossUnknown LossCause = iota
	// LossNotFound: a keep-alive to our own address of record was
	// answered 404, 410, 480, 481 or 604: the registrar no longer routes
	// to us (it restarted with an empty location table, or expired us).
	LossNotFound
	// LossReachableAgain: the registrar answered after a keep-alive had
	// gone unanswered; what answers may be a restarted instance that
	// never heard of us.
	LossReachableAgain
	// LossKeepAliveMissed: keepAliveMisses keep-alives in a row went
	// unanswered: the path or the NAT binding is gone.
	LossKeepAliveMissed
	// LossNotListed: a 200 OK to our REGISTER listed bindings but not
	// ours (RFC 3261 §10.2.4: it lists all current bindings), so the
	// registrar did not keep it.
	LossNotListed
)

var lossNames = []string{"unknown", "not_found", "reachable_again", "keepalive_missed", "not_listed"}

// String returns the name used in logs and metrics.
func (c LossCause) String() string { return enumName(lossNames, c) }

// MarshalText gives the name, so JSON logs say what text logs say.
func (c LossCause) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// ParseLossCause is the inverse of String.
func ParseLossCause(s string) (LossCause, error) {
	return parseEnum[LossCause](lossNames, "loss cause", s)
}

// LossCauses lists every cause, for a metric with one series each.
func LossCauses() []LossCause { return enumValues[LossCause](lossNames) }

// The sizes of Stats' per-reason and per-cause arrays.
const (
	numFailureReasons = 4
	numLossCauses     = 5
)

func enumName[E ~uint8](names []string, e E) string {
	if int(e) < len(names) {
		return names[e]
	}
	return names[0]
}

func parseEnum[E ~uint8](names []string, what, s string) (E, error) {
	for i, n := range names {
		if n == s {
			return E(i), nil
		}
	}
	return 0, fmt.Errorf("trunk: unknown %s %q", what, s)
}

func enumValues[E ~uint8](names []string) []E {
	out := make([]E, len(names))
	for i := range names {
		out[i] = E(i)
	}
	return out
}
