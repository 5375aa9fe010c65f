package dtmf

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// detectLost is detect with the 20 ms frames for which lost reports true
// given to the detector as lost (Detector.Lost) instead of heard.
func detectLost(samples []int16, c codec, lost func(frame int) bool) string {
	x := make([]int16, len(samples)+800) // trailing silence ends any tone
	for i, v := range samples {
		x[i] = c.conv(v)
	}
	for i := len(samples); i < len(x); i++ {
		x[i] = c.conv(0)
	}
	d := NewDetector()
	var got strings.Builder
	for f := 0; len(x) > 0; f++ {
		n := min(160, len(x))
		if lost(f) {
			d.Lost(n)
		} else if ev, ok := d.Process(x[:n]); ok {
			got.WriteByte(ev.Key)
		}
		x = x[n:]
	}
	return got.String()
}

// lostFrames returns a lost() for detectLost from a set of frame numbers.
func lostFrames(frames ...int) func(int) bool {
	return func(f int) bool {
		for _, l := range frames {
			if f == l {
				return true
			}
		}
		return false
	}
}

// TestDetectorLostPacketInKey is the case that doubled digits: one or two
// lost packets inside a 100 ms key, at every position, with as little as
// 20 ms of tone left on one side.
func TestDetectorLostPacketInKey(t *testing.T) {
	for _, c := range codecs {
		for _, key := range []byte(allKeys) {
			// The key sounds from 40 to 140 ms: frames 2..6 hold it.
			for first := 2; first <= 6; first++ {
				for n := 1; n <= 2 && first+n <= 7; n++ {
					s := &signal{t: t}
					s.silence(40).tone(key, 100, nominal(-10)).silence(60)
					lost := make([]int, n)
					for i := range lost {
						lost[i] = first + i
					}
					if got := detectLost(s.buf, c, lostFrames(lost...)); got != string(key) {
						t.Errorf("%s key %c, frames %v lost: %q, want one", c.name, key, lost, got)
					}
				}
			}
		}
	}
}

// TestDetectorLostPacketPauses: a loss does not join two presses that a
// pause long enough to hear separates, nor split one press with a short
// drop-out beside the loss. Frame f holds 20·f..20·f+20 ms.
func TestDetectorLostPacketPauses(t *testing.T) {
	tone := func(s *signal, k byte, ms int) *signal { return s.tone(k, ms, nominal(-10)) }
	cases := []struct {
		name  string
		build func(s *signal, k byte)
		lost  []int
		want  func(byte) string
	}{
		// Japan's minimum pause, 30 ms, heard in full; a packet of the
		// first or of the second press is lost.
		{"pause30, loss before", func(s *signal, k byte) { tone(tone(s.silence(40), k, 80).silence(30), k, 80) }, []int{4}, twice},
		{"pause30, loss after", func(s *signal, k byte) { tone(tone(s.silence(40), k, 80).silence(30), k, 80) }, []int{8}, twice},
		// A 40 ms pause with a packet lost in it: 20 ms of it heard.
		{"pause40 half lost", func(s *signal, k byte) { tone(tone(s.silence(40), k, 80).silence(40), k, 80) }, []int{6}, twice},
		// A 60 ms pause with two packets lost in it.
		{"pause60, 40 ms lost", func(s *signal, k byte) { tone(tone(s.silence(40), k, 70).silence(60), k, 80) }, []int{6, 7}, twice},
		// A 10 ms drop-out right before a lost packet inside a press.
		{"dropout10 then loss", func(s *signal, k byte) { tone(tone(s.silence(40), k, 70).silence(10), k, 100) }, []int{6}, once},
		// A lost packet, then a 10 ms drop-out.
		{"loss then dropout10", func(s *signal, k byte) { tone(tone(s.silence(40), k, 80).silence(10), k, 80) }, []int{5}, once},
		// More than 40 ms lost in a row ends a key as a pause would.
		{"three lost packets", func(s *signal, k byte) { tone(s.silence(40), k, 240) }, []int{6, 7, 8}, twice},
		// Silence lost: nothing.
		{"loss in silence", func(s *signal, k byte) { s.silence(200) }, []int{3, 4}, none},
	}
	for _, tc := range cases {
		for _, c := range codecs {
			for _, key := range []byte(allKeys) {
				s := &signal{t: t}
				tc.build(s, key)
				if got, want := detectLost(s.buf, c, lostFrames(tc.lost...)), tc.want(key); got != want {
					t.Errorf("%s, %s key %c: %q, want %q", tc.name, c.name, key, got, want)
				}
			}
		}
	}
}

