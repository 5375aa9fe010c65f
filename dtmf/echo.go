package dtmf

import (
	"math"
	"time"
)

// Echo of the call's own prompt. A caller's line can return what the
// service plays, 6 to 20 dB down and 20 to 200 ms late; a key pressed over
// a prompt then meets speech as loud as itself, which splits or hides it.
// The service knows what it played, so EchoCanceller removes that echo from
// what it hears before the detector sees it:
//
//   - search: the energy of every 10 ms block of the reference (what was
//     played) and of what is heard, as logarithms, are correlated at every
//     delay up to echoMaxLag over epochs of echoEpoch samples heard while
//     the prompt could be echoing; the delay of the largest correlation, if
//     at least echoMinCorr, is the echo's to within a block. Envelopes are
//     used, not the waveforms: at any rate cheap enough to search (at
//     1 kHz it cost 65,000 instructions a frame) the waveform correlation
//     of a steady voice is as high a pitch period off the true delay as at
//     it, and picked the wrong one;
//   - fit: over the last echoHist samples heard, the cross-correlation of
//     the waveforms at every delay within echoFine of that one gives the
//     delay to the sample, and a least-squares fit of echoTaps taps around
//     it (which also covers a delay between two samples) gives the gain;
//     the model is taken if it removes at least half the energy heard
//     (3 dB);
//   - cancel: from then on the model's echo is subtracted from every
//     sample heard while the reference could be echoing (with one tap,
//     in integers, when the side taps are under echoOneTap of the middle
//     one). Every echoRefit frames the taps are fitted again from
//     statistics that forget with echoForget, skipping frames where more
//     is left than the echo removed (a caller pressing keys or talking),
//     and they follow a delay that drifts by a sample. A model that adds
//     energy to what is heard instead of removing it, over echoCheck such
//     frames without keys (the line changed), is dropped and the search
//     starts again on the reference still in the ring;
//   - a call whose line returns no echo found in echoGiveUp epochs of
//     prompt rests for echoRest more before searching again, so the search
//     costs little on the many lines without echo.
//
// The detector's talk-off protection still holds for whatever the
// canceller leaves: the residue of a prompt is speech.

// Geometry of the canceller.
const (
	echoRefLen  = 4096                   // reference ring, samples (512 ms)
	echoRefMask = echoRefLen - 1         //
	echoMaxLag  = 2400                   // longest delay searched (300 ms): 200 ms of echo path and the receiver's lateness
	echoEnv     = 80                     // samples per block of the envelopes (10 ms)
	echoLags    = echoMaxLag / echoEnv   // 60
	echoEnvLen  = 128                    // reference envelope ring, blocks (640 ms)
	echoEpoch   = 4000                   // samples heard per search decision (500 ms)
	echoHist    = 1024                   // samples heard kept for the fit (128 ms)
	echoHistMsk = echoHist - 1           //
	echoFine    = echoEnv + 4            // the fit searches ±84 samples around the search's delay
	echoTaps    = 3                      // taps of the model, at delay-1, delay, delay+1
	echoBlock   = 32                     // samples per flag of whether the reference was playing
	echoFlags   = echoRefLen / echoBlock //
	echoFloor   = 1e4                    // added to a block's energy before its logarithm: -60 dBm0
)

// Thresholds of the canceller.
const (
	echoMinCorr = 0.6 // correlation of the envelopes that counts as an echo
	echoMinERLE = 2   // energy heard over energy left: the fit must halve it
	echoForget  = 0.9 // weight of the older statistics at each refit
	echoRefit   = 4   // frames between refits
	echoCheck   = 4   // learning frames between checks that the model fits
	// A frame where more than echoDoubleTalk times the estimated echo's
	// energy is heard has the caller keying or talking over the prompt.
	echoDoubleTalk = 4
	echoGiveUp     = 6    // epochs of prompt without an echo before resting
	echoRest       = 24   // epochs of prompt not searched after giving up
	echoOneTap     = 0.05 // side taps under this share of the middle one are left out
	// echoQuiet is the least energy per sample of the reference that the
	// fit trusts: about that of a -40 dBm0 signal.
	echoQuiet = 2.5e4
)

// EchoCanceller removes the echo of what a call plays from what it hears.
// Reference (or Silence) is given what the call sends as it sends it, Cancel
// what it hears, in order; Lost stands for audio heard lost. It is not safe
// for concurrent use and does not allocate.
type EchoCanceller struct {
	ref     [echoRefLen]int16
	playing [echoFlags]bool // whether each block of ref is a prompt, not silence
	refW    int64           // reference samples so far
	played  int64           // the reference position just after the last prompt sample

	heard   int64 // samples heard so far (lost ones too)
	anchor  int64 // the reference position at which the first sample was heard
	started bool

	hist     [echoHist]int16 // the last samples heard, as heard
	histFrom int64           // first position in hist with nothing lost since

	search search
	model  model

	// Energy heard, left and removed over the last learning frames, to
	// see whether the model still fits.
	erleIn, erleOut, erleEst float64
	erleN                    int

	x [echoHist + 2*echoFine + echoTaps]float32 // scratch: the reference under what is heard
}

