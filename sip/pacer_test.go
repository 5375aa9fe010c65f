package sip

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dezura/dezura/prompts"
)

// TestPacer60s steps the pacer through a 60 s call with late, jittery
// wake-ups (no sleeping): every tick is run exactly once, deadlines stay on
// the 20 ms grid, and a stall beyond maxBurst is skipped, not accumulated.
func TestPacer60s(t *testing.T) {
	tests := []struct {
		name    string
		lateMax time.Duration // each wake-up is up to this late
		stallAt int64         // tick index before which one long stall happens (0: none)
		stall   time.Duration
	}{
		{name: "on time"},
		{name: "jitter up to 15 ms", lateMax: 15 * time.Millisecond},
		{name: "jitter up to 45 ms", lateMax: 45 * time.Millisecond},
		{name: "one 500 ms stall", lateMax: 2 * time.Millisecond, stallAt: 1000, stall: 500 * time.Millisecond},
	}
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			p := newPacer(start, FramePeriod)
			var ran, skipped int64
			stalled := false
			for p.next < 3000 {
				wake := p.deadline(p.next)
				if tt.lateMax > 0 {
					wake = wake.Add(time.Duration(rng.Int64N(int64(tt.lateMax))))
				}
				if tt.stallAt > 0 && !stalled && p.next >= tt.stallAt {
					wake = wake.Add(tt.stall)
					stalled = true
				}
				if want := start.Add(time.Duration(p.next) * FramePeriod); !p.deadline(p.next).Equal(want) {
					t.Fatalf("deadline(%d) = %v, want %v", p.next, p.deadline(p.next), want)
				}
				r, s := p.advance(wake, maxBurst)
				if r < 1 || r > maxBurst {
					t.Fatalf("ran %d ticks at a due wake-up", r)
				}
				ran += int64(r)
				skipped += int64(s)
				if r0, s0 := p.advance(wake, maxBurst); r0 != 0 || s0 != 0 {
					t.Fatalf("second advance at the same instant ran %d/%d", r0, s0)
				}
			}
			if ran+skipped != p.next {
				t.Errorf("ran %d + skipped %d != %d ticks", ran, skipped, p.next)
			}
			wantSkipped := int64(0)
			if tt.stall > 0 {
				wantSkipped = int64(tt.stall/FramePeriod) + 1 - maxBurst
			}
			if skipped != wantSkipped {
				t.Errorf("skipped %d, want %d", skipped, wantSkipped)
			}
			if got := p.deadline(3000); !got.Equal(start.Add(60 * time.Second)) {
				t.Errorf("tick 3000 at %v, want start+60s", got)
			}
		})
	}
}

func TestStream60s(t *testing.T) {
	tests := []struct {
		name string
		st   stream
	}{
		{name: "low start", st: stream{ssrc: 7, seq0: 0, ts0: 0}},
		{name: "sequence wraps", st: stream{ssrc: 0xdeadbeef, seq0: 65000, ts0: 1}},
		{name: "timestamp wraps", st: stream{ssrc: 1, seq0: 100, ts0: 0xffffff00}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st
			for n := range uint32(3000) { // 60 s of 20 ms packets
				h := st.header(8)
				if h.Version != 2 || h.PayloadType != 8 || h.SSRC != tt.st.ssrc {
					t.Fatalf("packet %d: header %+v", n, h)
				}
				if h.Marker != (n == 0) {
					t.Fatalf("packet %d: marker %v", n, h.Marker)
				}
				if h.SequenceNumber != tt.st.seq0+uint16(n) {
					t.Fatalf("packet %d: seq %d", n, h.SequenceNumber)
				}
				if h.Timestamp != tt.st.ts0+n*160 {
					t.Fatalf("packet %d: ts %d", n, h.Timestamp)
				}
			}
			// After a skip of 5 frames the timestamp jumps, the sequence does not.
			st.skip(5)
			h := st.header(8)
			if h.SequenceNumber != tt.st.seq0+3000 || h.Timestamp != tt.st.ts0+3005*160 {
				t.Errorf("after skip: seq %d ts %d", h.SequenceNumber, h.Timestamp)
			}
		})
	}
}

