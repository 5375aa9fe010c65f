package dtmf

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/zaf/g711"
)

// codec is a G.711 round trip (or none) applied to generated signals.
type codec struct {
	name string
	conv func(int16) int16
}

var codecs = []codec{
	{"linear", func(s int16) int16 { return s }},
	{"ulaw", func(s int16) int16 { return g711.DecodeUlawFrame(g711.EncodeUlawFrame(s)) }},
	{"alaw", func(s int16) int16 { return g711.DecodeAlawFrame(g711.EncodeAlawFrame(s)) }},
}

const allKeys = "0123456789*#ABCD"

// signal builds test audio piece by piece.
type signal struct {
	t   testing.TB
	buf []int16
}

func (s *signal) silence(ms int) *signal {
	s.buf = append(s.buf, make([]int16, ms*8)...)
	return s
}

func (s *signal) samples(n int) *signal {
	s.buf = append(s.buf, make([]int16, n)...)
	return s
}

func (s *signal) tone(key byte, ms int, o ToneOptions) *signal {
	start := len(s.buf)
	s.buf = append(s.buf, make([]int16, ms*8)...)
	if err := AddTone(s.buf[start:], key, o); err != nil {
		s.t.Fatal(err)
	}
	return s
}

// detect runs the samples through a codec and a Detector in 20 ms frames
// and returns the keys reported.
func detect(samples []int16, c codec) string {
	x := make([]int16, len(samples)+800) // trailing silence ends any tone
	for i, v := range samples {
		x[i] = c.conv(v)
	}
	for i := len(samples); i < len(x); i++ {
		x[i] = c.conv(0)
	}
	d := NewDetector()
	var got strings.Builder
	for len(x) > 0 {
		n := min(160, len(x))
		if ev, ok := d.Process(x[:n]); ok {
			if ev.Transport != TransportInband {
				panic("transport")
			}
			got.WriteByte(ev.Key)
		}
		x = x[n:]
	}
	return got.String()
}

func nominal(level float64) ToneOptions { return ToneOptions{LowDBm0: level, HighDBm0: level} }

// checkAll runs build for every key and codec and compares with want(key).
func checkAll(t *testing.T, name string, build func(s *signal, key byte), want func(key byte) string) {
	t.Helper()
	for _, c := range codecs {
		for i := 0; i < len(allKeys); i++ {
			k := allKeys[i]
			s := &signal{t: t}
			build(s, k)
			if got, w := detect(s.buf, c), want(k); got != w {
				t.Errorf("%s/%s key %c: detected %q, want %q", name, c.name, k, got, w)
			}
		}
	}
}

func once(k byte) string { return string(k) }
func none(byte) string   { return "" }
func twice(k byte) string {
	return string([]byte{k, k})
}

func TestDetectorFrequencyTolerance(t *testing.T) {
	cases := []struct {
		lo, hi float64
		want   func(byte) string
	}{
		{0, 0, once},
		{0.015, 0, once}, {-0.015, 0, once}, {0, 0.015, once}, {0, -0.015, once},
		{0.015, 0.015, once}, {-0.015, -0.015, once}, {0.015, -0.015, once}, {-0.015, 0.015, once},
		{0.018, 0, once}, {0, -0.018, once}, // NTT column (stretch)
		{0.035, 0, none}, {-0.035, 0, none}, {0, 0.035, none}, {0, -0.035, none},
		{0.035, 0.035, none}, {-0.035, -0.035, none},
		{0.03, 0, none}, {0, 0.03, none}, {-0.03, -0.03, none}, // NTT column (stretch)
		{0.05, 0, none}, {0, -0.05, none}, {0.06, 0.06, none}, {-0.06, -0.06, none},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("lo%+.1f%%/hi%+.1f%%", tc.lo*100, tc.hi*100)
		checkAll(t, name, func(s *signal, k byte) {
			o := nominal(-10)
			o.LowShift, o.HighShift = tc.lo, tc.hi
			s.silence(50).tone(k, 60, o).silence(50)
		}, tc.want)
	}
}

