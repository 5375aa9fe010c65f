package dtmf

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// step is one input to a Receiver: a packet, or a Tick when tick is set.
type step struct {
	at     int // ms after t0
	ssrc   uint32
	ts     uint32
	marker bool
	ev     uint8
	end    bool
	dur    uint16
	tick   bool
	raw    []byte // payload override
	want   byte   // key expected from this step, 0 for none
}

// p builds a packet step on SSRC 1.
func p(at int, ts uint32, ev uint8, dur uint16, end bool, want byte) step {
	return step{at: at, ssrc: 1, ts: ts, ev: ev, dur: dur, end: end, want: want}
}

func (s step) m() step              { s.marker = true; return s }
func (s step) onSSRC(x uint32) step { s.ssrc = x; return s }

// press returns the packets of one ordinary press of ev starting at ms at
// with timestamp ts, lasting n updates (20 ms apart), plus three end
// packets; the first packet expects want.
func press(at int, ts uint32, ev uint8, n int, want byte) []step {
	var out []step
	for i := 0; i < n; i++ {
		w := byte(0)
		if i == 0 {
			w = want
		}
		s := p(at+20*i, ts, ev, uint16(160*i), false, w)
		if i == 0 {
			s = s.m()
		}
		out = append(out, s)
	}
	for j := 0; j < 3; j++ {
		out = append(out, p(at+20*(n+j), ts, ev, uint16(160*n), true, 0))
	}
	return out
}

func seq(parts ...[]step) []step {
	var out []step
	for _, x := range parts {
		out = append(out, x...)
	}
	return out
}

