package dtmf

import (
	"math"
	"time"
)

// In-band DTMF detection (ITU-T Q.23 frequencies, Q.24 receiver limits,
// Japan's 事業用電気通信設備規則 別表第3号 for twist).
//
// The detector runs eight complex Goertzel filters over 5 ms sub-blocks
// (40 samples) and judges a sliding 20 ms window (four sub-blocks) every
// 5 ms:
//
//   - selectivity: the sub-block results are combined coherently into a
//     160-sample DFT at each nominal frequency; the strongest tone of each
//     group must stand 8 dB above the other three of its group;
//   - frequency: the phase advance between the two 10 ms halves of the
//     window measures each tone's frequency; more than 2.4 % from nominal
//     is rejected (Q.24: accept 1.5 %, reject 3.5 %);
//   - level and twist: amplitudes are estimated from the two halves added
//     in magnitude (which a frequency offset barely attenuates); each tone
//     must be above -46 dBm0 and the high group within -11..+7 dB of the low;
//   - balance: the two 10 ms halves must carry the tones at amplitudes
//     within 0.65 of each other, which rejects windows the tones fill only in
//     part (under about 16.5 of 20 ms) whatever the noise;
//   - purity: the two tones must hold 70 % of the window's energy (less
//     the line's steady hum and DC, see lowBlock), and the high tone's
//     second harmonic must be 13 dB below it, plus an allowance for the
//     noise in that bin (talk-off);
//   - timing: a key is reported after 4 consecutive qualifying windows
//     (a tone of 40 ms always gives at least 4, one of 23 ms at most 3) and
//     ends after 6 consecutive windows without it (a 10 ms drop-out costs at
//     most 5, a 30 ms pause at least 8); windows with lost audio in them
//     (Lost) are skipped, not counted as misses.
//
// Cost (the goal is about 11,000 instructions per 20 ms frame): the filters
// run in two register-resident passes of four with in-place updates
// (goertzel4), and plausible rejects most windows that cannot qualify
// before the full analysis; both give exactly the plain computation's
// verdicts (inband_exact_test.go).

// Sampling and block geometry.
const (
	sampleRate = 8000
	subLen     = 40         // samples per sub-block (5 ms)
	winSubs    = 4          // sub-blocks per analysis window
	winLen     = subLen * 4 // 160 samples, 20 ms
	halfLen    = subLen * 2 // 80 samples, 10 ms
	subDur     = 5 * time.Millisecond
	histLen    = 2 * winLen // history ring, samples
)

// Level reference. G.711 (Table 5 and 6) puts the overload point of μ-law
// at +3.17 dBm0 and of A-law at +3.14 dBm0. The μ-law overload is 8159 in
// 14-bit units, 32636 in 16-bit linear; a 0 dBm0 sine therefore has a peak
// of 32636 × 10^(-3.17/20) ≈ 22652 (A-law: 32768 × 10^(-3.14/20) ≈ 22826,
// 0.07 dB apart). All levels in this package use 22652.
const ZeroDBm0Peak = 22652.0

// Mains hum (50 or 60 Hz and its first harmonics) and a DC offset are no
// part of a key, but on a line with hum at -25 dBm0 they hold more of a
// quiet key's window than the 30 % the purity test allows. The detector
// measures the energy below about 300 Hz and leaves the line's steady part
// of it out of the level and purity tests:
//
//   - the energy below about 300 Hz is that of the sums of blocks of
//     lowBlock samples (a boxcar filter), squared and divided by its length:
//     they count 99 % of the energy at 50 Hz, 97 % at 100 Hz, 92 % at
//     150 Hz and 62 % at 300 Hz, but at most 5 % of a DTMF tone (2 % at 697
//     and 941 Hz, 5 % at 1209 Hz), for one addition a sample (a
//     second-order high-pass filter in front of the detector costs about
//     5,300 instructions a frame, BenchmarkHighPass);
//   - steady means no more than lowSteady times the least low-band energy
//     of a window in the last 240-320 ms (in the first 80 ms of a stream,
//     none): hum and DC are there all the time, while the low-frequency
//     energy of speech (its fundamental) and music comes and goes with
//     syllables and notes. Leaving out all of it would let a few windows
//     of loud, high-pitched speech through the purity test (TestTalkOff
//     with 30 minutes of speech).
const (
	lowBlock     = 10
	lowSteady    = 1.5 // the window-to-window swing of 60 Hz hum is ±13 %
	floorWindows = 16  // windows per block of the sliding minimum
	floorBlocks  = 4   // blocks of the sliding minimum (4·16·5 ms = 320 ms)
)

