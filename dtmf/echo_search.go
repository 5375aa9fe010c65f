package dtmf

import "math"

// The echo canceller's search for the echo's delay (see EchoCanceller).

// logEnergy is the envelope value of a block of energy e.
func logEnergy(e float32) float32 {
	if e == 0 {
		return logFloor
	}
	return float32(math.Log(float64(e) + echoFloor))
}

var logFloor = float32(math.Log(echoFloor))

// reference adds reference samples from position at to the envelope.
func (s *search) reference(at int64, pcm []int16) {
	for len(pcm) > 0 {
		k := min(len(pcm), echoEnv-int(at%echoEnv))
		e := s.refE + halfEnergy(pcm[:k], at)
		s.refE = e
		at += int64(k)
		pcm = pcm[k:]
		if at%echoEnv == 0 {
			b := at/echoEnv - 1
			s.env[b&(echoEnvLen-1)] = logEnergy(e)
			s.envW, s.refE = b+1, 0
		}
	}
}

// silence adds n reference samples of silence from position at.
func (s *search) silence(at int64, n int) {
	for n > 0 {
		k := min(n, echoEnv-int(at%echoEnv))
		at += int64(k)
		n -= k
		if at%echoEnv == 0 {
			b := at/echoEnv - 1
			s.env[b&(echoEnvLen-1)] = logEnergy(s.refE)
			s.envW, s.refE = b+1, 0
		}
	}
}

// halfEnergy returns the energy of the samples of x (which starts at
// position at) at even positions: the envelopes need no more, and it
// halves their cost.
func halfEnergy(x []int16, at int64) float32 {
	var e int64
	for i := int(at & 1); i < len(x); i += 2 {
		v := int64(x[i])
		e += v * v
	}
	return float32(e)
}

// restart starts the search afresh with the reference at position refW.
func (s *search) restart(refW int64) {
	// The block in progress lost its start: the first whole one is next.
	ok := (refW + echoEnv - 1) / echoEnv
	*s = search{on: true, envOK: ok, envW: ok, rxBad: true}
}

// heard adds samples heard at pos to the envelope and, while the reference
// may be echoing and the search is not resting, correlates each finished
// block with the reference's.
func (s *search) heard(c *EchoCanceller, pos int64, y []int16, echoing bool) {
	correlate := echoing && s.rest == 0 && s.found == 0
	if !correlate {
		// Nothing to correlate with: the blocks under way are not needed
		// (and are incomplete for the next correlation).
		s.rxE, s.rxBad = 0, true
	}
	for len(y) > 0 {
		k := min(len(y), echoEnv-int(pos%echoEnv))
		var e float32
		if correlate {
			e = s.rxE + halfEnergy(y[:k], pos)
		}
		s.rxE = e
		pos += int64(k)
		y = y[k:]
		if pos%echoEnv != 0 {
			continue
		}
		ok := !s.rxBad
		s.rxE, s.rxBad = 0, !correlate
		if ok && correlate {
			s.correlate((c.anchor+pos)/echoEnv-1, logEnergy(e))
		}
		if echoing {
			s.n += echoEnv
			if s.n >= echoEpoch {
				s.decide()
			}
		}
	}
}

// correlate adds the envelope a of a block heard, which lines up with the
// reference block base at delay 0, to the sums of every delay.
func (s *search) correlate(base int64, a float32) {
	s.sa += a
	s.saa += a * a
	s.blocks++
	// Delays whose reference block is known: base-l in [from, s.envW).
	from := max(s.envOK, s.envW-echoEnvLen)
	lo := max(base-s.envW+1, 0)
	hi := min(base-from+1, echoLags)
	if lo >= hi {
		return
	}
	sab, sb, sbb := s.sab[lo:hi], s.sb[lo:hi], s.sbb[lo:hi]
	sb, sbb = sb[:len(sab)], sbb[:len(sab)]
	for i := range sab {
		b := s.env[(base-lo-int64(i))&(echoEnvLen-1)]
		sab[i] += a * b
		sb[i] += b
		sbb[i] += b * b
	}
}