func clip(name string, frames int, fill byte) *prompts.Clip {
	c := &prompts.Clip{Name: name, Ulaw: make([]byte, frames*prompts.FrameSize), Alaw: make([]byte, frames*prompts.FrameSize)}
	for i := range c.Ulaw {
		c.Ulaw[i] = fill + byte(i/prompts.FrameSize)
		c.Alaw[i] = ^c.Ulaw[i]
	}
	return c
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestPlaylist steps the frame selection by hand.
func TestPlaylist(t *testing.T) {
	tests := []struct {
		name  string
		law   prompts.Law
		clips []*prompts.Clip
		want  []byte // first byte of each frame until the playlist ends
	}{
		{name: "two clips ulaw", law: prompts.Ulaw, clips: []*prompts.Clip{clip("a", 2, 10), clip("b", 3, 20)}, want: []byte{10, 11, 20, 21, 22}},
		{name: "alaw", law: prompts.Alaw, clips: []*prompts.Clip{clip("a", 2, 10)}, want: []byte{^byte(10), ^byte(11)}},
		{name: "empty and nil clips skipped", law: prompts.Ulaw, clips: []*prompts.Clip{clip("e", 0, 0), nil, clip("a", 1, 30), clip("e", 0, 0)}, want: []byte{30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOutbound(nil, tt.law, 0, netipMust("127.0.0.1:9"), stream{})
			done := o.setPlaylist(tt.clips)
			for i, w := range tt.want {
				if closed(done) {
					t.Fatalf("done before frame %d", i)
				}
				p, _, ok := o.nextFrame()
				if !ok || p[0] != w || len(p) != prompts.FrameSize {
					t.Fatalf("frame %d = %d, want %d", i, p[0], w)
				}
				if closed(done) {
					// Hangup waits on done and then closes the socket:
					// done before the send would cut the last frame.
					t.Fatalf("done closed when frame %d was picked, before it was sent", i)
				}
				o.frameSent()
			}
			if !closed(done) {
				t.Fatal("done not closed after the last frame was sent")
			}
			p, _, _ := o.nextFrame()
			if p[0] != silenceFrame(tt.law)[0] {
				t.Errorf("after playlist: %x, want silence", p[0])
			}
		})
	}
}

func TestPlaylistReplaceStopClose(t *testing.T) {
	o := newOutbound(nil, prompts.Ulaw, 0, netipMust("127.0.0.1:9"), stream{})
	first := o.setPlaylist([]*prompts.Clip{clip("a", 5, 1)})
	o.nextFrame()
	second := o.setPlaylist([]*prompts.Clip{clip("b", 5, 50)})
	if !closed(first) || closed(second) {
		t.Fatal("replacing must close the first playlist only")
	}
	if p, _, _ := o.nextFrame(); p[0] != 50 {
		t.Fatalf("after replace got %d", p[0])
	}
	if o.current() != second {
		t.Fatal("current is not the second playlist")
	}
	o.stop()
	if !closed(second) || o.current() != nil {
		t.Fatal("stop must close the playlist")
	}
	if p, _, _ := o.nextFrame(); p[0] != 0xff {
		t.Fatal("silence expected after stop")
	}
	if !closed(o.setPlaylist(nil)) {
		t.Fatal("empty playlist must be done at once")
	}
	o.close()
	if !closed(o.setPlaylist([]*prompts.Clip{clip("c", 1, 1)})) {
		t.Fatal("play after close must be done at once")
	}
	if _, _, ok := o.nextFrame(); ok {
		t.Fatal("closed outbound must not send")
	}
}

// TestMediaClock60s drives the pacer and one call's RTP numbering together
// through 60 s with an injected clock (late wake-ups and two stalls): every
// packet's timestamp is ts0 + 160 × (its tick index), so the stream stays
// locked to the wall clock, and sequence numbers have no gaps.
func TestMediaClock60s(t *testing.T) {
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(3, 4))
	p := newPacer(start, FramePeriod)
	st := stream{ssrc: 9, seq0: 65500, ts0: 0xfffff000}
	var packets uint32
	for p.next < 3000 {
		wake := p.deadline(p.next).Add(time.Duration(rng.Int64N(int64(12 * time.Millisecond))))
		if p.next == 700 || p.next == 2100 {
			wake = wake.Add(250 * time.Millisecond)
		}
		run, skipped := p.advance(wake, maxBurst)
		first := p.next - int64(run) // index of the first tick run now
		for i := range run {
			if i == 0 {
				st.skip(skipped)
			}
			h := st.header(0)
			tick := uint32(first) + uint32(i)
			if h.Timestamp != 0xfffff000+tick*SamplesPerFrame {
				t.Fatalf("tick %d: timestamp %d", tick, h.Timestamp)
			}
			if h.SequenceNumber != 65500+uint16(packets) {
				t.Fatalf("tick %d: seq %d after %d packets", tick, h.SequenceNumber, packets)
			}
			packets++
		}
	}
	if packets >= 3000 || packets < 3000-2*(250/20) {
		t.Errorf("%d packets sent in 3000 ticks with two 250 ms stalls", packets)
	}
}

// TestShardPhases: the shards of a scheduler tick on phases spread evenly
// over the frame period, and a shard that gets its first call starts on
// its own phase, never in the past and less than a period ahead.
func TestShardPhases(t *testing.T) {
	s := newScheduler(4, false)
	for k, sh := range s.shards {
		if got, want := sh.phase.Sub(s.shards[0].phase), time.Duration(k)*FramePeriod/4; got != want {
			t.Errorf("shard %d phase offset %v, want %v", k, got, want)
		}
	}
	sh := s.shards[1]
	for _, after := range []time.Duration{0, time.Millisecond, 4999 * time.Microsecond, 5 * time.Millisecond, 19 * time.Millisecond, 20 * time.Millisecond, 3*time.Second + 7*time.Millisecond} {
		now := sh.phase.Add(after)
		first := sh.firstTick(now)
		if first.Before(now) || !first.Before(now.Add(FramePeriod)) {
			t.Errorf("%v after the phase: first tick %v after now, want [0, 20ms)", after, first.Sub(now))
		}
		if off := first.Sub(sh.phase) % FramePeriod; off != 0 {
			t.Errorf("%v after the phase: first tick %v off the shard's phase", after, off)
		}
	}
	// A clock reading before the phase (a scheduler made just now).
	if first := sh.firstTick(sh.phase.Add(-time.Millisecond)); first != sh.phase {
		t.Errorf("1 ms before the phase: first tick %v after the phase, want 0", first.Sub(sh.phase))
	}
}