func TestDetectorLevels(t *testing.T) {
	cases := []struct {
		level float64
		want  func(byte) string
	}{
		{-3, once}, {-10, once}, {-20, once}, {-30, once}, {-36, once},
		{-55, none}, {-60, none},
	}
	for _, tc := range cases {
		checkAll(t, fmt.Sprintf("%gdBm0", tc.level), func(s *signal, k byte) {
			s.silence(50).tone(k, 60, nominal(tc.level)).silence(50)
		}, tc.want)
	}
}

func TestDetectorTwist(t *testing.T) {
	for _, twist := range []float64{-8, -6, -4, -2, 0, 2, 4, 5} {
		for _, base := range []float64{-6, -20} {
			checkAll(t, fmt.Sprintf("twist%+g@%g", twist, base), func(s *signal, k byte) {
				o := ToneOptions{LowDBm0: base, HighDBm0: base + twist}
				if twist > 0 {
					o = ToneOptions{LowDBm0: base - twist, HighDBm0: base}
				}
				s.silence(50).tone(k, 60, o).silence(50)
			}, once)
		}
	}
}

// TestDetectorDuration tries every tone length at many alignments to the
// detector's 5 ms sub-blocks.
func TestDetectorDuration(t *testing.T) {
	cases := []struct {
		ms   int
		want func(byte) string
	}{
		{5, none}, {10, none}, {15, none}, {20, none}, {23, none},
		{40, once}, {45, once}, {60, once}, {100, once}, {1000, once},
	}
	for _, tc := range cases {
		for off := 0; off < subLen; off += 3 {
			checkAll(t, fmt.Sprintf("%dms+%d", tc.ms, off), func(s *signal, k byte) {
				s.silence(40).samples(off).tone(k, tc.ms, nominal(-10)).silence(60)
			}, tc.want)
		}
	}
}

func TestDetectorPauseAndDropout(t *testing.T) {
	for off := 0; off < subLen; off += 5 {
		// A 30 ms pause between two presses of the same key: two digits.
		checkAll(t, fmt.Sprintf("pause30+%d", off), func(s *signal, k byte) {
			s.silence(40).samples(off).tone(k, 50, nominal(-10)).silence(30).tone(k, 50, nominal(-10)).silence(60)
		}, twice)
		// A 10 ms drop-out inside one press: one digit. The tone keeps its
		// phase across the gap, as a muted path would.
		checkAll(t, fmt.Sprintf("dropout10+%d", off), func(s *signal, k byte) {
			s.silence(40).samples(off).tone(k, 120, nominal(-10))
			n := len(s.buf)
			start := n - 120*8 + 50*8
			for i := start; i < start+80; i++ {
				s.buf[i] = 0
			}
			s.silence(60)
		}, once)
	}
}

// snrNoise is the noise level for a given SNR against two tones at level
// dBm0 each.
func snrNoise(level, snr float64) float64 { return level + 3.0103 - snr }

func TestDetectorNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, level := range []float64{-10, -20, -30} {
		for rep := 0; rep < 3; rep++ {
			for _, c := range codecs {
				s := &signal{t: t}
				s.silence(100)
				for i := 0; i < len(allKeys); i++ {
					s.tone(allKeys[i], 50, nominal(level)).silence(50)
				}
				AddNoise(s.buf, snrNoise(level, 10), rng)
				if got := detect(s.buf, c); got != allKeys {
					t.Errorf("%s level %g rep %d at 10 dB SNR: detected %q, want %q", c.name, level, rep, got, allKeys)
				}
			}
		}
	}
}

// TestDetectorNoiseAlone: white noise and silence never make a digit.
func TestDetectorNoiseAlone(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, level := range []float64{-60, -40, -20, -10, 0} {
		for _, c := range codecs {
			buf := make([]int16, 8000*5)
			AddNoise(buf, level, rng)
			if got := detect(buf, c); got != "" {
				t.Errorf("%s noise at %g dBm0: detected %q", c.name, level, got)
			}
		}
	}
}