// Detector thresholds.
const (
	minToneDBm0     = -46.0 // per tone
	maxReverseTwist = -11.0 // high group below low group, dB
	maxNormalTwist  = 7.0   // high group above low group, dB
	relPeak         = 6.3   // 8 dB over the other tones of the group (power)
	minEnergyRatio  = 0.70  // share of the window's energy in the two tones
	minBalance      = 0.65  // weaker over stronger half of the window, amplitude
	maxSecondHarm   = 0.05  // -13 dB, power
	freqTolerance   = 0.024 // relative
	hitsToStart     = 4
	missesToEnd     = 6
	// A run of misses with lost audio in it ends a key at 4: at least
	// 20 ms of pause heard around the loss, more than the 10 ms drop-out
	// Q.24 bridges, so the loss probably hid more pause, not tone.
	missesAroundLoss = 4
	// More than two lost 20 ms packets in a row could hide a pause
	// between two presses (Japan's minimum is 30 ms): such a loss ends a
	// key as silence would.
	maxLostRun = 2 * winLen
	numTones   = 8
)

// dtmfFreqs: low group then high group.
var dtmfFreqs = [numTones]float64{697, 770, 852, 941, 1209, 1336, 1477, 1633}

// keyGrid[low][high].
var keyGrid = [4][4]byte{
	{'1', '2', '3', 'A'},
	{'4', '5', '6', 'B'},
	{'7', '8', '9', 'C'},
	{'*', '0', '#', 'D'},
}

// toneConst holds the per-frequency constants.
type toneConst struct {
	coef     float32 // 2 cos ω
	c1r, c1i float32 // e^{-jω(N-1)}, N = subLen
	c2r, c2i float32 // e^{-jωN}
	r40r     float32 // e^{-jω·40}
	r40i     float32
	r80r     float32 // e^{-jω·80}
	r80i     float32
	cosTol   float32 // cos of the largest phase deviation allowed over 80 samples
	h2coef   float32 // 2 cos 2ω, second harmonic over a window
}

var tones [numTones]toneConst

// minAmp is the amplitude of a -42 dBm0 sine.
var minAmp = float32(ZeroDBm0Peak * math.Pow(10, minToneDBm0/20))

func init() {
	for i, f := range dtmfFreqs {
		w := 2 * math.Pi * f / sampleRate
		t := &tones[i]
		t.coef = float32(2 * math.Cos(w))
		t.c1r, t.c1i = float32(math.Cos(w*(subLen-1))), float32(-math.Sin(w*(subLen-1)))
		t.c2r, t.c2i = float32(math.Cos(w*subLen)), float32(-math.Sin(w*subLen))
		t.r40r, t.r40i = float32(math.Cos(w*subLen)), float32(-math.Sin(w*subLen))
		t.r80r, t.r80i = float32(math.Cos(w*halfLen)), float32(-math.Sin(w*halfLen))
		dev := 2 * math.Pi * freqTolerance * f * halfLen / sampleRate
		t.cosTol = float32(math.Cos(dev))
		t.h2coef = float32(2 * math.Cos(2*w))
	}
	for g, grp := range []*group{&groupLo, &groupHi} {
		for i := range 4 {
			t := &tones[4*g+i]
			for j, sign := range [4]float32{1, -1, -1, 1} {
				grp.k[4*i+j] = sign * t.coef
			}
			grp.c1r[i], grp.c1i[i], grp.c2r[i], grp.c2i[i] = t.c1r, t.c1i, t.c2r, t.c2i
		}
	}
}

// subResult is one sub-block's analysis.
type subResult struct {
	xr, xi [numTones]float32 // DFT at each frequency, relative to the sub-block start
	energy float32           // Σx²
	low    float32           // the low band's share of energy (see lowBlock)
	peakLo float32           // largest |X|² of the low group
	peakHi float32           // largest |X|² of the high group

	// The 10 ms DFT of the previous sub-block and this one (relative to
	// the previous one's start), once analyse has needed it: the second
	// half of one window is the first half of the window two sub-blocks
	// later, which a held key analyses too.
	hr, hi [numTones]float32
	hOK    bool
}

