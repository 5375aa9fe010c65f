package trunk

import "fmt"

// State is the registration state.
type State uint8

const (
	StateUnknown     State = iota // Run has not started
	StateRegistering              // the first REGISTER (or one after a failure) is out
	StateRegistered               // the trunk holds our binding
	StateFailed                   // the last REGISTER failed; retrying after a back-off
)

var stateNames = [...]string{"unknown", "registering", "registered", "failed"}

// String returns the name used in logs and metrics.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// ParseState is the inverse of String.
func ParseState(s string) (State, error) {
	for i, n := range stateNames {
		if n == s {
			return State(i), nil
		}
	}
	return StateUnknown, fmt.Errorf("trunk: unknown state %q", s)
}

// States lists every state, for a metric with one series per state.
func States() []State {
	return []State{StateUnknown, StateRegistering, StateRegistered, StateFailed}
}
