package sip

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/dezura/dezura/dtmf"
)

// Histogram is a snapshot of a fixed-bucket histogram: Counts[i] counts the
// observations <= Bounds[i] and > Bounds[i-1]; the last element of Counts
// (len(Bounds)+1 elements) counts those above every bound. Sum is the total
// of all observations, in the histogram's unit.
type Histogram struct {
	Bounds []float64
	Counts []uint64
	Sum    float64
	Count  uint64
}

// Cumulative returns the count of observations <= each bound, the form
// Prometheus wants.
func (h Histogram) Cumulative() map[float64]uint64 {
	m := make(map[float64]uint64, len(h.Bounds))
	var acc uint64
	for i, b := range h.Bounds {
		acc += h.Counts[i]
		m[b] = acc
	}
	return m
}

// histogram is a lock-free fixed-bucket histogram.
type histogram struct {
	bounds []float64
	counts []atomic.Uint64
	sumNs  atomic.Uint64 // sum in nanounits (1e-9 of the unit)
	count  atomic.Uint64
}

func newHistogram(bounds ...float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i := 0
	for i < len(h.bounds) && v > h.bounds[i] {
		i++
	}
	h.counts[i].Add(1)
	if v > 0 {
		h.sumNs.Add(uint64(math.Round(v * 1e9)))
	}
	h.count.Add(1)
}

func (h *histogram) snapshot() Histogram {
	s := Histogram{Bounds: h.bounds, Counts: make([]uint64, len(h.counts))}
	for i := range h.counts {
		s.Counts[i] = h.counts[i].Load()
	}
	s.Sum = float64(h.sumNs.Load()) / 1e9
	s.Count = h.count.Load()
	return s
}

// Bucket bounds, in seconds.
var (
	setupBounds  = []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5}
	jitterBounds = []float64{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1}
)

// serverStats are the server's counters; a Call updates them through its
// stats pointer (nil in unit tests that build a Call by hand).
type serverStats struct {
	answered         atomic.Uint64
	rejectedFull     atomic.Uint64
	rejectedDraining atomic.Uint64
	ended            [len(endReasonNames)]atomic.Uint64
	digits           [4]atomic.Uint64 // by dtmf.Transport
	keysDropped      atomic.Uint64

	rtpSent, rtpSendErrors, rtpSkipped atomic.Uint64
	rtpReceived, rtpDropped            atomic.Uint64
	rtpExpected, rtpLost               atomic.Uint64

	setup  *histogram // INVITE arrival to 200 OK, seconds
	jitter *histogram // per-call RFC 3550 interarrival jitter at call end, seconds
}

func newServerStats() *serverStats {
	return &serverStats{setup: newHistogram(setupBounds...), jitter: newHistogram(jitterBounds...)}
}

func (st *serverStats) digit(t dtmf.Transport) {
	if st != nil && int(t) < len(st.digits) {
		st.digits[t].Add(1)
	}
}

func (st *serverStats) answer(setup time.Duration) {
	if st == nil {
		return
	}
	st.answered.Add(1)
	st.setup.observe(setup.Seconds())
}

// callEnded adds one ended call's counters.
func (st *serverStats) callEnded(reason EndReason, r RTPStats, keysDropped uint64) {
	if st == nil {
		return
	}
	if int(reason) < len(st.ended) {
		st.ended[reason].Add(1)
	}
	st.keysDropped.Add(keysDropped)
	st.rtpSent.Add(r.Sent)
	st.rtpSendErrors.Add(r.SendErrors)
	st.rtpSkipped.Add(r.Skipped)
	st.rtpReceived.Add(r.Received)
	st.rtpDropped.Add(r.Dropped)
	st.rtpExpected.Add(r.Expected)
	st.rtpLost.Add(r.Lost)
	if r.Received > 1 {
		st.jitter.observe(r.Jitter.Seconds())
	}
}

// Stats is a snapshot of a Server's counters since it was made. Counters
// of RTP packets and digits cover ended calls.
type Stats struct {
	Active   int    // calls being answered or up
	Answered uint64 // calls answered (200 OK sent and ACKed)
	// RejectedFull and RejectedDraining count INVITEs refused with 503
	// because MaxCalls were up, or because the server was draining.
	RejectedFull, RejectedDraining uint64
	Ended                          map[EndReason]uint64 // calls ended, by reason
	Digits                         map[dtmf.Transport]uint64
	KeysDropped                    uint64
	RTP                            RTPStats // summed over ended calls (Jitter is unused)
	Setup                          Histogram
	Jitter                         Histogram // per-call interarrival jitter at call end
	Media                          MediaStats
}

// Stats returns the server's counters. It is cheap enough to call on
// every metrics scrape.
func (s *Server) Stats() Stats {
	st := s.stats
	out := Stats{
		Active:           s.ActiveCalls(),
		Answered:         st.answered.Load(),
		RejectedFull:     st.rejectedFull.Load(),
		RejectedDraining: st.rejectedDraining.Load(),
		Ended:            make(map[EndReason]uint64, len(st.ended)),
		Digits:           make(map[dtmf.Transport]uint64, len(st.digits)),
		KeysDropped:      st.keysDropped.Load(),
		RTP: RTPStats{
			Sent: st.rtpSent.Load(), SendErrors: st.rtpSendErrors.Load(), Skipped: st.rtpSkipped.Load(),
			Received: st.rtpReceived.Load(), Dropped: st.rtpDropped.Load(),
			Expected: st.rtpExpected.Load(), Lost: st.rtpLost.Load(),
		},
		Setup:  st.setup.snapshot(),
		Jitter: st.jitter.snapshot(),
		Media:  s.MediaStats(),
	}
	for r := EndHangup; int(r) < len(st.ended); r++ {
		out.Ended[r] = st.ended[r].Load()
	}
	for t := dtmf.TransportRFC4733; int(t) < len(st.digits); t++ {
		out.Digits[t] = st.digits[t].Load()
	}
	return out
}

// Draining reports whether Shutdown has been called.
func (s *Server) Draining() bool { return s.draining.Load() }