// half returns the 10 ms DFT of sub-blocks prev and cur, from cur's cache
// or computed into it: H = X_prev + X_cur·e^{-jω·40}.
func (cur *subResult) half(prev *subResult) (hr, hi *[numTones]float32) {
	if !cur.hOK {
		for i := range tones {
			t := &tones[i]
			cur.hr[i] = prev.xr[i] + cur.xr[i]*t.r40r - cur.xi[i]*t.r40i
			cur.hi[i] = prev.xi[i] + cur.xr[i]*t.r40i + cur.xi[i]*t.r40r
		}
		cur.hOK = true
	}
	return &cur.hr, &cur.hi
}

// Detector is an in-band DTMF detector for 8 kHz linear PCM, normally fed
// 20 ms frames (160 samples) decoded from G.711. One per call; not safe for
// concurrent use. Process does not allocate.
type Detector struct {
	pos int // samples into the current sub-block

	subs  [winSubs]subResult // ring of the last four sub-blocks
	nsubs int                // sub-blocks completed (saturates)
	subIx int                // index in subs of the next sub-block

	// Recent samples, ring: the window being judged and up to 160
	// samples copied in ahead of it. Sub-blocks sit at multiples of
	// subLen, so each is contiguous.
	hist   [histLen]int16
	histIx int  // where the sub-block in progress ends so far
	x      quad // the sub-block as float32 (scratch)

	floor lowFloor // the line's steady low-band energy per window

	// Timing state machine.
	cur       byte  // key being held, 0 if none
	curStart  int64 // sample index where the current key's first hit window began
	curLast   int64 // sample index where the current key's last hit window ended
	misses    int
	cand      byte
	candCount int
	candStart int64
	samples   int64 // samples consumed since Reset

	// Lost audio (see Lost): whether the samples being fed are lost ones,
	// whether the sub-block in progress has lost samples, the sub-blocks
	// heard since the last lost one (saturates at winSubs), the samples
	// lost since the last sub-block heard in full, the losses the key's
	// current run of misses spans, and whether the last window had lost
	// samples in it.
	inLoss       bool
	subLost      bool
	heard        int
	lostRun      int
	lossesInMiss int
	holding      bool
}

// detection is a key the state machine has started or ended.
type detection struct {
	key        byte
	start, end int64 // sample indexes; end < 0 while the key is held
}

// NewDetector returns a detector for 8 kHz audio.
func NewDetector() *Detector { return &Detector{} }

// Reset forgets any tone in progress (e.g. after a gap in the stream).
func (d *Detector) Reset() { *d = Detector{} }

// Process feeds one frame and returns a digit when one is recognised. The
// digit is reported as soon as the tone qualifies (about 35 ms after it
// began), not when it ends, so Event.Duration is 0. Frames of any length
// work; with frames of up to 160 samples at most one digit is found per
// frame.
func (d *Detector) Process(frame []int16) (Event, bool) {
	var got Event
	var ok bool
	d.feed(frame, func(det detection) {
		if det.end < 0 && !ok {
			got, ok = Event{Key: det.key, Transport: TransportInband}, true
		}
	})
	return got, ok
}

// Lost tells the detector that n samples at this point of the stream
// were lost in transit (an RTP packet that never came, or came too late).
// They are not silence: the detector holds its state across them, so a
// key with a lost packet inside it is one key. A window with lost samples
// in it counts neither for nor against a key; a key ends when the windows
// heard around the loss show at least 20 ms of pause (a drop-out of up to
// 10 ms inside a key is bridged, as Q.24 asks), or when more than 40 ms
// in a row are lost. Lost never reports a digit.
func (d *Detector) Lost(n int) {
	var zeros [winLen]int16
	d.inLoss = true
	for n > 0 {
		m := min(n, winLen)
		n -= m
		d.feed(zeros[:m], func(detection) {})
	}
	d.inLoss = false
}