// TestDetectorLossRates: ID sequences with 1, 3, 5 and 10 % of the
// packets lost, singly and in bursts of two, keys of 100 to 200 ms and
// pauses of 60 to 150 ms (a person at a keypad), and keys from Japan's
// minimum of 50 ms with pauses from 30 ms (an autodialler). No key is
// ever reported twice, and every key the loss leaves enough of (see
// clearPress) is found once.
func TestDetectorLossRates(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	profiles := []struct{ toneMin, toneMax, pauseMin, pauseMax int }{{100, 200, 60, 150}, {50, 200, 30, 150}}
	for _, rate := range []float64{0.01, 0.03, 0.05, 0.10} {
		var packets, lostPackets, presses, unclear int
		for _, c := range codecs {
			for rep := 0; rep < 40; rep++ {
				pr := profiles[rep%len(profiles)]
				ps, buf := randomPresses(t, rng, 14, pr.toneMin, pr.toneMax, pr.pauseMin, pr.pauseMax, -20)
				frames := len(buf)/160 + 6
				lost := lossPattern(rng, frames, rate)
				packets += frames
				for _, l := range lost {
					if l {
						lostPackets++
					}
				}
				keys := make([]byte, len(ps))
				must := make([]bool, len(ps))
				for i, p := range ps {
					keys[i], must[i] = p.key, clearPress(ps, i, lost)
					presses++
					if !must[i] {
						unclear++
					}
				}
				if got := detectLost(buf, c, func(f int) bool { return lost[f] }); !matchPresses(got, string(keys), must) {
					t.Errorf("%.0f %% lost, %s rep %d: %q, want %q with at most the keys marked - missing (%s); lost frames %s",
						rate*100, c.name, rep, got, keys, mustString(keys, must), lostList(lost))
				}
			}
		}
		t.Logf("%.0f %%: %d of %d packets lost; %d of %d presses lost too much to be sure of", rate*100, lostPackets, packets, unclear, presses)
	}
}

// keyPress is one key of a generated sequence, in samples.
type keyPress struct {
	key        byte
	start, end int
}

// randomPresses returns n random presses, each sounding for tone and then
// quiet for pause milliseconds, both drawn from the ranges given, at
// level dBm0 each tone, after a 50 ms lead-in; two presses of the same key
// in a row are likely, as in a real ID.
func randomPresses(t *testing.T, rng *rand.Rand, n, toneMin, toneMax, pauseMin, pauseMax int, level float64) ([]keyPress, []int16) {
	s := &signal{t: t}
	s.silence(50)
	ps := make([]keyPress, n)
	for i := range ps {
		k := allKeys[rng.IntN(len(allKeys))]
		if i > 0 && rng.IntN(4) == 0 {
			k = ps[i-1].key
		}
		o := nominal(level)
		o.Phase = rng.Float64() * 6.28
		s.samples(rng.IntN(8))
		start := len(s.buf)
		s.tone(k, toneMin+rng.IntN(toneMax-toneMin+1), o)
		ps[i] = keyPress{key: k, start: start, end: len(s.buf)}
		s.silence(pauseMin + rng.IntN(pauseMax-pauseMin+1))
	}
	return ps, s.buf
}

// clearPress reports whether press i must be found despite the lost
// frames: at most one loss (of at most two packets) in its tone, at least
// four 20 ms windows of it heard in full (on the detector's 5 ms grid),
// and, after a press of the same key, a pause with no loss in it or 25 ms
// of it heard in one piece.
func clearPress(ps []keyPress, i int, lost []bool) bool {
	p := ps[i]
	isLost := func(sample int) bool { return lost[sample/160] }
	losses := 0
	for f := p.start / 160; f <= (p.end-1)/160; f++ {
		if lost[f] && (f == p.start/160 || !lost[f-1]) {
			losses++
		}
	}
	if losses > 1 {
		return false
	}
	windows := 0
	for e := (p.start + subLen - 1) / subLen * subLen; e <= p.end; e += subLen {
		if e-winLen < p.start {
			continue
		}
		if !isLost(e-winLen) && !isLost(e-1) && !isLost(e-winLen/2) {
			windows++
		}
	}
	if windows < hitsToStart {
		return false
	}
	if i == 0 || ps[i-1].key != p.key {
		return true
	}
	run, best := 0, 0
	for s := ps[i-1].end; s < p.start; s++ {
		if isLost(s) {
			run = 0
			continue
		}
		run++
		best = max(best, run)
	}
	return best == p.start-ps[i-1].end || best >= 25*8
}

// matchPresses reports whether got is keys with some of the presses not
// marked must left out.
func matchPresses(got, keys string, must []bool) bool {
	if keys == "" {
		return got == ""
	}
	if got != "" && got[0] == keys[0] && matchPresses(got[1:], keys[1:], must[1:]) {
		return true
	}
	return !must[0] && matchPresses(got, keys[1:], must[1:])
}

func mustString(keys []byte, must []bool) string {
	b := make([]byte, len(keys))
	for i, k := range keys {
		b[i] = k
		if !must[i] {
			b[i] = '-'
		}
	}
	return string(b)
}

// lossPattern marks about rate of frames lost, half the losses single
// packets and half bursts of two, never more than two in a row.
func lossPattern(rng *rand.Rand, frames int, rate float64) []bool {
	lost := make([]bool, frames)
	// A loss event takes 1.5 packets on average.
	for f := 0; f < frames; f++ {
		if rng.Float64() >= rate/1.5 {
			continue
		}
		n := 1 + rng.IntN(2)
		if f > 0 && lost[f-1] {
			continue // keep runs at two at most
		}
		for i := 0; i < n && f+i < frames; i++ {
			lost[f+i] = true
		}
		f += n // a heard packet after every loss
	}
	return lost
}

func lostList(lost []bool) string {
	var b strings.Builder
	for f, l := range lost {
		if l {
			fmt.Fprintf(&b, "%d ", f)
		}
	}
	return b.String()
}

// TestDetectorLostProcess: Lost keeps the detector's clock (the times
// DetectSamplesLost reports) and reports nothing by itself.
func TestDetectorLostProcess(t *testing.T) {
	d := NewDetector()
	d.Lost(1000)
	if d.samples != 1000 || d.cur != 0 {
		t.Fatalf("after Lost(1000): samples %d, key %q", d.samples, d.cur)
	}
}
