package ivr

import "testing"

func TestOutcomeString(t *testing.T) {
	tests := []struct {
		o    Outcome
		name string
	}{
		{OutcomeRegistered, "registered"},
		{OutcomeAlreadyRegistered, "already_registered"},
		{OutcomeAbandoned, "abandoned"},
		{OutcomeFailed, "failed"},
		{OutcomeCancelled, "cancelled"},
		{OutcomeStatus, "status"},
	}
	for _, tt := range tests {
		if got := tt.o.String(); got != tt.name {
			t.Errorf("%d.String() = %q, want %q", tt.o, got, tt.name)
		}
		if got, ok := ParseOutcome(tt.name); !ok || got != tt.o {
			t.Errorf("ParseOutcome(%q) = %v, %v", tt.name, got, ok)
		}
	}
	if _, ok := ParseOutcome("unknown"); ok {
		t.Error("unknown parsed")
	}
	if got := Outcome(200).String(); got != "unknown" {
		t.Errorf("Outcome(200) = %q", got)
	}
}