// feed runs frame through the analysis and calls emit for every start and
// end of a key; while d.inLoss the samples are those of a loss.
func (d *Detector) feed(frame []int16, emit func(detection)) {
	for len(frame) > 0 {
		// Copy up to 160 samples (a whole frame, normally) at once: the
		// ring has room for them beside the window the harmonic check
		// reads.
		n := copy(d.hist[d.histIx:min(d.histIx+winLen, histLen)], frame)
		frame = frame[n:]
		// Analyse every sub-block the copy completed.
		for n > 0 {
			m := min(n, subLen-d.pos)
			n -= m
			if d.inLoss {
				d.subLost = true
				d.lostRun += m
			}
			d.pos += m
			d.histIx += m
			d.samples += int64(m)
			if d.pos == subLen {
				blk := (*[subLen]int16)(d.hist[d.histIx-subLen : d.histIx])
				if d.histIx == histLen {
					d.histIx = 0
				}
				d.pos = 0
				d.finishSub(blk, emit)
			}
		}
	}
}

// finishSub closes a sub-block, judges the window ending with it and steps
// the timing state machine.
func (d *Detector) finishSub(blk *[subLen]int16, emit func(detection)) {
	r := &d.subs[d.subIx]
	r.hOK = false
	d.subIx = (d.subIx + 1) % winSubs
	if d.subLost {
		// Nothing to analyse: no window with this sub-block in it is
		// judged.
		d.subLost, d.heard = false, 0
		*r = subResult{}
	} else {
		x := &d.x
		r.peakLo, r.energy, r.low = goertzelLo(blk, x, (*[4]float32)(r.xr[0:4]), (*[4]float32)(r.xi[0:4]))
		r.peakHi = goertzel4(x, &groupHi, (*[4]float32)(r.xr[4:8]), (*[4]float32)(r.xi[4:8]))
		d.lostRun = 0
		if d.heard < winSubs {
			d.heard++
		}
	}
	if d.nsubs < winSubs {
		d.nsubs++
		if d.nsubs < winSubs {
			return
		}
	}
	if d.heard < winSubs {
		d.hold(emit)
		return
	}
	d.floor.add(d.subs[0].low + d.subs[1].low + d.subs[2].low + d.subs[3].low)
	d.step(d.judge(), emit)
}

// window returns the sub-blocks of the last 20 ms window, oldest first,
// and its energy without the line's steady low band (hum, DC).
func (d *Detector) window() (s0, s1, s2, s3 *subResult, energy float32) {
	s0 = &d.subs[d.subIx]
	s1 = &d.subs[(d.subIx+1)%winSubs]
	s2 = &d.subs[(d.subIx+2)%winSubs]
	s3 = &d.subs[(d.subIx+3)%winSubs]
	low := s0.low + s1.low + s2.low + s3.low
	energy = s0.energy + s1.energy + s2.energy + s3.energy - min(low, lowSteady*d.floor.value)
	return s0, s1, s2, s3, energy
}

// lowFloor is the least low-band energy of a window over the last 240 to
// 320 ms, kept as the minimum of each block of floorWindows windows.
type lowFloor struct {
	blocks [floorBlocks]float32 // minimum of each block, from the oldest to the newest
	cur    float32              // minimum of the block in progress
	n      int                  // windows in the block in progress
	full   int                  // blocks finished, up to floorBlocks
	value  float32              // minimum of the finished blocks (0 before the first)
}

// add takes the low-band energy of a window heard in full.
func (f *lowFloor) add(low float32) {
	if f.n == 0 || low < f.cur {
		f.cur = low
	}
	f.n++
	if f.n < floorWindows {
		return
	}
	copy(f.blocks[:], f.blocks[1:])
	f.blocks[floorBlocks-1] = f.cur
	f.n = 0
	f.full = min(f.full+1, floorBlocks)
	v := f.cur
	for _, b := range f.blocks[floorBlocks-f.full:] {
		v = min(v, b)
	}
	f.value = v
}

// judge returns the key the last 20 ms window holds, or 0.
func (d *Detector) judge() byte {
	s0, s1, s2, s3, energy := d.window()
	// Two tones at the threshold give (2 × minAmp²/2) × 160.
	if energy < minAmp*minAmp*winLen {
		return 0
	}
	if !plausible(s0, s1, s2, s3, energy) {
		return 0
	}
	return d.analyse(s0, s1, s2, s3, energy)
}

