package sip

import (
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func rtpBytes(t testing.TB, pt uint8, ssrc uint32, seq uint16, payload []byte) []byte {
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SSRC: ssrc, SequenceNumber: seq, Timestamp: uint32(seq) * 160}, Payload: payload}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInbound(t *testing.T) {
	a := netip.MustParseAddrPort("192.0.2.1:4000")
	other := netip.MustParseAddrPort("192.0.2.66:4000")
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	frame := make([]byte, 160)
	type step struct {
		b     []byte
		from  netip.AddrPort
		at    time.Duration
		kind  packetKind
		drop  dropReason
		latch bool
	}
	padded := rtpBytes(t, 0, 1, 9, append(make([]byte, 160), 0, 0, 3))
	padded[0] |= 0x20
	badPad := rtpBytes(t, 0, 1, 9, append(make([]byte, 4), 0, 0, 200))
	badPad[0] |= 0x20
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "latch on first valid packet, then audio and events", steps: []step{
			{b: rtpBytes(t, 0, 1, 1, frame), from: a, kind: kindAudio, latch: true},
			{b: rtpBytes(t, 0, 1, 2, frame), from: a, kind: kindAudio},
			{b: rtpBytes(t, 101, 1, 3, []byte{1, 0x0a, 0, 160}), from: a, kind: kindEvent},
		}},
		{name: "bad packets never latch", steps: []step{
			{b: []byte{0x80, 0}, from: other, drop: dropShort},
			{b: make([]byte, 1501), from: other, drop: dropOversized},
			{b: rtpBytes(t, 18, 1, 1, frame), from: other, drop: dropWrongPT},
			{b: append([]byte{0x40}, make([]byte, 20)...), from: other, drop: dropMalformed},
			{b: rtpBytes(t, 0, 1, 1, frame), from: a, kind: kindAudio, latch: true},
		}},
		{name: "third party after latching is dropped", steps: []step{
			{b: rtpBytes(t, 0, 1, 1, frame), from: a, kind: kindAudio, latch: true},
			{b: rtpBytes(t, 0, 1, 2, frame), from: other, drop: dropWrongSource},
			{b: rtpBytes(t, 101, 9, 2, []byte{1, 0x8a, 0, 160}), from: other, drop: dropWrongSource},
		}},
		{name: "SSRC jump dropped until the old one is quiet", steps: []step{
			{b: rtpBytes(t, 0, 1, 1, frame), from: a, kind: kindAudio, latch: true},
			{b: rtpBytes(t, 0, 2, 1, frame), from: a, at: 20 * time.Millisecond, drop: dropSSRCChange},
			{b: rtpBytes(t, 0, 1, 2, frame), from: a, at: 40 * time.Millisecond, kind: kindAudio},
			{b: rtpBytes(t, 0, 2, 2, frame), from: a, at: 2 * time.Second, kind: kindAudio},
			{b: rtpBytes(t, 0, 1, 3, frame), from: a, at: 2*time.Second + 20*time.Millisecond, drop: dropSSRCChange},
		}},
		{name: "before latching only the SDP or signalling IP may latch", steps: []step{
			{b: rtpBytes(t, 0, 9, 1, frame), from: other, drop: dropWrongSource},
			{b: rtpBytes(t, 0, 1, 1, frame), from: netip.MustParseAddrPort("192.0.2.1:5000"), kind: kindAudio, latch: true},
			{b: rtpBytes(t, 0, 1, 2, frame), from: a, drop: dropWrongSource},
		}},
		{name: "padding removed or rejected", steps: []step{
			{b: padded, from: a, kind: kindAudio, latch: true},
			{b: badPad, from: a, drop: dropMalformed},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInbound(Media{PayloadType: 0, Events: true, EventPT: 101, EventClock: 8000},
				netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.7"), netip.Addr{})
			for i, s := range tt.steps {
				v := in.handle(s.b, s.from, t0.Add(s.at))
				if v.kind != s.kind || v.drop != s.drop || v.latched != s.latch {
					t.Fatalf("step %d: kind %d drop %s latched %v, want %d %s %v", i, v.kind, v.drop, v.latched, s.kind, s.drop, s.latch)
				}
				if v.kind == kindAudio && len(v.payload) != 160 && len(v.payload) != 4 {
					t.Fatalf("step %d: payload %d bytes", i, len(v.payload))
				}
			}
		})
	}
}

func FuzzInbound(f *testing.F) {
	f.Add(rtpBytes(f, 0, 1, 1, make([]byte, 160)))
	f.Add(rtpBytes(f, 101, 1, 1, []byte{11, 0x8a, 3, 0}))
	f.Add([]byte{0xb0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0})
	f.Add([]byte{0x9f, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 2*maxRTPPacket {
			b = b[:2*maxRTPPacket] // longer inputs only make minimising slow
		}
		in := newInbound(Media{PayloadType: 0, Events: true, EventPT: 101, EventClock: 8000})
		from := netip.MustParseAddrPort("192.0.2.1:4000")
		now := time.Unix(0, 0)
		for range 2 {
			v := in.handle(b, from, now)
			if v.drop == dropNone && v.kind == kindNone {
				t.Fatal("accepted packet without a kind")
			}
			if v.drop != dropNone && (v.kind != kindNone || v.latched) {
				t.Fatalf("dropped packet with kind %d latched %v", v.kind, v.latched)
			}
			if len(v.payload) > len(b) {
				t.Fatal("payload longer than the packet")
			}
		}
	})
}