// search is the coarse search for the echo's delay on 10 ms envelopes.
type search struct {
	on     bool
	env    [echoEnvLen]float32 // log energy of each reference block, by block
	envW   int64               // reference blocks so far
	envOK  int64               // first block computed (env is not kept up while a model runs)
	refE   float32             // energy of the reference block in progress
	rxE    float32             // energy of the block heard in progress
	rxBad  bool                // the block heard in progress had samples lost
	sab    [echoLags]float32   // Σ a·b, Σ b, Σ b² at each delay (a heard, b reference)
	sb     [echoLags]float32
	sbb    [echoLags]float32
	sa     float32
	saa    float32
	blocks int // blocks heard accumulated in the epoch
	n      int // samples heard in the epoch
	failed int // epochs with a prompt and no echo found, in a row
	rest   int // epochs still to rest
	found  int // delay found, samples (0: none)
}

// model is the echo path found: taps at delay-1, delay and delay+1.
type model struct {
	on    bool
	delay int
	h     [echoTaps]float32
	// Least-squares statistics: autocorrelation of the reference at lags
	// 0, 1, 2 and its cross-correlation with what is heard at each tap.
	r0, r1, r2 float64
	p          [echoTaps]float64
	frames     int
}

// NewEchoCanceller returns a canceller with no echo found yet.
func NewEchoCanceller() *EchoCanceller {
	c := &EchoCanceller{}
	c.Reset()
	return c
}

// Reset forgets everything: the reference, the samples heard and the echo
// path (a new stream whose timing against what was sent is unknown).
func (c *EchoCanceller) Reset() {
	*c = EchoCanceller{}
	c.search.on = true
}

// Echo returns the echo path in use: its delay (from when the first sample
// was heard, so it includes the receiver's own lateness) and gain in dB;
// ok is false while none is.
func (c *EchoCanceller) Echo() (delay time.Duration, gainDB float64, ok bool) {
	if !c.model.on {
		return 0, 0, false
	}
	var g float64
	for _, h := range c.model.h {
		g += float64(h) * float64(h)
	}
	return time.Duration(c.model.delay) * time.Second / sampleRate, 10 * math.Log10(g), true
}

// Reference takes samples the call has just sent.
func (c *EchoCanceller) Reference(pcm []int16) {
	for len(pcm) > 0 {
		at := int(c.refW & echoRefMask)
		n := copy(c.ref[at:], pcm)
		c.markPlaying(n, true)
		c.played = c.refW + int64(n)
		if c.search.on {
			c.search.reference(c.refW, pcm[:n])
		}
		c.refW += int64(n)
		pcm = pcm[n:]
	}
}

// Silence takes n samples of silence the call has just sent.
func (c *EchoCanceller) Silence(n int) {
	for n > 0 {
		at := int(c.refW & echoRefMask)
		m := min(n, echoRefLen-at)
		clear(c.ref[at : at+m])
		c.markPlaying(m, false)
		if c.search.on {
			c.search.silence(c.refW, m)
		}
		c.refW += int64(m)
		n -= m
	}
}

// markPlaying flags the blocks of the next n reference samples.
func (c *EchoCanceller) markPlaying(n int, playing bool) {
	for b := c.refW / echoBlock; b <= (c.refW+int64(n)-1)/echoBlock; b++ {
		// A block that is part silence, part prompt counts as prompt.
		i := b % echoFlags
		if b*echoBlock >= c.refW {
			c.playing[i] = playing
		} else {
			c.playing[i] = c.playing[i] || playing
		}
	}
}

// refAt returns the reference sample at position p, 0 outside the ring.
func (c *EchoCanceller) refAt(p int64) int16 {
	if p < 0 || p >= c.refW || p < c.refW-echoRefLen {
		return 0
	}
	return c.ref[p&echoRefMask]
}

// echoing reports whether the reference from from to to (positions) held
// any prompt.
func (c *EchoCanceller) echoing(from, to int64) bool {
	from, to = max(from, c.refW-echoRefLen, 0), min(to, c.refW)
	switch {
	case c.played <= from:
		return false // nothing played since
	case c.played <= to:
		return true // the last prompt sample is in the range
	}
	for b := (to - 1) / echoBlock; b >= 0 && b*echoBlock+echoBlock > from; b-- {
		if c.playing[b%echoFlags] {
			return true
		}
	}
	return false
}

// Lost stands for n samples heard lost in transit.
func (c *EchoCanceller) Lost(n int) {
	c.start()
	c.heard += int64(n)
	c.histFrom = c.heard
	c.search.rxE, c.search.rxBad = 0, true
}