func TestDetectorIDSequence(t *testing.T) {
	const id = "12345678901234"
	for _, c := range codecs {
		buf, err := Sequence(id, 70*time.Millisecond, 60*time.Millisecond, nominal(-12))
		if err != nil {
			t.Fatal(err)
		}
		if got := detect(buf, c); got != id {
			t.Errorf("%s: detected %q, want %q", c.name, got, id)
		}
	}
}

func TestDetectorReset(t *testing.T) {
	s := &signal{t: t}
	s.tone('5', 30, nominal(-10))
	d := NewDetector()
	d.Process(s.buf[:160])
	d.Reset()
	s2 := &signal{t: t}
	s2.silence(20).tone('7', 60, nominal(-10)).silence(60)
	var got []byte
	for x := s2.buf; len(x) > 0; x = x[min(160, len(x)):] {
		if ev, ok := d.Process(x[:min(160, len(x))]); ok {
			got = append(got, ev.Key)
		}
	}
	if string(got) != "7" {
		t.Errorf("after Reset: %q, want \"7\"", got)
	}
}

func BenchmarkDetector(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	buf, _ := Sequence("1234567890*#", 60*time.Millisecond, 60*time.Millisecond, nominal(-15))
	AddNoise(buf, -40, rng)
	buf = buf[:len(buf)/160*160]
	frames := len(buf) / 160
	d := NewDetector()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		j := i % frames
		d.Process(buf[j*160 : j*160+160])
	}
}

// TestDetectorFrameSizes: the result does not depend on how the audio is
// cut into frames.
func TestDetectorFrameSizes(t *testing.T) {
	const keys = "159#0*D"
	buf, err := Sequence(keys, 60*time.Millisecond, 50*time.Millisecond, nominal(-15))
	if err != nil {
		t.Fatal(err)
	}
	buf = append(buf, make([]int16, 800)...)
	for _, size := range []int{1, 2, 37, 40, 80, 159, 160, 161, 320} {
		d := NewDetector()
		var got []byte
		for x := buf; len(x) > 0; {
			n := min(size, len(x))
			if ev, ok := d.Process(x[:n]); ok {
				got = append(got, ev.Key)
			}
			x = x[n:]
		}
		if string(got) != keys {
			t.Errorf("frames of %d samples: %q, want %q", size, got, keys)
		}
	}
}

// TestDetectorNoiseShortTones: the shortest legal tones and pauses with
// 10 dB SNR noise.
func TestDetectorNoiseShortTones(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, c := range codecs {
		for rep := 0; rep < 3; rep++ {
			buf, err := Sequence(allKeys, 45*time.Millisecond, 45*time.Millisecond, nominal(-20))
			if err != nil {
				t.Fatal(err)
			}
			AddNoise(buf, snrNoise(-20, 10), rng)
			if got := detect(buf, c); got != allKeys {
				t.Errorf("%s rep %d: detected %q, want %q", c.name, rep, got, allKeys)
			}
		}
	}
}

// BenchmarkDetectorHeldKey is the worst case: a key held throughout, so
// every window gets the full analysis.
func BenchmarkDetectorHeldKey(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	buf := make([]int16, 8000)
	if err := AddTone(buf, '5', nominal(-15)); err != nil {
		b.Fatal(err)
	}
	AddNoise(buf, -40, rng)
	frames := len(buf) / 160
	d := NewDetector()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		j := i % frames
		d.Process(buf[j*160 : j*160+160])
	}
}

// BenchmarkDetectorNoise is line noise alone at -40 dBm0: no window gets
// past plausible.
func BenchmarkDetectorNoise(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	buf := make([]int16, 8000)
	AddNoise(buf, -40, rng)
	frames := len(buf) / 160
	d := NewDetector()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		j := i % frames
		d.Process(buf[j*160 : j*160+160])
	}
}
