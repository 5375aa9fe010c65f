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
		{OutcomeRefused, "refused"},
		{OutcomePhoneRemoved, "phone_removed"},
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

func TestEndReasonString(t *testing.T) {
	for r := EndCallerHangup; int(r) < len(endReasonNames); r++ {
		if got, ok := ParseEndReason(r.String()); !ok || got != r {
			t.Errorf("ParseEndReason(%q) = %v, %v", r.String(), got, ok)
		}
	}
	if _, ok := ParseEndReason("unknown"); ok {
		t.Error("unknown parsed")
	}
	tests := []struct {
		cause, flowReason string
		want              EndReason
	}{
		{"remote_bye", "", EndCallerHangup},
		{"remote_bye", "no_input", EndCallerHangup},
		{"hangup", "", EndServiceHangup},
		{"hangup", "too_many_errors", EndServiceHangup},
		{"hangup", "no_input", EndTimeout},
		{"session_expired", "", EndTimeout},
		{"rtp_timeout", "", EndRTPTimeout},
		{"shutdown", "", EndShutdown},
		{"", "", EndUnknown},
		{"failed", "", EndUnknown},
	}
	for _, tt := range tests {
		if got := endReasonOf(tt.cause, tt.flowReason); got != tt.want {
			t.Errorf("endReasonOf(%q, %q) = %s, want %s", tt.cause, tt.flowReason, got, tt.want)
		}
	}
}