func (c *EchoCanceller) start() {
	if !c.started {
		c.started = true
		c.anchor = c.refW - c.refW%echoEnv
	}
}

// Cancel takes samples heard and removes the echo from them in place.
func (c *EchoCanceller) Cancel(frame []int16) {
	c.start()
	for len(frame) > 0 {
		// Up to the end of the history ring, so the samples heard are
		// kept in one copy.
		n := min(len(frame), echoHist-int(c.heard&echoHistMsk))
		c.cancel(frame[:n])
		frame = frame[n:]
	}
}

// cancel handles a piece of frame that fits the history ring unwrapped.
func (c *EchoCanceller) cancel(y []int16) {
	pos := c.heard
	copy(c.hist[pos&echoHistMsk:], y)
	c.heard += int64(len(y))
	// Where the echo of y would come from in the reference, at any delay.
	echoing := c.echoing(c.anchor+pos-echoMaxLag-echoTaps, c.anchor+c.heard)
	if c.search.on {
		c.search.heard(c, pos, y, echoing)
	}
	if !echoing {
		return
	}
	if c.search.found != 0 && !c.model.on {
		c.fit()
	}
	if c.model.on {
		c.subtract(pos, y)
	}
}

// under fills c.x with the reference from position from on, n samples,
// and returns it.
func (c *EchoCanceller) under(from int64, n int) []float32 {
	x := c.x[:n]
	if from >= max(c.refW-echoRefLen, 0) && from+int64(n) <= c.refW {
		// All in the ring: at most two pieces.
		at := int(from & echoRefMask)
		k := min(n, echoRefLen-at)
		a, b := c.ref[at:at+k], c.ref[:n-k]
		xa, xb := x[:len(a)], x[k:k+len(b)]
		for i, v := range a {
			xa[i] = float32(v)
		}
		for i, v := range b {
			xb[i] = float32(v)
		}
		return x
	}
	for i := range x {
		x[i] = float32(c.refAt(from + int64(i)))
	}
	return x
}

// subtract removes the model's echo from y, heard at pos, refits the model
// now and then and drops it when it makes things worse.
func (c *EchoCanceller) subtract(pos int64, y []int16) {
	m := &c.model
	n := len(y)
	m.frames++
	if m.frames%echoRefit == 0 {
		// x[i], x[i+1], x[i+2] are the reference at delay+1, delay and
		// delay-1 for y[i].
		c.learn(c.under(c.anchor+pos-int64(m.delay)-1, n+echoTaps-1), y)
		return
	}
	h0, h1, h2 := m.h[0], m.h[1], m.h[2]
	if from := c.anchor + pos - int64(m.delay); abs32(h0)+abs32(h2) < echoOneTap*abs32(h1) &&
		from >= max(c.refW-echoRefLen, 0) && from+int64(n) <= c.refW {
		// A delay of whole samples: one tap does, straight from the
		// ring (in at most two pieces).
		at := int(from & echoRefMask)
		k := min(n, echoRefLen-at)
		h := int32(math.Round(float64(h1) * (1 << echoQ)))
		oneTap(y[:k], c.ref[at:at+k], h)
		oneTap(y[k:], c.ref[:n-k], h)
		return
	}
	x := c.under(c.anchor+pos-int64(m.delay)-1, n+echoTaps-1)
	x0, x1, x2 := x[2:n+2], x[1:n+1], x[:n]
	for i, v := range y {
		y[i] = clamp16(float32(v) - (h0*x0[i] + h1*x1[i] + h2*x2[i]))
	}
}

// echoQ is the fixed point of oneTap's gain: Q14 holds gains up to 2.
const echoQ = 14

// oneTap subtracts h·x from y, h in Q14 (integers are cheaper here than
// the conversions to float).
func oneTap(y, x []int16, h int32) {
	x = x[:len(y)]
	for i, v := range y {
		e := int32(v) - (h*int32(x[i]))>>echoQ
		if e > math.MaxInt16 {
			e = math.MaxInt16
		} else if e < math.MinInt16 {
			e = math.MinInt16
		}
		y[i] = int16(e)
	}
}

// clamp16 converts e to int16, saturating (and truncating: what is left
// of the echo is far above a unit).
func clamp16(e float32) int16 {
	v := int32(e) // |e| is far below 2^31
	if v > math.MaxInt16 {
		return math.MaxInt16
	}
	if v < math.MinInt16 {
		return math.MinInt16
	}
	return int16(v)
}

