package simulator

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func TestInStream(t *testing.T) {
	t0 := time.Unix(0, 0)
	pkt := func(seq uint16, ts uint32, pt uint8, b byte) []byte {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: 7}, Payload: bytes.Repeat([]byte{b}, 160)}
		out, _ := p.Marshal()
		return out
	}
	s := newInStream(CodecPCMU, 0, 700*time.Millisecond)
	// Seq 65534, 65535, (0 lost), 1; one packet 10 ms late; one of another
	// payload type and one non-RTP datagram ignored.
	s.packet(pkt(65534, 0, 0, 0xFF), t0, time.Time{})
	s.packet(pkt(65535, 160, 0, 0xFF), t0.Add(30*time.Millisecond), time.Time{})
	s.packet(pkt(1, 480, 0, 0xFF), t0.Add(60*time.Millisecond), time.Time{})
	s.packet(pkt(2, 640, 101, 0xFF), t0.Add(80*time.Millisecond), time.Time{})
	s.packet([]byte("junk"), t0.Add(90*time.Millisecond), time.Time{})
	r := s.result()
	if r.Packets != 3 || r.Lost != 1 {
		t.Errorf("packets %d lost %d, want 3 and 1", r.Packets, r.Lost)
	}
	if len(r.Deviations) != 2 || r.Deviations[0] != 10 || r.Deviations[1] != 10 {
		t.Errorf("deviations %v, want [10 10] ms", r.Deviations)
	}
	if r.JitterMS <= 0 {
		t.Errorf("jitter %v", r.JitterMS)
	}
	if len(s.heard) != 4*160 {
		t.Errorf("heard %d samples, want 640 (one lost frame filled)", len(s.heard))
	}
}

func TestInStreamKernelStamps(t *testing.T) {
	// Read late in a burst (at) but stamped on arrival by the kernel (rx):
	// jitter comes from the stamps.
	t0 := time.Unix(0, 0)
	s := newInStream(CodecPCMU, 0, 700*time.Millisecond)
	for i := range 3 {
		p := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i * 160), SSRC: 1}, Payload: make([]byte, 160)}
		b, _ := p.Marshal()
		s.packet(b, t0.Add(time.Second), t0.Add(time.Duration(i)*20*time.Millisecond))
	}
	if r := s.result(); len(r.Deviations) != 2 || r.Deviations[0] != 0 || r.Deviations[1] != 0 {
		t.Errorf("deviations %v, want [0 0]", r.Deviations)
	}
}

func TestInStreamMediaTime(t *testing.T) {
	t0 := time.Unix(100, 0)
	s := newInStream(CodecPCMU, 0, 700*time.Millisecond)
	tests := []struct {
		ts   uint32
		at   time.Duration
		want time.Duration
	}{
		{0, 0, 0},
		{160, 20 * time.Millisecond, 20 * time.Millisecond},
		{320, 500 * time.Millisecond, 40 * time.Millisecond},     // read late in a burst: keeps media spacing
		{480, 500 * time.Millisecond, 60 * time.Millisecond},     // same burst
		{8480, 1000 * time.Millisecond, 1000 * time.Millisecond}, // never ahead of arrival (re-anchors)
		{8320, 1010 * time.Millisecond, 980 * time.Millisecond},  // reordered: placed before, anchor kept
		{8640, 1020 * time.Millisecond, 1020 * time.Millisecond},
		{0xffffff00, 2 * time.Second, 2 * time.Second}, // a new timestamp base re-anchors at arrival
	}
	for i, tt := range tests {
		got := s.mediaTime(tt.ts, t0.Add(tt.at)).Sub(t0)
		if got != tt.want {
			t.Errorf("packet %d: media time %v, want %v", i, got, tt.want)
		}
		if got > tt.at {
			t.Errorf("packet %d: media time %v after arrival %v", i, got, tt.at)
		}
	}
}

func BenchmarkInStreamPacket(b *testing.B) {
	s := newInStream(CodecPCMU, 0, 700*time.Millisecond)
	s.keep = false
	p := rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 9}, Payload: bytes.Repeat([]byte{0x80}, 160)}
	at := time.Unix(0, 0)
	b.ReportAllocs()
	for b.Loop() {
		p.SequenceNumber++
		p.Timestamp += 160
		at = at.Add(20 * time.Millisecond)
		buf, _ := p.Marshal()
		s.packet(buf, at, time.Time{})
	}
}

func FuzzInStreamPacket(f *testing.F) {
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 65535, Timestamp: 1, SSRC: 3}, Payload: bytes.Repeat([]byte{0x10}, 160)}
	b, _ := p.Marshal()
	f.Add(b, uint16(2))
	f.Add([]byte{0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, uint16(60))
	f.Add([]byte("junk"), uint16(0))
	f.Fuzz(func(t *testing.T, b []byte, seqStep uint16) {
		s := newInStream(CodecPCMA, 0, 700*time.Millisecond)
		at := time.Unix(0, 0)
		s.packet(b, at, time.Time{})
		// The same packet again with a sequence step, then the original.
		var q rtp.Packet
		if q.Unmarshal(b) == nil {
			q.SequenceNumber += seqStep
			q.Timestamp += uint32(seqStep) * 160
			if c, err := q.Marshal(); err == nil {
				s.packet(c, at.Add(20*time.Millisecond), time.Time{})
			}
		}
		s.packet(b, at.Add(40*time.Millisecond), time.Time{})
		r := s.result()
		if r.Lost < 0 || r.Packets > 3 || len(s.heard) > 3*len(b)+maxGapFill*samplesPerFrame {
			t.Fatalf("stats %+v heard %d", r, len(s.heard))
		}
	})
}
