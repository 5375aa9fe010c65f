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
	s.packet(pkt(65534, 0, 0, 0xFF), t0)
	s.packet(pkt(65535, 160, 0, 0xFF), t0.Add(30*time.Millisecond))
	s.packet(pkt(1, 480, 0, 0xFF), t0.Add(60*time.Millisecond))
	s.packet(pkt(2, 640, 101, 0xFF), t0.Add(80*time.Millisecond))
	s.packet([]byte("junk"), t0.Add(90*time.Millisecond))
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