func TestReceiver(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
	}{
		{"ordinary press", press(0, 1000, 5, 5, '5')},
		{"no marker", []step{
			p(0, 1000, 1, 0, false, '1'), p(20, 1000, 1, 160, false, 0), p(40, 1000, 1, 320, true, 0),
			p(60, 1000, 1, 320, true, 0), p(80, 1000, 1, 320, true, 0)}},
		{"first packets lost", []step{
			p(60, 1000, 2, 480, false, '2'), p(80, 1000, 2, 640, false, 0), p(100, 1000, 2, 800, true, 0)}},
		{"first packet duration 0 then updates", []step{
			p(0, 1000, 3, 0, false, '3').m(), p(20, 1000, 3, 0, false, 0), p(40, 1000, 3, 320, true, 0)}},
		{"only end packets arrive", []step{
			p(100, 1000, 4, 800, true, '4'), p(120, 1000, 4, 800, true, 0), p(140, 1000, 4, 800, true, 0)}},
		{"only one end packet", []step{p(100, 1000, 4, 800, true, '4')}},
		{"ten end packets", func() []step {
			s := []step{p(0, 1000, 9, 0, false, '9').m()}
			for i := 0; i < 10; i++ {
				s = append(s, p(20+5*i, 1000, 9, 480, true, 0))
			}
			return s
		}()},
		{"end before last update (reordered)", []step{
			p(0, 1000, 7, 0, false, '7').m(), p(20, 1000, 7, 160, false, 0), p(40, 1000, 7, 480, true, 0),
			p(41, 1000, 7, 320, false, 0), p(60, 1000, 7, 480, true, 0)}},
		{"two keys", seq(press(0, 1000, 1, 4, '1'), press(200, 2600, 2, 4, '2'))},
		{"same key again after a pause", seq(press(0, 1000, 1, 4, '1'), press(200, 2600, 1, 4, '1'))},
		{"same key again after a 30 ms pause, only its ends arrive", seq(press(0, 1000, 8, 3, '8'), []step{
			// first press's last end at 100 ms; second press 130-190 ms.
			p(190, 2040, 8, 480, true, '8'), p(210, 2040, 8, 480, true, 0)})},
		{"relay re-stamps the end packets", seq(
			[]step{p(0, 1000, 5, 0, false, '5').m(), p(20, 1000, 5, 160, false, 0), p(40, 1000, 5, 320, false, 0), p(60, 1000, 5, 480, false, 0)},
			[]step{p(80, 1640, 5, 640, true, 0), p(100, 1800, 5, 640, true, 0), p(120, 1960, 5, 640, true, 0)})},
		{"relay re-stamped end arriving late but overlapping the press", seq(
			[]step{p(0, 1000, 6, 0, false, '6').m(), p(100, 1000, 6, 800, false, 0), p(200, 1000, 6, 1600, false, 0)},
			[]step{p(300, 9999, 6, 1600, true, 0)})},
		{"re-stamped ends of one key, then a different key", seq(
			[]step{p(0, 1000, 5, 0, false, '5'), p(40, 1000, 5, 320, false, 0)},
			[]step{p(60, 1480, 5, 480, true, 0), p(80, 1640, 5, 480, true, 0)},
			press(140, 2200, 6, 3, '6'))},
		{"event without end, then same key after timeout", []step{
			p(0, 1000, 1, 0, false, '1').m(), p(20, 1000, 1, 160, false, 0), p(40, 1000, 1, 320, false, 0),
			{at: 400, tick: true},
			p(500, 5000, 1, 0, false, '1'), p(520, 5000, 1, 160, true, 0)}},
		{"event without end, same key without a tick: timed out at the next packet", []step{
			p(0, 1000, 1, 0, false, '1').m(), p(40, 1000, 1, 320, false, 0),
			p(500, 5000, 1, 0, false, '1')}},
		// Arrival times are compressed (updates 20-100 ms apart): only the
		// timestamps and durations tell the segment story.
		{"long press over the 16-bit duration: segments", []step{
			p(0, 1000, 0, 0, false, '0').m(), p(100, 1000, 0, 32000, false, 0), p(190, 1000, 0, 65520, false, 0),
			p(192, 1000, 0, 0xFFFF, false, 0),
			p(212, 1000+0xFFFF, 0, 160, false, 0), p(300, 1000+0xFFFF, 0, 6464, false, 0),
			p(320, 1000+0xFFFF, 0, 6624, true, 0), p(340, 1000+0xFFFF, 0, 6624, true, 0)}},
		{"long press, first packet of the second segment lost", []step{
			p(0, 1000, 0, 0, false, '0'), p(100, 1000, 0, 65440, false, 0),
			p(160, 1000+0xFFFF, 0, 480, false, 0), p(180, 1000+0xFFFF, 0, 640, true, 0)}},
		{"same key after a long press timed out is a new digit", []step{
			p(0, 1000, 0, 0, false, '0'), p(100, 1000, 0, 65440, false, 0),
			p(400, 1000+0xFFFF, 0, 480, false, '0')}},
		{"late packet of the previous event", seq(press(0, 1000, 1, 3, '1'), press(150, 2400, 2, 3, '2'),
			[]step{p(260, 1000, 1, 480, true, 0)})},
		{"late packet of an older event never seen", seq(press(0, 5000, 1, 3, '1'),
			[]step{p(130, 3000, 2, 480, true, 0)})},
		{"two SSRCs with the same timestamp", []step{
			p(0, 1000, 1, 0, false, '1'), p(100, 1000, 1, 0, false, '1').onSSRC(2)}},
		{"timestamp wraps", seq(press(0, 0xFFFFFF00, 1, 3, '1'), press(200, 0x00000300, 1, 3, '1'))},
		{"flash and other events ignored", []step{
			p(0, 1000, 16, 0, false, 0), p(20, 1200, 32, 160, true, 0), p(40, 1400, 255, 0, false, 0)}},
		{"short payload ignored", []step{{at: 0, ssrc: 1, ts: 1000, raw: []byte{5, 0, 0}}}},
		{"R bit and volume bits do not matter", []step{
			{at: 0, ssrc: 1, ts: 1000, raw: []byte{11, 0x7f, 0, 0}, want: '#'},
			{at: 20, ssrc: 1, ts: 1000, raw: []byte{11, 0xff, 0, 160}}}},
		{"star and letters", seq(press(0, 100, 10, 2, '*'), press(200, 3000, 12, 2, 'A'), press(400, 6000, 15, 2, 'D'))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReceiver(8000)
			var got, want []byte
			for i, s := range tc.steps {
				now := t0.Add(time.Duration(s.at) * time.Millisecond)
				if s.want != 0 {
					want = append(want, s.want)
				}
				if s.tick {
					r.Tick(now)
					continue
				}
				payload := s.raw
				if payload == nil {
					payload = TelephoneEvent{Event: s.ev, End: s.end, Volume: 10, Duration: s.dur}.Marshal(nil)
				}
				ev, ok := r.Process(Packet{SSRC: s.ssrc, Seq: uint16(i), Timestamp: s.ts, Marker: s.marker, Payload: payload, Arrival: now})
				switch {
				case ok && s.want == 0:
					t.Errorf("step %d (at %d ms): unexpected digit %q", i, s.at, ev.Key)
				case !ok && s.want != 0:
					t.Errorf("step %d (at %d ms): no digit, want %q", i, s.at, s.want)
				case ok && ev.Key != s.want:
					t.Errorf("step %d (at %d ms): digit %q, want %q", i, s.at, ev.Key, s.want)
				}
				if ok {
					if ev.Transport != TransportRFC4733 {
						t.Errorf("step %d: transport %v", i, ev.Transport)
					}
					got = append(got, ev.Key)
				}
			}
			if !bytes.Equal(got, want) {
				t.Errorf("digits %q, want %q", got, want)
			}
		})
	}
}

