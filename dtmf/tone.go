package dtmf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// ToneOptions describe a generated DTMF tone (Q.23 frequencies).
type ToneOptions struct {
	// LowDBm0 and HighDBm0 are the levels of the low-group and high-group
	// tones (0 dBm0 = peak ZeroDBm0Peak). Typical phones send about -7 and
	// -5; twist is HighDBm0 - LowDBm0.
	LowDBm0, HighDBm0 float64
	// LowShift and HighShift are relative frequency errors: 0.015 sends
	// each tone 1.5 % above nominal.
	LowShift, HighShift float64
	// Phase is the starting phase of both tones, radians.
	Phase float64
}

// KeyFrequencies returns the nominal low and high frequencies of key
// (ITU-T Q.23).
func KeyFrequencies(key byte) (low, high float64, ok bool) {
	if key >= 'a' && key <= 'd' {
		key -= 'a' - 'A'
	}
	for r := range keyGrid {
		for c := range keyGrid[r] {
			if keyGrid[r][c] == key {
				return dtmfFreqs[r], dtmfFreqs[4+c], true
			}
		}
	}
	return 0, 0, false
}

// DBm0Amplitude returns the peak amplitude of a sine at the given level.
func DBm0Amplitude(dBm0 float64) float64 { return ZeroDBm0Peak * math.Pow(10, dBm0/20) }

// AddTone adds the two tones of key, for len(dst) samples at 8 kHz, to dst,
// saturating at the int16 range.
func AddTone(dst []int16, key byte, o ToneOptions) error {
	lf, hf, ok := KeyFrequencies(key)
	if !ok {
		return fmt.Errorf("tone for %q: %w", key, ErrUnknownKey)
	}
	lw := 2 * math.Pi * lf * (1 + o.LowShift) / sampleRate
	hw := 2 * math.Pi * hf * (1 + o.HighShift) / sampleRate
	la, ha := DBm0Amplitude(o.LowDBm0), DBm0Amplitude(o.HighDBm0)
	for i := range dst {
		v := la*math.Sin(lw*float64(i)+o.Phase) + ha*math.Sin(hw*float64(i)+o.Phase)
		dst[i] = saturate(float64(dst[i]) + v)
	}
	return nil
}

// AddNoise adds white Gaussian noise with a power of dBm0 (relative to the
// power of a 0 dBm0 sine) to dst, saturating. rng makes runs repeatable.
func AddNoise(dst []int16, dBm0 float64, rng *rand.Rand) {
	sigma := DBm0Amplitude(dBm0) / math.Sqrt2
	for i := range dst {
		dst[i] = saturate(float64(dst[i]) + sigma*rng.NormFloat64())
	}
}

// Sequence returns 8 kHz samples keying keys in turn: each key's tone for
// tone, then silence for pause. Noise, if wanted, is added with AddNoise.
func Sequence(keys string, tone, pause time.Duration, o ToneOptions) ([]int16, error) {
	tn := int(tone * sampleRate / time.Second)
	pn := int(pause * sampleRate / time.Second)
	out := make([]int16, 0, len(keys)*(tn+pn)+pn)
	out = append(out, make([]int16, pn)...)
	for i := 0; i < len(keys); i++ {
		start := len(out)
		out = append(out, make([]int16, tn+pn)...)
		if err := AddTone(out[start:start+tn], keys[i], o); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func saturate(v float64) int16 {
	v = math.Round(v)
	if v > math.MaxInt16 {
		return math.MaxInt16
	}
	if v < math.MinInt16 {
		return math.MinInt16
	}
	return int16(v)
}