// plausible reports whether the window of sub-blocks s0..s3 (oldest first)
// could pass analyse, from bounds that cost a few additions; false means
// analyse would return 0.
func plausible(s0, s1, s2, s3 *subResult, energy float32) bool {
	// The amplitude estimated by analyse for tone i is
	// (|H1|+|H2|)/80 ≤ Σ|X_s|/80 over the four sub-blocks, and by
	// Cauchy-Schwarz its square is at most Σ|X_s|²/1600 ≤ Σ peak_s/1600.
	// A window whose bound already fails the level or purity test is
	// rejected without analyse (noise, speech pauses); the 1 % covers
	// float32 rounding, so the verdict is the same (TestPlausible).
	sumLo := s0.peakLo + s1.peakLo + s2.peakLo + s3.peakLo
	sumHi := s0.peakHi + s1.peakHi + s2.peakHi + s3.peakHi
	const bound = 1.01 / (halfLen * halfLen / 4) // amp² ≤ bound·Σ peak
	if bound*sumLo < minAmp*minAmp || bound*sumHi < minAmp*minAmp ||
		bound*(sumLo+sumHi)/2 < minEnergyRatio*energy/winLen {
		return false
	}
	// The same for the balance test. With S = half1 + half2 = 80·(amp0 +
	// amp1), the purity test needs S² ≥ (amp0² + amp1²)·6400 ≥
	// 2·0.7·energy/160·6400 and the balance test half ≥ 0.65/1.65·S, so a
	// half needs half² ≥ (0.65/1.65)²·56·energy; by Cauchy-Schwarz half² ≤
	// 4·(its two sub-blocks' peaks of both groups). This rejects the windows
	// a tone fills in one half only (the first and last of every press).
	const halfBound = 4 * 1.01 / ((minBalance / (1 + minBalance)) * (minBalance / (1 + minBalance)) *
		2 * minEnergyRatio * halfLen * halfLen / winLen)
	if halfBound*(s0.peakLo+s0.peakHi+s1.peakLo+s1.peakHi) < energy ||
		halfBound*(s2.peakLo+s2.peakHi+s3.peakLo+s3.peakHi) < energy {
		return false
	}
	return true
}

// analyse judges the window of sub-blocks s0..s3 (oldest first) with the
// window's energy: the key it holds, or 0.
func (d *Detector) analyse(s0, s1, s2, s3 *subResult, energy float32) byte {
	// H1 = X0 + X1·r40, H2 = X2 + X3·r40 (10 ms DFTs), Y = H1 + H2·r80.
	h1r, h1i := s1.half(s0)
	h2r, h2i := s3.half(s2)
	var pw [numTones]float32
	for i := range tones {
		t := &tones[i]
		yr := h1r[i] + h2r[i]*t.r80r - h2i[i]*t.r80i
		yi := h1i[i] + h2r[i]*t.r80i + h2i[i]*t.r80r
		pw[i] = yr*yr + yi*yi
	}

	lo := peak((*[4]float32)(pw[0:4]))
	hi := 4 + peak((*[4]float32)(pw[4:8]))
	if lo < 0 || hi < 4 {
		return 0
	}

	// Amplitude estimates: |H| of a full tone of amplitude A over 80
	// samples is 40·A, so A ≈ (|H1| + |H2|) / 80, whatever the phase drift.
	var amp [2]float32
	var half1, half2 float32
	for j, i := range [2]int{lo, hi} {
		m1 := sqrt32(h1r[i]*h1r[i] + h1i[i]*h1i[i])
		m2 := sqrt32(h2r[i]*h2r[i] + h2i[i]*h2i[i])
		amp[j] = (m1 + m2) / halfLen
		half1 += m1
		half2 += m2
		if amp[j] < minAmp {
			return 0
		}
		// Frequency: the phase advance from H1 to H2, less the nominal
		// ω·80, is 2π·Δf·80/8000.
		t := &tones[i]
		zr := h2r[i]*h1r[i] + h2i[i]*h1i[i]
		zi := h2i[i]*h1r[i] - h2r[i]*h1i[i]
		re := zr*t.r80r - zi*t.r80i
		if re < t.cosTol*m1*m2 {
			return 0
		}
	}

	// Balance: a window the tones fill only in part (the start or end of a
	// press, a drop-out) has one half weaker than the other. This, not the
	// energy share, is what makes the timing independent of noise.
	if half1 < minBalance*half2 || half2 < minBalance*half1 {
		return 0
	}

	// Twist, in dB of the high tone over the low one.
	twist := amp[1] / amp[0]
	if twist < twistMin || twist > twistMax {
		return 0
	}

	// Purity: tone power / mean power of the window.
	tonePower := (amp[0]*amp[0] + amp[1]*amp[1]) / 2
	if tonePower < minEnergyRatio*energy/winLen {
		return 0
	}

	// Second harmonic of the high tone over the window, checked on the
	// window that would start a key (the others of the run passed every
	// other test): a key already held, or a run still too short to start
	// one, does not pay for it.
	key := keyGrid[lo][hi-4]
	starts := key != d.cur && key == d.cand && d.candCount+1 >= hitsToStart
	// The limit allows for the noise that falls in the harmonic's bin: the
	// energy outside the two tones, white, puts that much in a 160-point
	// DFT bin on average; six times that is exceeded 0.25 % of the time.
	residual := energy - tonePower*winLen
	if residual < 0 {
		residual = 0
	}
	if starts && d.harmonic(hi) > maxSecondHarm*(amp[1]*halfLen)*(amp[1]*halfLen)+6*residual {
		return 0
	}
	return key
}

