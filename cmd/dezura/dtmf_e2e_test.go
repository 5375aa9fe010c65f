package main

import (
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/simulator"
)

// TestE2EDigitsEveryWay: an unregistered caller keys the 14-digit ID, the
// site and the action through every DTMF transport and the awkward ways
// carriers deliver them. The call record shows the ID arrived
// whole: one technician, identified by the keyed ID, site 1234.
func TestE2EDigitsEveryWay(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	tests := []struct {
		name      string
		dtmf      string
		eventPT   uint8
		style     simulator.DigitStyle
		transport string
	}{
		{"rfc4733 payload type 96", "rfc4733", 96, simulator.DigitStyle{}, "rfc4733"},
		{"rfc4733 no marker, first packets lost", "rfc4733", 0, simulator.DigitStyle{NoMarker: true, LostFirst: 2}, "rfc4733"},
		{"rfc4733 single re-timestamped end", "rfc4733", 0, simulator.DigitStyle{SingleEnd: true, RetimestampedEnds: true}, "rfc4733"},
		{"rfc4733 long presses", "rfc4733", 0, simulator.DigitStyle{Tone: 700 * time.Millisecond}, "rfc4733"},
		{"in-band quiet in noise", "inband", 0, simulator.DigitStyle{LowDBm0: -28, HighDBm0: -26, NoiseDBm0: -38, NoiseSeed: 1}, "inband"},
		{"SIP INFO", "info", 0, simulator.DigitStyle{}, "info"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Each caller is a different unregistered number.
			from := "03" + string(rune('1'+i)) + "1112222"
			res := s.call(t, simulator.Options{From: from, DTMF: tt.dtmf, EventPT: tt.eventPT, Digits: tt.style,
				Keys: []string{ledger.DemoTechnicianID, "1234#", "1"}})
			wantAnsweredAndHungUp(t, res)
			cr := s.callRecord(t, res.CallID)
			if cr.TechnicianID != ledger.DemoTechnicianID || cr.SiteCode != "1234" ||
				(cr.Outcome != "registered" && cr.Outcome != "already_registered") {
				t.Fatalf("call record %+v: the keys did not arrive as keyed", cr)
			}
			if cr.DTMFTransport != tt.transport {
				t.Errorf("digits came by %q, want %q", cr.DTMFTransport, tt.transport)
			}
		})
	}
}
