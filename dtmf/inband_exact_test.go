package dtmf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The detector's fast paths (in-place Goertzel updates, the bounds in
// plausible) claim to give the same numbers and verdicts as the plain
// analysis. These tests hold them to it.

// plainGoertzel runs the textbook recurrence s[n] = v + k·s[n-1] − s[n-2]
// over x and returns s[N-1], s[N-2].
func plainGoertzel(x []int16, k float32) (s1, s2 float32) {
	for _, v := range x {
		s1, s2 = float32(v)+k*s1-s2, s1
	}
	return s1, s2
}

type namedSignal struct {
	name string
	buf  []int16
}

// exactSignals returns signals of every kind the detector meets: silence,
// full-scale and quiet noise, tones in noise, extremes, music.
func exactSignals(rng *rand.Rand) []namedSignal {
	sig := []namedSignal{{"silence", make([]int16, 800)}}
	for _, level := range []float64{-60, -30, -10, 0, 6} {
		buf := make([]int16, 1600)
		AddNoise(buf, level, rng)
		sig = append(sig, namedSignal{fmt.Sprintf("noise%+g", level), buf})
	}
	for _, key := range []byte("159#D") {
		buf := make([]int16, 1600)
		o := ToneOptions{LowDBm0: -3, HighDBm0: -8, LowShift: 0.012, HighShift: -0.02}
		if err := AddTone(buf[203:1403], key, o); err != nil {
			panic(err)
		}
		AddNoise(buf, -30, rng)
		sig = append(sig, namedSignal{"tone" + string(key), buf})
	}
	ext := make([]int16, 800)
	for i := range ext {
		ext[i] = []int16{math.MaxInt16, math.MinInt16, 0, -1, 1}[rng.IntN(5)]
	}
	sig = append(sig, namedSignal{"extremes", ext}, namedSignal{"music", synthMusic(2, rng)})
	return sig
}

func TestGoertzelMatchesRecurrence(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, s := range exactSignals(rng) {
		name, buf := s.name, s.buf
		for off := 0; off+subLen <= len(buf); off += subLen {
			blk := (*[subLen]int16)(buf[off : off+subLen])
			var x quad
			var xr, xi [numTones]float32
			peakLo, energy, low := goertzelLo(blk, &x, (*[4]float32)(xr[0:4]), (*[4]float32)(xi[0:4]))
			peakHi := goertzel4(&x, &groupHi, (*[4]float32)(xr[4:8]), (*[4]float32)(xi[4:8]))

			var wantE, wantLow, sum float32
			for j, v := range blk {
				wantE += float32(v) * float32(v)
				sum += float32(v)
				if j%lowBlock == lowBlock-1 {
					wantLow += sum * sum
					sum = 0
				}
			}
			wantLow *= 1.0 / lowBlock
			if energy != wantE || low != wantLow {
				t.Fatalf("%s@%d: energy %v, low band %v, want %v, %v", name, off, energy, low, wantE, wantLow)
			}
			var wantPeak [2]float32
			for i := range tones {
				tc := &tones[i]
				s1, s2 := plainGoertzel(blk[:], tc.coef)
				wr := tc.c1r*s1 - tc.c2r*s2
				wi := tc.c1i*s1 - tc.c2i*s2
				if xr[i] != wr || xi[i] != wi {
					t.Fatalf("%s@%d tone %d: X = %v%+vi, want %v%+vi", name, off, i, xr[i], xi[i], wr, wi)
				}
				wantPeak[i/4] = max(wantPeak[i/4], wr*wr+wi*wi)
			}
			if peakLo != wantPeak[0] || peakHi != wantPeak[1] {
				t.Fatalf("%s@%d: peaks %v %v, want %v", name, off, peakLo, peakHi, wantPeak)
			}
		}
	}
}

// TestHarmonicMatchesRecurrence checks the second-harmonic filter over the
// history ring, in every position of the ring and for frames of odd sizes.
func TestHarmonicMatchesRecurrence(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, s := range exactSignals(rng) {
		name, buf := s.name, s.buf
		d := NewDetector()
		checked := 0
		for x := buf; len(x) > 0; {
			n := min(len(x), 1+rng.IntN(400))
			d.feed(x[:n], func(detection) {})
			x = x[n:]
			done := len(buf) - len(x)
			if d.pos != 0 || done < winLen {
				continue
			}
			for i := 4; i < numTones; i++ {
				k := tones[i].h2coef
				a, b := plainGoertzel(buf[done-winLen:done], k)
				if got, want := d.harmonic(i), a*a+b*b-k*a*b; got != want {
					t.Fatalf("%s at %d, tone %d: harmonic %v, want %v", name, done, i, got, want)
				}
			}
			checked++
		}
		if checked == 0 {
			t.Errorf("%s: no window checked", name)
		}
	}
}

// TestPlausible: every window plausible rejects, analyse rejects too, over
// tones of every length and offset, in noise, near the limits and in music.
func TestPlausible(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	var signals [][]int16
	for _, s := range exactSignals(rng) {
		signals = append(signals, s.buf)
	}
	for i := 0; i < 300; i++ {
		buf := make([]int16, 1200)
		key := allKeys[rng.IntN(len(allKeys))]
		level := -40 + 38*rng.Float64()
		twist := -10 + 16*rng.Float64()
		o := ToneOptions{
			LowDBm0: level, HighDBm0: level + twist,
			LowShift: 0.04 * (rng.Float64() - 0.5), HighShift: 0.04 * (rng.Float64() - 0.5),
		}
		start := rng.IntN(400)
		length := 40 + rng.IntN(600)
		if err := AddTone(buf[start:start+length], key, o); err != nil {
			t.Fatal(err)
		}
		AddNoise(buf, level-5-20*rng.Float64(), rng)
		signals = append(signals, buf)
	}

	var windows, rejected, keys int
	for _, buf := range signals {
		d := NewDetector()
		for off := 0; off+subLen <= len(buf); off += subLen {
			d.feed(buf[off:off+subLen], func(detection) {})
			if d.nsubs < winSubs {
				continue
			}
			s0, s1, s2, s3, energy := d.window()
			if energy < minAmp*minAmp*winLen {
				continue
			}
			windows++
			full := d.analyse(s0, s1, s2, s3, energy)
			if full != 0 {
				keys++
			}
			if !plausible(s0, s1, s2, s3, energy) {
				rejected++
				if full != 0 {
					t.Fatalf("window at %d: plausible rejects what analyse finds (%c)", off, full)
				}
			}
		}
	}
	// The test means something only if both verdicts occur often.
	if rejected < windows/10 || keys < windows/10 {
		t.Errorf("%d windows: %d rejected by plausible, %d keys by analyse", windows, rejected, keys)
	}
	t.Logf("%d windows above the level floor: plausible rejected %d, analyse found a key in %d", windows, rejected, keys)
}