// learn is subtract on a frame whose statistics also go into the model:
// the epoch's energies before and after, and the least-squares sums
// unless more is left than the echo removed (the caller is keying or
// talking).
func (c *EchoCanceller) learn(x []float32, y []int16) {
	m := &c.model
	n := len(y)
	xs0, xs1, xs2 := x[2:n+2], x[1:n+1], x[:n]
	// The sums, from what was heard.
	var r0, r1, r2, p0, p1, p2, in float32
	for i, v := range y {
		x0, x1, x2 := xs0[i], xs1[i], xs2[i]
		yv := float32(v)
		in += yv * yv
		r0 += x1 * x1
		r1 += x1 * x0
		r2 += x2 * x0
		p0 += yv * x0
		p1 += yv * x1
		p2 += yv * x2
	}
	// The echo removed, and what is left.
	h0, h1, h2 := m.h[0], m.h[1], m.h[2]
	var out, est float32
	for i, v := range y {
		f := h0*xs0[i] + h1*xs1[i] + h2*xs2[i]
		e := float32(v) - f
		y[i] = clamp16(e)
		out += e * e
		est += f * f
	}
	// A wrong model adds its estimate's energy to what is heard, a right
	// one takes it away: the difference, over echoCheck frames, decides.
	// Frames where much more is heard than the echo (a caller's keys or
	// voice) are left out: their own chance alignments with the estimate
	// swamp it.
	if in <= echoDoubleTalk*est {
		c.erleIn += float64(in)
		c.erleOut += float64(out)
		c.erleEst += float64(est)
		if c.erleN++; c.erleN >= echoCheck {
			if c.erleOut > c.erleIn+c.erleEst/2 {
				c.drop()
				return
			}
			c.erleIn, c.erleOut, c.erleEst, c.erleN = 0, 0, 0, 0
		}
	}
	if out > est {
		return // keys or speech from the caller: learn nothing from them
	}
	m.r0 = echoForget*m.r0 + float64(r0)
	m.r1 = echoForget*m.r1 + float64(r1)
	m.r2 = echoForget*m.r2 + float64(r2)
	m.p[0] = echoForget*m.p[0] + float64(p0)
	m.p[1] = echoForget*m.p[1] + float64(p1)
	m.p[2] = echoForget*m.p[2] + float64(p2)
	c.refit()
}

// refit solves the model's least-squares statistics for new taps and
// moves the delay a sample when the echo has moved off the middle tap.
func (c *EchoCanceller) refit() {
	m := &c.model
	h, ok := solve3(m.r0, m.r1, m.r2, m.p)
	if !ok {
		return
	}
	m.h = h
	a0, a1, a2 := abs32(h[0]), abs32(h[1]), abs32(h[2])
	switch {
	case a0 > a1 && a0 > a2 && m.delay > echoTaps:
		m.delay--
	case a2 > a1 && a2 > a0 && m.delay < echoMaxLag:
		m.delay++
	default:
		return
	}
	// The statistics were for the old taps: start them again, keeping
	// the strongest tap where it now is.
	m.h = [echoTaps]float32{}
	if a0 > a2 {
		m.h[1] = h[0]
	} else {
		m.h[1] = h[2]
	}
	m.r0, m.r1, m.r2, m.p = 0, 0, 0, [echoTaps]float64{}
}

// drop forgets the model and searches again.
func (c *EchoCanceller) drop() {
	c.model = model{}
	// The envelope of the reference still in the ring is known at once.
	from := max(c.refW-echoRefLen+echoEnv, 0)
	from -= from % echoEnv
	c.search.restart(from)
	for p := from; p < c.refW; {
		n := int(min(c.refW-p, echoRefLen-p&echoRefMask))
		c.search.reference(p, c.ref[p&echoRefMask:][:n])
		p += int64(n)
	}
}

func abs32(v float32) float32 { return float32(math.Abs(float64(v))) }

// solve3 solves the symmetric Toeplitz system [r0 r1 r2; r1 r0 r1; r2 r1
// r0]·h = p, slightly regularised; ok is false for a reference too quiet
// to fit.
func solve3(r0, r1, r2 float64, p [echoTaps]float64) (h [echoTaps]float32, ok bool) {
	if r0 <= 0 {
		return h, false
	}
	d := r0 * 1.001 // regularised diagonal
	a := [3][4]float64{{d, r1, r2, p[0]}, {r1, d, r1, p[1]}, {r2, r1, d, p[2]}}
	for col := range 3 {
		if a[col][col] <= 1e-9*d {
			return h, false
		}
		for row := col + 1; row < 3; row++ {
			f := a[row][col] / a[col][col]
			for k := col; k < 4; k++ {
				a[row][k] -= f * a[col][k]
			}
		}
	}
	var x [3]float64
	for row := 2; row >= 0; row-- {
		s := a[row][3]
		for k := row + 1; k < 3; k++ {
			s -= a[row][k] * x[k]
		}
		x[row] = s / a[row][row]
	}
	for i := range h {
		h[i] = float32(x[i])
	}
	return h, true
}
