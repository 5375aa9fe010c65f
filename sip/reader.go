package sip

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dezura/dezura/dtmf"
)

// rtpReceiver is the receive side of one call: it inspects each datagram,
// feeds the DTMF detectors, latches the caller's address and remembers
// when the last valid packet came. Only one goroutine at a time uses it
// (the call's reader, or the scheduler shard that polls the call's socket).
type rtpReceiver struct {
	c         *Call
	in        *inbound
	rx        *dtmf.Receiver
	det       *inbandDecoder
	lastValid time.Time
}

func (c *Call) newReceiver(now time.Time) *rtpReceiver {
	r := &rtpReceiver{c: c, in: newInbound(c.media, c.media.Remote.Addr(), c.sigSource), lastValid: now}
	if c.media.Events && c.acceptsEvents() {
		r.rx = dtmf.NewReceiver(c.media.EventClock)
	}
	if c.mode == DTMFAuto || c.mode == DTMFInband {
		r.det = newInbandDecoder(c.media.Law)
	}
	return r
}

// finish logs the drops once the call's reception is over: packets the
// receiver refused, and packets the in-band detector left out for coming
// after a later one.
func (r *rtpReceiver) finish() {
	var late uint64
	if r.det != nil {
		late = r.det.late
	}
	if r.c.rxDropped.Load() == 0 && late == 0 {
		return
	}
	attrs := make([]any, 0, 2*int(dropReasons)+2)
	for d := dropShort; d < dropReasons; d++ {
		if r.in.drops[d] > 0 {
			attrs = append(attrs, d.String(), r.in.drops[d])
		}
	}
	if late > 0 {
		attrs = append(attrs, "late", late)
	}
	r.c.log.Info("RTP packets dropped", attrs...)
}

// packet handles one datagram b from from that arrived at now and
// reports whether it was valid RTP of the call. It allocates nothing.
func (r *rtpReceiver) packet(b []byte, from netip.AddrPort, now time.Time) bool {
	c := r.c
	from = unmapAP(from)
	v := r.in.handle(b, from, now)
	if v.drop != dropNone {
		if c.rxDropped.Add(1) == 1 {
			c.log.Debug("RTP packet dropped", "reason", v.drop.String(), "from", from.String())
		}
		return false
	}
	c.rxAccepted.Add(1)
	exp, lost, jit := r.in.quality()
	c.rxExpected.Store(exp)
	c.rxLost.Store(lost)
	c.rxJitter.Store(int64(jit))
	r.lastValid = now
	c.infoTick(now)
	if v.latched {
		c.out.latch(from)
		c.log.Debug("RTP source latched", "from", from.String())
	}
	switch v.kind {
	case kindEvent:
		if r.rx == nil {
			return true
		}
		ev, ok := r.rx.Process(dtmf.Packet{
			SSRC: v.header.SSRC, Seq: v.header.SequenceNumber, Timestamp: v.header.Timestamp,
			Marker: v.header.Marker, Payload: v.payload, Arrival: now,
		})
		if ok {
			ev.Transport = dtmf.TransportRFC4733
			c.deliver(ev, now)
		}
	case kindAudio:
		if r.rx != nil {
			r.rx.Tick(now)
		}
		// While an RFC 4733 event is in progress its tone may also be
		// in the audio: do not count the key twice.
		if r.det == nil || !c.inbandOn() || (r.rx != nil && r.rx.Active()) {
			return true
		}
		r.det.feed(c.out, &v.header, v.payload, func(ev dtmf.Event) {
			ev.Transport = dtmf.TransportInband
			c.deliver(ev, now)
		})
	}
	return true
}

// pollPhase spreads calls over the phases of pollEvery.
var pollPhase atomic.Uint32

// pollLoop hands the socket to the scheduler shard and waits for the call
// to end or the shard to report an RTP timeout.
func (c *Call) pollLoop(p *rtpPoller, timeout time.Duration) {
	ps := &pollState{p: p, r: c.newReceiver(time.Now()), timeout: timeout, timedOut: make(chan struct{}),
		phase: uint8(pollPhase.Add(1) % pollEvery)}
	c.out.rx.Store(ps)
	select {
	case <-c.ended:
	case <-ps.timedOut:
		c.log.Info("no RTP from caller", "timeout", timeout.String())
		_ = c.terminate(EndRTPTimeout, true) // logged inside
	}
	ps.mu.Lock()
	ps.done = true
	ps.mu.Unlock()
	ps.r.finish()
}

// pollState is a call's reception as the shard drives it.
type pollState struct {
	mu       sync.Mutex // the shard polls, the call's goroutine finishes
	done     bool
	phase    uint8 // the shard reads the socket on ticks n with (n+phase) % pollEvery == 0
	p        *rtpPoller
	r        *rtpReceiver
	timeout  time.Duration
	timedOut chan struct{} // closed by the shard
}

// poll reads what has arrived on the call's socket; now is the shard's
// clock for the RTP timeout.
func (ps *pollState) poll(now time.Time) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.done {
		return
	}
	if !ps.p.drain(ps.r.packet, now) {
		ps.done = true // socket closed: the call is ending
		return
	}
	if now.Sub(ps.r.lastValid) >= ps.timeout {
		ps.done = true
		close(ps.timedOut)
	}
}

// unmapAP turns an IPv4-mapped IPv6 source into plain IPv4.
func unmapAP(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
