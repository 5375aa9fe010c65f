package simulator

import "math"

// toneAmplitude is the peak of each of the two DTMF sines in 16-bit linear
// PCM: about -10 dBm0 per tone (0 dBm0 is a sine of peak 22194 on the
// G.711 scale, ITU-T G.711 §3), inside ITU-T Q.23/Q.24 send levels.
const toneAmplitude = 7020

// dtmfFreqs maps a key to its low (row) and high (column) frequencies in Hz
// (ITU-T Q.23).
func dtmfFreqs(key byte) (low, high float64, ok bool) {
	rows := [4]float64{697, 770, 852, 941}
	cols := [4]float64{1209, 1336, 1477, 1633}
	const layout = "123A456B789C*0#D"
	for i := 0; i < len(layout); i++ {
		if layout[i] == key {
			return rows[i/4], cols[i%4], true
		}
	}
	return 0, 0, false
}

// toneGen produces one DTMF key's dual tone at 8 kHz, phase-continuous
// across calls to fill.
type toneGen struct {
	low, high float64
	n         int // samples produced so far
}

func newToneGen(key byte) (toneGen, bool) {
	l, h, ok := dtmfFreqs(key)
	return toneGen{low: l, high: h}, ok
}

// fill writes the next len(dst) samples of the tone into dst.
func (g *toneGen) fill(dst []int16) {
	const rate = 8000.0
	for i := range dst {
		t := float64(g.n) / rate
		v := toneAmplitude * (math.Sin(2*math.Pi*g.low*t) + math.Sin(2*math.Pi*g.high*t))
		dst[i] = int16(math.Round(v))
		g.n++
	}
}
