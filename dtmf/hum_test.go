package dtmf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// humModel is mains hum: the fundamental and harmonics, each in dB
// relative to the fundamental.
type humModel struct {
	name      string
	harmonics []float64 // dB of harmonic 1 (the fundamental), 2, 3, ...
}

var humModels = []humModel{
	{"fundamental", []float64{0}},
	// A transformer's hum: second and third harmonics.
	{"2nd -10 dB, 3rd -6 dB", []float64{0, -10, -6}},
	// A rectifier's buzz: odd harmonics up to 250 or 300 Hz.
	{"3rd -3 dB, 5th -6 dB", []float64{0, math.Inf(-1), -3, math.Inf(-1), -6}},
}

// addHum adds hum at mains frequency f with a total power of dBm0 and
// random phases, and a DC offset, to buf.
func addHum(buf []int16, m humModel, f, dBm0, dc float64, rng *rand.Rand) {
	var total float64
	for _, h := range m.harmonics {
		total += math.Pow(10, h/10)
	}
	amp := make([]float64, len(m.harmonics))
	phase := make([]float64, len(m.harmonics))
	for n, h := range m.harmonics {
		amp[n] = DBm0Amplitude(dBm0 + h - 10*math.Log10(total))
		phase[n] = 2 * math.Pi * rng.Float64()
	}
	for i := range buf {
		v := float64(buf[i]) + dc
		for n := range amp {
			v += amp[n] * math.Sin(2*math.Pi*f*float64(n+1)*float64(i)/sampleRate+phase[n])
		}
		buf[i] = saturate(v)
	}
}

// TestDetectorHum: hum of 50 or 60 Hz, with harmonics up to 300 Hz, from
// -40 to -25 dBm0, with a DC offset of up to ±250, changes nothing for
// keys at every level from -3 to -30 dBm0: each is found once. With hum at
// -30 dBm0 or less and no offset, keys at -36 dBm0 are found too; with an
// offset of ±1000, keys down to -28 dBm0. The line hums for 400 ms before
// the key, as it does from the start of a call.
func TestDetectorHum(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, m := range humModels {
		for _, f := range []float64{50, 60} {
			for _, hum := range []float64{-40, -35, -30, -25} {
				// A second of this hum; each key takes a stretch of it.
				line := make([]int16, sampleRate)
				addHum(line, m, f, hum, 0, rng)
				// Offsets of both signs, one sign a case.
				for _, dc := range []float64{0, 250 * sign(hum), -1000 * sign(hum)} {
					levels := []float64{-3, -10, -20, -28}
					switch {
					case dc == 0 && hum <= -30:
						levels = append(levels, -30, -36)
					case math.Abs(dc) <= 250:
						levels = append(levels, -30)
					}
					for _, level := range levels {
						name := fmt.Sprintf("%s %g Hz at %g dBm0, DC %g, keys at %g", m.name, f, hum, dc, level)
						checkAll(t, name, func(s *signal, k byte) {
							o := nominal(level)
							o.Phase = 2 * math.Pi * rng.Float64()
							s.silence(400).tone(k, 60, o).silence(50)
							from := rng.IntN(len(line) - len(s.buf))
							for i, h := range line[from : from+len(s.buf)] {
								s.buf[i] = saturate(float64(s.buf[i]) + float64(h) + dc)
							}
						}, once)
					}
				}
			}
		}
	}
}

// sign is +1 or -1 by the hum level, to vary the offset's sign.
func sign(hum float64) float64 {
	if int(hum)%10 == 0 {
		return 1
	}
	return -1
}

// TestDetectorHumAlone: hum and DC, however strong, are never a key.
func TestDetectorHumAlone(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, m := range humModels {
		for _, f := range []float64{50, 60} {
			for _, hum := range []float64{-40, -25, -10, 0} {
				for _, c := range codecs {
					buf := make([]int16, 2*sampleRate)
					addHum(buf, m, f, hum, 500, rng)
					if got := detect(buf, c); got != "" {
						t.Errorf("%s %g Hz at %g dBm0, %s: %q", m.name, f, hum, c.name, got)
					}
				}
			}
		}
	}
}

// TestDetectorHumTalkOff: speech-like harmonic sounds over hum are no key
// either, and the hum does not change the verdict on a window of music
// (the low band is left out only where it is steady).
func TestDetectorHumMusic(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	music := synthMusic(20, rng)
	for _, m := range humModels {
		for _, hum := range []float64{-35, -25} {
			buf := append([]int16(nil), music...)
			addHum(buf, m, 50, hum, 0, rng)
			for _, c := range codecs {
				if got := detect(buf, c); got != "" {
					t.Errorf("music with %s hum at %g dBm0, %s: %q", m.name, hum, c.name, got)
				}
			}
		}
	}
}

// BenchmarkHighPass is the alternative to leaving the low band out of the
// detector's energy tests: a second-order Butterworth high-pass at 300 Hz
// over each 160-sample frame before the detector (callgrind: about 5,300
// instructions a frame, against about 400 for the block sums and the
// steady floor).
func BenchmarkHighPass(b *testing.B) {
	rng := rand.New(rand.NewPCG(47, 48))
	buf := make([]int16, 8000)
	AddNoise(buf, -20, rng)
	w := math.Tan(math.Pi * 300 / sampleRate)
	n := 1 / (1 + math.Sqrt2*w + w*w)
	b0, a1, a2 := float32(n), float32(2*(w*w-1)*n), float32((1-math.Sqrt2*w+w*w)*n)
	var z1, z2 float32
	out := make([]int16, 160)
	frames := len(buf) / 160
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		j := i % frames
		for k, v := range buf[j*160 : j*160+160] {
			// Transposed direct form II with b = b0·(1, -2, 1).
			x := float32(v)
			y := b0*x + z1
			z1 = -2*b0*x - a1*y + z2
			z2 = b0*x - a2*y
			out[k] = int16(y)
		}
	}
}
