package dtmf

import (
	"math"
	"math/rand/v2"
	"testing"
)

// synthMusic makes seconds of 8 kHz music from a seeded RNG: a monophonic
// melody with vibrato over changing chords, equal-tempered (A4 = 440 Hz), each note with
// a harmonic-rich timbre and a decaying envelope, as hold music and a radio
// on site sound through a phone.
func synthMusic(seconds int, rng *rand.Rand) []int16 {
	const beat = 2000 // samples: 250 ms
	out := make([]float64, seconds*sampleRate)
	note := func(midi int) float64 { return 440 * math.Pow(2, float64(midi-69)/12) }
	timbres := [][]float64{
		{1, 0.5, 0.33, 0.25, 0.2, 0.16}, // saw-like (strings, brass)
		{1, 0, 0.33, 0, 0.2, 0, 0.14},   // square-like (clarinet, chiptune)
		{1, 0.7, 0.4, 0.3, 0.1},         // piano-like
		{1, 0.15, 0.05},                 // flute-like, nearly pure
	}
	add := func(start, length int, f, amp float64, timbre []float64, vibrato bool) {
		for i := 0; i < length && start+i < len(out); i++ {
			t := float64(i) / sampleRate
			env := math.Exp(-3*t) * math.Min(1, float64(i)/80)
			ff := f
			if vibrato {
				ff *= 1 + 0.006*math.Sin(2*math.Pi*5.5*t)
			}
			var v float64
			for h, a := range timbre {
				if fh := ff * float64(h+1); fh < 3800 {
					v += a * math.Sin(2*math.Pi*fh*t)
				}
			}
			out[start+i] += amp * env * v
		}
	}
	root := 60
	for pos := 0; pos < len(out); pos += beat {
		if (pos/beat)%8 == 0 { // new chord every two seconds
			root = 55 + rng.IntN(12)
			timbre := timbres[rng.IntN(len(timbres))]
			for _, iv := range []int{0, 4, 7, 12} {
				add(pos, 8*beat, note(root+iv), 2500, timbre, false)
			}
		}
		if rng.IntN(4) > 0 { // a monophonic melody two octaves up
			m := root + 24 + []int{0, 2, 4, 5, 7, 9, 11, 12}[rng.IntN(8)]
			add(pos, beat, note(m), 4000, timbres[rng.IntN(len(timbres))], true)
		}
	}
	s := make([]int16, len(out))
	for i, v := range out {
		s[i] = saturate(v)
	}
	return s
}

func TestTalkOffMusic(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	music := synthMusic(120, rng)
	for _, c := range codecs {
		if got := detect(music, c); got != "" {
			t.Errorf("music through %s: detected %q", c.name, got)
		}
	}
}

// TestPureDuetIsDTMF documents the limit of talk-off protection: two
// nearly pure notes that fall within tolerance of a DTMF pair (A#5 932 Hz
// and F#6 1480 Hz, against 941 and 1477) and hold steady for 40 ms are a
// DTMF signal by every Q.24 measure, and are detected.
func TestPureDuetIsDTMF(t *testing.T) {
	s := &signal{t: t}
	s.silence(50)
	start := len(s.buf)
	s.silence(80).silence(50)
	for i := start; i < start+640; i++ {
		x := float64(i - start)
		s.buf[i] = saturate(3000*math.Sin(2*math.Pi*932.3*x/8000) + 4000*math.Sin(2*math.Pi*1480*x/8000))
	}
	if got := detect(s.buf, codecs[0]); got != "#" {
		t.Errorf("pure duet: %q, want \"#\"", got)
	}
}
