package simulator

import (
	"testing"
	"time"

	"github.com/dezura/dezura/dtmf"
)

// TestDigitStyles: every awkward way of pressing keys that the simulator
// offers still carries the keys, as the dtmf package's own receiver and
// detector hear them.
func TestDigitStyles(t *testing.T) {
	const keys = "12345678901234"
	tests := []struct {
		name  string
		mode  dtmf.Transport
		style DigitStyle
	}{
		{"rfc4733 no marker", dtmf.TransportRFC4733, DigitStyle{NoMarker: true}},
		{"rfc4733 first two lost", dtmf.TransportRFC4733, DigitStyle{LostFirst: 2}},
		{"rfc4733 single end", dtmf.TransportRFC4733, DigitStyle{SingleEnd: true}},
		{"rfc4733 re-timestamped ends", dtmf.TransportRFC4733, DigitStyle{RetimestampedEnds: true}},
		{"rfc4733 long press", dtmf.TransportRFC4733, DigitStyle{Tone: 1500 * time.Millisecond}},
		{"inband quiet with noise", dtmf.TransportInband, DigitStyle{LowDBm0: -30, HighDBm0: -30, NoiseDBm0: -40, NoiseSeed: 7}},
		{"inband twist and shift", dtmf.TransportInband, DigitStyle{LowDBm0: -12, HighDBm0: -7, Shift: 0.015}},
		{"inband short fast keys", dtmf.TransportInband, DigitStyle{Tone: 60 * time.Millisecond, Gap: 60 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newStyledOutStream(CodecPCMU, 0, 101, tt.mode, 42, 100, 1000, tt.style)
			if err := o.startGroup(keys); err != nil {
				t.Fatal(err)
			}
			n := len(keys)*o.keySlots + 20
			ps, _ := slots(t, o, n)
			rx := dtmf.NewReceiver(8000)
			det := dtmf.NewDetector()
			pcm := make([]int16, samplesPerFrame)
			var got []byte
			at := time.Unix(0, 0)
			for _, p := range ps {
				at = at.Add(20 * time.Millisecond)
				if p.PayloadType == 101 {
					if ev, ok := rx.Process(dtmf.Packet{SSRC: p.SSRC, Seq: p.SequenceNumber, Timestamp: p.Timestamp,
						Marker: p.Marker, Payload: p.Payload, Arrival: at}); ok {
						got = append(got, ev.Key)
					}
					continue
				}
				rx.Tick(at)
				pcm = CodecPCMU.decode(pcm[:0], p.Payload)
				if tt.mode == dtmf.TransportInband {
					if ev, ok := det.Process(pcm); ok {
						got = append(got, ev.Key)
					}
				}
			}
			if string(got) != keys {
				t.Fatalf("heard %q, want %q", got, keys)
			}
		})
	}
}
