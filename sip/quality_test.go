package sip

import (
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestInboundQuality checks loss (RFC 3550 A.3) and jitter (A.8) of the
// receive side with sequences in order, with gaps, across the 16-bit wrap,
// reordered and duplicated.
func TestInboundQuality(t *testing.T) {
	tests := []struct {
		name         string
		seqs         []uint16
		wantExpected uint64
		wantLost     uint64
	}{
		{"in order", []uint16{10, 11, 12, 13}, 4, 0},
		{"gap of two", []uint16{10, 11, 14, 15}, 6, 2},
		{"wrap", []uint16{65534, 65535, 0, 1}, 4, 0},
		{"wrap with loss", []uint16{65534, 1, 2}, 5, 2},
		{"reordered", []uint16{10, 12, 11, 13}, 4, 0},
		{"duplicate is not negative loss", []uint16{10, 11, 11, 12}, 3, 0},
		{"late old packet", []uint16{100, 101, 99, 102}, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInbound(Media{PayloadType: 0})
			from := netip.MustParseAddrPort("127.0.0.1:4000")
			t0 := time.Unix(1000, 0)
			for i, s := range tt.seqs {
				pkt := rtpBytes(t, 0, 7, s, make([]byte, 160))
				if v := in.handle(pkt, from, t0.Add(time.Duration(i)*FramePeriod)); v.drop != dropNone {
					t.Fatalf("packet %d dropped: %s", i, v.drop)
				}
			}
			exp, lost, _ := in.quality()
			if exp != tt.wantExpected || lost != tt.wantLost {
				t.Errorf("expected %d lost %d, want %d %d", exp, lost, tt.wantExpected, tt.wantLost)
			}
		})
	}
}

func TestInboundJitter(t *testing.T) {
	tests := []struct {
		name     string
		offset   func(i int) time.Duration // arrival error of packet i
		min, max time.Duration
	}{
		{"paced", func(int) time.Duration { return 0 }, 0, 0},
		// Alternating 0 and 4 ms late: |D| is 4 ms every packet, so J
		// converges to 4 ms (integer rounding keeps it a little under).
		{"alternating 4 ms", func(i int) time.Duration { return time.Duration(i%2) * 4 * time.Millisecond }, 3800 * time.Microsecond, 4 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInbound(Media{PayloadType: 0})
			from := netip.MustParseAddrPort("127.0.0.1:4000")
			t0 := time.Unix(1000, 0)
			for i := range 500 {
				pkt := rtpBytes(t, 0, 7, uint16(i), make([]byte, 160))
				in.handle(pkt, from, t0.Add(time.Duration(i)*FramePeriod+tt.offset(i)))
			}
			_, _, j := in.quality()
			if j < tt.min || j > tt.max {
				t.Errorf("jitter %v, want %v..%v", j, tt.min, tt.max)
			}
		})
	}
}

// TestInboundEventsCountButDoNotJitter: RFC 4733 packets share the
// sequence space (they count for loss) but their timestamps are the
// event's start, so they stay out of the jitter.
func TestInboundEventsCountButDoNotJitter(t *testing.T) {
	in := newInbound(Media{PayloadType: 0, Events: true, EventPT: 101})
	from := netip.MustParseAddrPort("127.0.0.1:4000")
	t0 := time.Unix(1000, 0)
	for i := range 50 {
		pt := uint8(0)
		if i >= 20 && i < 28 {
			pt = 101
		}
		ts := uint32(i) * 160
		if pt == 101 {
			ts = 20 * 160 // every event packet carries the start timestamp
		}
		h := rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: uint16(i), Timestamp: ts, SSRC: 7}
		b, _ := (&rtp.Packet{Header: h, Payload: make([]byte, 4)}).Marshal()
		in.handle(b, from, t0.Add(time.Duration(i)*FramePeriod))
	}
	exp, lost, j := in.quality()
	if exp != 50 || lost != 0 || j != 0 {
		t.Errorf("expected %d lost %d jitter %v, want 50 0 0", exp, lost, j)
	}
}

// FuzzInboundQuality feeds a stream whose sequence numbers, timestamps and
// arrival times come from the input (8 bytes a packet) and checks the
// loss and jitter figures stay sane: lost never exceeds expected, expected
// covers at least one packet once any was accepted, jitter is not negative.
func FuzzInboundQuality(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 0, 160, 0, 20, 0, 2, 0, 0, 1, 64, 0, 40})
	f.Add([]byte{255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 0, 0, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		in := newInbound(Media{PayloadType: 0, Events: true, EventPT: 101})
		from := netip.MustParseAddrPort("127.0.0.1:4000")
		t0 := time.Unix(1000, 0)
		accepted := 0
		for len(b) >= 8 && accepted < 500 {
			seq := uint16(b[0])<<8 | uint16(b[1])
			ts := uint32(b[2])<<24 | uint32(b[3])<<16 | uint32(b[4])<<8 | uint32(b[5])
			at := t0.Add(time.Duration(uint16(b[6])<<8|uint16(b[7])) * time.Millisecond)
			pt := uint8(0)
			if b[7]&1 == 1 {
				pt = 101
			}
			h := rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: 7}
			pkt, _ := (&rtp.Packet{Header: h, Payload: make([]byte, 4)}).Marshal()
			if v := in.handle(pkt, from, at); v.drop == dropNone {
				accepted++
			}
			b = b[8:]
		}
		exp, lost, jit := in.quality()
		if lost > exp || jit < 0 || (accepted > 0 && exp == 0) {
			t.Fatalf("accepted %d: expected %d lost %d jitter %v", accepted, exp, lost, jit)
		}
	})
}