// decide ends an epoch: the delay whose envelopes correlate best is the
// echo's if they correlate well enough.
func (s *search) decide() {
	defer func() {
		s.sab, s.sb, s.sbb = [echoLags]float32{}, [echoLags]float32{}, [echoLags]float32{}
		s.sa, s.saa, s.blocks, s.n = 0, 0, 0, 0
	}()
	if s.found != 0 {
		return // a fit is pending
	}
	if s.rest > 0 {
		s.rest--
		return
	}
	best, rho := s.best()
	if rho >= echoMinCorr && best > 0 {
		s.found, s.failed = best*echoEnv, 0
		return
	}
	s.failed++
	if s.failed >= echoGiveUp {
		s.failed, s.rest = 0, echoRest
	}
}

// best returns the delay (in blocks) whose envelopes correlate best over
// the epoch, and that correlation.
func (s *search) best() (int, float64) {
	n := float64(s.blocks)
	if n < echoEpoch/echoEnv/2 {
		return 0, 0 // too little heard (losses) to judge
	}
	va := float64(s.saa) - float64(s.sa)*float64(s.sa)/n
	best, bestRho := 0, 0.0
	for l := range echoLags {
		vb := float64(s.sbb[l]) - float64(s.sb[l])*float64(s.sb[l])/n
		if va <= 0 || vb <= 0 {
			continue
		}
		cov := float64(s.sab[l]) - float64(s.sa)*float64(s.sb[l])/n
		if rho := cov / math.Sqrt(va*vb); rho > bestRho {
			best, bestRho = l, rho
		}
	}
	return best, bestRho
}

// fit looks for the delay to the sample around the one the search found,
// over the last echoHist samples heard, and fits the model's taps there;
// the model is used if it removes half the energy heard. Nothing happens
// until the history holds echoHist samples with nothing lost and the
// reference played during them.
func (c *EchoCanceller) fit() {
	if c.heard-c.histFrom < echoHist {
		return
	}
	from := c.heard - echoHist
	coarse := c.search.found
	lo, hi := max(coarse-echoFine, echoTaps), min(coarse+echoFine, echoMaxLag)
	// x holds the reference under the history at every delay tried.
	x := c.under(c.anchor+from-int64(hi)-1, echoHist+hi-lo+echoTaps-1)
	var xx float64
	for _, v := range x[hi-lo+1 : hi-lo+1+echoHist] {
		xx += float64(v) * float64(v)
	}
	if xx < echoQuiet*echoHist {
		return // the prompt paused: wait for it
	}
	best, bestScore := 0, 0.0
	for d := lo; d <= hi; d++ {
		xd := x[hi-d+1 : hi-d+1+echoHist] // the reference at delay d
		var xy, xx float64
		for i, v := range xd {
			xy += float64(c.hist[(from+int64(i))&echoHistMsk]) * float64(v)
			xx += float64(v) * float64(v)
		}
		if xx > 0 && xy*xy/xx > bestScore {
			best, bestScore = d, xy*xy/xx
		}
	}
	c.search.found = 0
	if best == 0 {
		return
	}
	c.fitTaps(from, best, x[hi-best:hi-best+echoHist+echoTaps-1])
}

// fitTaps fits the taps at delay d to the history from from on, where x is
// the reference at delay d+1 under it (and two more samples), and takes
// the model if it removes half the energy heard.
func (c *EchoCanceller) fitTaps(from int64, d int, x []float32) {
	m := model{delay: d}
	var in float64
	for i := range echoHist {
		x0, x1, x2 := float64(x[i+2]), float64(x[i+1]), float64(x[i])
		y := float64(c.hist[(from+int64(i))&echoHistMsk])
		m.r0 += x1 * x1
		m.r1 += x1 * x0
		m.r2 += x2 * x0
		m.p[0] += y * x0
		m.p[1] += y * x1
		m.p[2] += y * x2
		in += y * y
	}
	h, ok := solve3(m.r0, m.r1, m.r2, m.p)
	if !ok {
		return
	}
	m.h = h
	var out float64
	for i := range echoHist {
		e := float64(c.hist[(from+int64(i))&echoHistMsk]) -
			float64(h[0])*float64(x[i+2]) - float64(h[1])*float64(x[i+1]) - float64(h[2])*float64(x[i])
		out += e * e
	}
	if in < echoMinERLE*out {
		return // not an echo this model can remove: search on
	}
	m.on = true
	c.model = m
	c.search.on = false
	c.erleIn, c.erleOut, c.erleEst, c.erleN = 0, 0, 0, 0
}