func TestReceiverActive(t *testing.T) {
	r := NewReceiver(8000)
	if r.Active() {
		t.Fatal("active before any packet")
	}
	pl := TelephoneEvent{Event: 5, Duration: 0}.Marshal(nil)
	r.Process(Packet{SSRC: 1, Timestamp: 10, Payload: pl, Arrival: t0})
	if !r.Active() {
		t.Fatal("not active after start packet")
	}
	r.Tick(t0.Add(100 * time.Millisecond))
	if !r.Active() {
		t.Fatal("ended before the timeout")
	}
	r.Tick(t0.Add(300 * time.Millisecond))
	if r.Active() {
		t.Fatal("still active after the timeout")
	}
	r.Process(Packet{SSRC: 1, Timestamp: 2000, Payload: TelephoneEvent{Event: 5, End: true, Duration: 800}.Marshal(nil), Arrival: t0.Add(time.Second)})
	if r.Active() {
		t.Fatal("active after an end packet")
	}
	r.Reset()
	if r.Active() {
		t.Fatal("active after Reset")
	}
}

func TestTelephoneEventUnmarshal(t *testing.T) {
	cases := []struct {
		in   []byte
		want TelephoneEvent
		err  error
	}{
		{[]byte{5, 0x0a, 0x01, 0x40}, TelephoneEvent{Event: 5, Volume: 10, Duration: 320}, nil},
		{[]byte{11, 0x8a, 0x03, 0x20}, TelephoneEvent{Event: 11, End: true, Volume: 10, Duration: 800}, nil},
		{[]byte{0, 0xff, 0xff, 0xff}, TelephoneEvent{Event: 0, End: true, Volume: 63, Duration: 0xffff}, nil},
		{[]byte{0, 0x40, 0, 0}, TelephoneEvent{}, nil}, // R bit only
		{[]byte{1, 2, 3, 4, 5, 6, 7, 8}, TelephoneEvent{Event: 1, Volume: 2, Duration: 0x0304}, nil},
		{[]byte{1, 2, 3}, TelephoneEvent{}, ErrShortPayload},
		{nil, TelephoneEvent{}, ErrShortPayload},
	}
	for _, tc := range cases {
		var got TelephoneEvent
		err := got.Unmarshal(tc.in)
		if !errors.Is(err, tc.err) {
			t.Errorf("% x: error %v, want %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && got != tc.want {
			t.Errorf("% x: %+v, want %+v", tc.in, got, tc.want)
		}
		if err == nil && len(tc.in) == 4 && tc.in[1]&0x40 == 0 {
			if m := got.Marshal(nil); !bytes.Equal(m, tc.in) {
				t.Errorf("Marshal(%+v) = % x, want % x", got, m, tc.in)
			}
		}
	}
}

func TestKeyEventMapping(t *testing.T) {
	for i := 0; i < len(keys); i++ {
		ev, ok := EventForKey(keys[i])
		if !ok || ev != uint8(i) {
			t.Errorf("EventForKey(%q) = %d, %v", keys[i], ev, ok)
		}
		k, ok := KeyForEvent(uint8(i))
		if !ok || k != keys[i] {
			t.Errorf("KeyForEvent(%d) = %q, %v", i, k, ok)
		}
	}
	if ev, ok := EventForKey('b'); !ok || ev != 13 {
		t.Errorf("EventForKey('b') = %d, %v", ev, ok)
	}
	for _, k := range []byte{'E', 'x', ' ', 0, '+'} {
		if _, ok := EventForKey(k); ok {
			t.Errorf("EventForKey(%q) accepted", k)
		}
	}
	if _, ok := KeyForEvent(16); ok {
		t.Error("KeyForEvent(16) accepted")
	}
}

func TestTransportStringParse(t *testing.T) {
	for _, tr := range []Transport{TransportRFC4733, TransportInband, TransportSIPInfo} {
		got, ok := ParseTransport(tr.String())
		if !ok || got != tr {
			t.Errorf("ParseTransport(%q) = %v, %v", tr.String(), got, ok)
		}
	}
	for _, s := range []string{"", "unknown", "RFC4733", "sip"} {
		if got, ok := ParseTransport(s); ok || got != TransportUnknown {
			t.Errorf("ParseTransport(%q) = %v, %v", s, got, ok)
		}
	}
	if TransportUnknown.String() != "unknown" || Transport(99).String() != "unknown" {
		t.Error("unknown transport names")
	}
}

// feedGenerated plays generated packets of several presses into a
// receiver, gap slots apart, and returns the digits.
func feedGenerated(t *testing.T, r *Receiver, presses string, tone time.Duration, gapSlots int, opts ...SendOption) string {
	t.Helper()
	var got []byte
	slot := 0
	ts := uint32(12345)
	for i := 0; i < len(presses); i++ {
		pkts, err := EventPackets(presses[i], tone, 8000, opts...)
		if err != nil {
			t.Fatal(err)
		}
		last := 0
		for j, gp := range pkts {
			at := t0.Add(time.Duration(slot+gp.Slot) * PacketSlot)
			ev, ok := r.Process(Packet{SSRC: 7, Seq: uint16(j), Timestamp: ts + gp.Timestamp, Marker: gp.Marker, Payload: gp.Payload, Arrival: at})
			if ok {
				got = append(got, ev.Key)
			}
			last = gp.Slot
		}
		slot += last + 1 + gapSlots
		ts += uint32((last + 1 + gapSlots) * 160)
	}
	return string(got)
}

func TestEventPacketsRoundTrip(t *testing.T) {
	const id = "12345678901234"
	variants := []struct {
		name string
		opts []SendOption
	}{
		{"plain", nil},
		{"no marker", []SendOption{WithoutMarker()}},
		{"first two lost", []SendOption{WithLostFirst(2)}},
		{"single end", []SendOption{WithSingleEnd()}},
		{"re-stamped ends", []SendOption{WithRetimestampedEnds()}},
		{"all awkward", []SendOption{WithoutMarker(), WithLostFirst(1), WithRetimestampedEnds()}},
	}
	for _, v := range variants {
		for _, gap := range []int{2, 5} {
			t.Run(fmt.Sprintf("%s/gap%d", v.name, gap), func(t *testing.T) {
				if got := feedGenerated(t, NewReceiver(8000), id, 100*time.Millisecond, gap, v.opts...); got != id {
					t.Errorf("digits %q, want %q", got, id)
				}
				// Same key over and over must count every press.
				if got := feedGenerated(t, NewReceiver(8000), "5555", 60*time.Millisecond, gap, v.opts...); got != "5555" {
					t.Errorf("repeated key: digits %q, want 5555", got)
				}
			})
		}
	}
	t.Run("long press", func(t *testing.T) {
		if got := feedGenerated(t, NewReceiver(8000), "1#1", 20*time.Second, 3); got != "1#1" {
			t.Errorf("digits %q, want \"1#1\"", got)
		}
	})
}

func TestEventPacketsShape(t *testing.T) {
	pkts, err := EventPackets('#', 100*time.Millisecond, 8000)
	if err != nil {
		t.Fatal(err)
	}
	// 5 updates (0..80 ms) + 3 ends.
	if len(pkts) != 8 {
		t.Fatalf("%d packets, want 8", len(pkts))
	}
	for i, gp := range pkts {
		var te TelephoneEvent
		if err := te.Unmarshal(gp.Payload); err != nil {
			t.Fatal(err)
		}
		if te.Event != 11 || gp.Slot != i || gp.Timestamp != 0 || gp.Marker != (i == 0) {
			t.Errorf("packet %d: %+v %+v", i, gp, te)
		}
		if i < 5 && (te.End || te.Duration != uint16(160*i)) {
			t.Errorf("update %d: %+v", i, te)
		}
		if i >= 5 && (!te.End || te.Duration != 800) {
			t.Errorf("end %d: %+v", i, te)
		}
	}
	long, err := EventPackets('1', 10*time.Second, 8000)
	if err != nil {
		t.Fatal(err)
	}
	last := long[len(long)-1]
	var te TelephoneEvent
	_ = te.Unmarshal(last.Payload)
	if last.Timestamp != 0xFFFF || te.Duration != 80000-0xFFFF || !te.End {
		t.Errorf("long press last packet: %+v %+v", last, te)
	}
	if _, err := EventPackets('x', time.Second, 8000); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := EventPackets('1', 0, 8000); err == nil {
		t.Error("zero duration accepted")
	}
}

func FuzzTelephoneEvent(f *testing.F) {
	f.Add([]byte{5, 0x0a, 0x01, 0x40})
	f.Add([]byte{11, 0xca, 0xff, 0xff})
	f.Add([]byte{1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		var te TelephoneEvent
		if err := te.Unmarshal(b); err != nil {
			if len(b) >= 4 {
				t.Fatalf("error on %d bytes: %v", len(b), err)
			}
			return
		}
		var back TelephoneEvent
		if err := back.Unmarshal(te.Marshal(nil)); err != nil || back != te {
			t.Fatalf("round trip %+v -> %+v, %v", te, back, err)
		}
		if te.Volume > 63 {
			t.Fatalf("volume %d over 6 bits", te.Volume)
		}
	})
}

// FuzzReceiver feeds arbitrary packet streams: the receiver must never
// report two digits for one (SSRC, timestamp, event).
func FuzzReceiver(f *testing.F) {
	f.Add([]byte{0, 0, 1, 5, 0x0a, 0, 0, 20, 0, 1, 5, 0x8a, 1, 0, 20, 0, 1, 5, 0x8a, 1, 0})
	f.Add([]byte{0, 1, 2, 11, 0x80, 0, 0, 255, 0, 2, 11, 0, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReceiver(8000)
		type id struct {
			ssrc uint32
			ts   uint32
			ev   uint8
		}
		seen := map[id]bool{}
		now := t0
		// 7 bytes a packet: ssrc(1) ts(2) event flags dur(2) ; time step in ts byte.
		for len(data) >= 7 {
			b := data[:7]
			data = data[7:]
			now = now.Add(time.Duration(b[0]) * time.Millisecond)
			ssrc := uint32(b[0] & 1)
			ts := uint32(b[1])<<8 | uint32(b[2])
			payload := []byte{b[3], b[4], b[5], b[6]}
			ev, ok := r.Process(Packet{SSRC: ssrc, Timestamp: ts, Payload: payload, Arrival: now})
			if !ok {
				continue
			}
			k := id{ssrc, ts, b[3]}
			if seen[k] {
				t.Fatalf("second digit %q for %+v", ev.Key, k)
			}
			seen[k] = true
			if want, _ := KeyForEvent(b[3]); want != ev.Key {
				t.Fatalf("digit %q for event %d", ev.Key, b[3])
			}
		}
	})
}

func BenchmarkReceiver(b *testing.B) {
	var pkts []Packet
	ts := uint32(0)
	at := t0
	for i := 0; i < 16; i++ {
		gp, _ := EventPackets(keys[i], 80*time.Millisecond, 8000)
		for _, g := range gp {
			pkts = append(pkts, Packet{SSRC: 1, Timestamp: ts + g.Timestamp, Payload: g.Payload, Marker: g.Marker, Arrival: at.Add(time.Duration(g.Slot) * PacketSlot)})
		}
		ts += 2000
		at = at.Add(250 * time.Millisecond)
	}
	r := NewReceiver(8000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Process(pkts[i%len(pkts)])
	}
}