// Twist limits as amplitude ratios.
var (
	twistMin = float32(math.Pow(10, maxReverseTwist/20))
	twistMax = float32(math.Pow(10, maxNormalTwist/20))
)

// peak returns the index of the strongest of p (powers, never negative)
// if it stands relPeak over each of the others, else -1.
func peak(p *[4]float32) int {
	// The strongest (the first of equals) and the strongest of the others.
	best, top, next := 0, p[0], float32(0)
	if v := p[1]; v > top {
		best, top, next = 1, v, top
	} else {
		next = v
	}
	if v := p[2]; v > top {
		best, top, next = 2, v, top
	} else if v > next {
		next = v
	}
	if v := p[3]; v > top {
		best, top, next = 3, v, top
	} else if v > next {
		next = v
	}
	if next*relPeak > top {
		return -1
	}
	return best
}

// harmonic returns |DFT|² over the last 160 samples at twice tone i.
func (d *Detector) harmonic(i int) float32 {
	k := tones[i].h2coef
	var a, b float32
	if end := d.histIx; end == 0 {
		a, b = goertzel1(d.hist[histLen-winLen:], k, 0, 0)
	} else if end >= winLen {
		a, b = goertzel1(d.hist[end-winLen:end], k, 0, 0)
	} else {
		a, b = goertzel1(d.hist[histLen-winLen+end:], k, 0, 0)
		a, b = goertzel1(d.hist[:end], k, a, b)
	}
	return a*a + b*b - k*a*b
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// step advances the timing state machine by one window verdict.
func (d *Detector) step(key byte, emit func(detection)) {
	winEnd := d.samples
	winStart := winEnd - winLen
	d.holding = false
	if key != 0 && key == d.cand {
		d.candCount++
	} else {
		d.cand, d.candCount, d.candStart = key, 0, winStart
		if key != 0 {
			d.candCount = 1
		}
	}
	if d.cur != 0 {
		if key == d.cur {
			d.misses, d.lossesInMiss = 0, 0
			d.curLast = winEnd
		} else {
			d.misses++
			if d.misses >= missesToEnd || (d.lossesInMiss > 0 && d.misses >= missesAroundLoss) {
				d.end(emit)
			}
		}
	}
	if d.cur == 0 && d.candCount >= hitsToStart {
		d.cur, d.curStart, d.curLast, d.misses, d.lossesInMiss = d.cand, d.candStart, winEnd, 0, 0
		emit(detection{key: d.cur, start: d.curStart, end: -1})
	}
}

// hold advances the timing state machine by a window with lost samples
// in it: no verdict. But a key ends once the misses heard around the
// losses show a pause: missesAroundLoss of them before or after it, or
// the windows heard between two losses all missed (20 ms or more heard
// without the key), or more than 40 ms were lost in a row.
func (d *Detector) hold(emit func(detection)) {
	if d.lostRun > maxLostRun {
		if d.cur != 0 {
			d.end(emit)
		}
		d.cand, d.candCount = 0, 0
		return
	}
	if d.cur != 0 && !d.holding {
		d.lossesInMiss++
		if d.lossesInMiss >= 2 || d.misses >= missesAroundLoss {
			d.end(emit)
		}
	}
	d.holding = true
}

// end ends the key being held.
func (d *Detector) end(emit func(detection)) {
	emit(detection{key: d.cur, start: d.curStart, end: d.curLast})
	d.cur = 0
}
