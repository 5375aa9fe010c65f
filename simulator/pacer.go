package simulator

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/dezura/dezura/sip/uring"
)

// Pacer is a shared 20 ms media clock for many calls in one process: one
// goroutine sends every registered call's packet for each slot, instead of
// a timer and a wake-up per call. Slots are counted from a monotonic start,
// so a late tick is caught up (every call still sends one packet per slot)
// and the schedule does not drift. The zero value is not usable; use
// NewPacer and Run.
//
// Where io_uring can be used (package sip/uring), the pacer also receives
// for its calls: every other slot it takes what each call's socket holds,
// in the same submission as the sends, with the kernel's arrival stamps, so
// a load run has no reader goroutine and no wake-up per packet. Otherwise
// each call reads its own socket and the pacer sends with sendto.
type Pacer struct {
	mu      sync.Mutex
	streams map[*pacedStream]struct{}
	buf     []byte

	ring   *uring.Ring    // nil: sendto, and calls read their own sockets
	queued []*pacedStream // ring mode: the stream of each queued operation
}

// pacerRingEntries is the pacer's ring size (operations per submission).
const pacerRingEntries = 1024

// rxEvery is how many slots apart the pacer reads a call's socket, and
// rxBatch how many datagrams it takes each time (two slots' packets, or
// more after a key's repeated end packets; the rest waits one slot).
const (
	rxEvery = 2
	rxBatch = 3
)

// NewPacer returns a pacer; its clock runs while Run does.
func NewPacer() *Pacer {
	p := &Pacer{streams: make(map[*pacedStream]struct{}), buf: make([]byte, 0, 256)}
	if r, err := uring.New(pacerRingEntries); err == nil {
		p.ring = r
	}
	return p
}

// receives reports whether the pacer reads its calls' sockets.
func (p *Pacer) receives() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ring != nil
}

// pacedStream is one call's stream as the pacer drives it.
type pacedStream struct {
	conn   *net.UDPConn
	raddr  netip.AddrPort
	out    *outStream
	groups <-chan string
	done   chan<- struct{} // capacity 1: one group at a time, never blocks
	lg     *slog.Logger

	// Ring mode. fd is conn's descriptor, valid while the stream is
	// registered (the call closes its socket only after remove).
	fd    int
	v6    bool
	pkt   []byte
	tx    uring.Msg
	in    *inStream
	vad   chan<- vadEvent
	rx    [rxBatch]uring.RecvMsg
	phase int
	more  bool      // the last read filled every buffer: read again next slot
	heard time.Time // last packet, or last idle report to the VAD
}

// prepareRing readies s for the ring: its descriptor, kernel receive
// stamps, and buffers. in and vad take what the pacer receives.
func (s *pacedStream) prepareRing(in *inStream, vad chan<- vadEvent) bool {
	if !enableRxTimestamps(s.conn) {
		return false
	}
	rc, err := s.conn.SyscallConn()
	if err != nil {
		return false
	}
	if err := rc.Control(func(fd uintptr) { s.fd = int(fd) }); err != nil {
		return false
	}
	if la, ok := s.conn.LocalAddr().(*net.UDPAddr); ok {
		s.v6 = la.IP.To4() == nil
	}
	s.pkt = make([]byte, 0, 256)
	for i := range s.rx {
		s.rx[i].Buf = make([]byte, 1500)
	}
	s.in, s.vad, s.heard = in, vad, time.Now()
	return true
}

// add registers a stream; it sends from the next slot on.
func (p *Pacer) add(s *pacedStream) {
	p.mu.Lock()
	s.phase = len(p.streams) % rxEvery
	p.streams[s] = struct{}{}
	p.mu.Unlock()
}

// remove unregisters a stream; once it returns the pacer no longer touches it.
func (p *Pacer) remove(s *pacedStream) {
	p.mu.Lock()
	delete(p.streams, s)
	p.mu.Unlock()
}

// Run drives the clock until ctx ends.
func (p *Pacer) Run(ctx context.Context) error {
	defer func() {
		p.mu.Lock()
		if p.ring != nil {
			p.ring.Close()
			p.ring = nil
		}
		p.mu.Unlock()
	}()
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		p.mu.Lock()
		if p.ring != nil {
			p.ringSlot(n)
		} else {
			for s := range p.streams {
				p.buf = s.slot(p.buf[:0])
			}
		}
		p.mu.Unlock()
		timer.Reset(time.Until(start.Add(time.Duration(n) * ptime * time.Millisecond)))
	}
}

// slot sends the stream's packet for one 20 ms slot, using buf.
func (s *pacedStream) slot(buf []byte) []byte {
	buf, ok := s.build(buf)
	if ok {
		if _, err := s.conn.WriteToUDPAddrPort(buf, s.raddr); err != nil {
			// The call's end is decided by SIP, not by RTP errors.
			s.lg.Debug("send RTP", "error", err)
		}
	}
	return buf
}

// build makes the stream's packet for one slot into buf: the next key
// group is started when the last is done, and its end is signalled.
func (s *pacedStream) build(buf []byte) ([]byte, bool) {
	if !s.out.busy() {
		select {
		case g := <-s.groups:
			if err := s.out.startGroup(g); err != nil {
				s.lg.Warn("key group", "error", err)
			}
		default:
		}
	}
	buf, res, err := s.out.next(buf)
	if res.GroupDone {
		select {
		case s.done <- struct{}{}:
		default:
		}
	}
	if err != nil {
		s.lg.Warn("build RTP", "error", err)
		return buf, false
	}
	return buf, true
}

// Operations in a ring submission: the user data is the index into queued
// times opKinds plus the kind (send, or receive into rx[k-1]).
const (
	opSend  = 0
	opKinds = 1 + rxBatch
)

// ringSlot queues every stream's packet and, for the streams whose turn it
// is, reads of their sockets, and submits them together.
func (p *Pacer) ringSlot(n int) {
	now := time.Now()
	for s := range p.streams {
		var ok bool
		if s.pkt, ok = s.build(s.pkt[:0]); ok && s.tx.Set(s.pkt, s.raddr, s.v6) {
			p.push(s, opSend)
		}
		if s.more || (n+s.phase)%rxEvery == 0 {
			for k := range s.rx {
				p.push(s, 1+k)
			}
		}
	}
	p.flush(now)
}

// push queues one operation of s (its packet, or a receive into
// rx[kind-1]), submitting first if the ring is full.
func (p *Pacer) push(s *pacedStream, kind int) {
	if p.ring.Full() {
		p.flush(time.Now())
	}
	ud := uint64(len(p.queued)*opKinds + kind)
	if kind == opSend {
		p.ring.Queue(s.fd, &s.tx, ud)
	} else {
		p.ring.QueueRecv(s.fd, &s.rx[kind-1], ud)
	}
	p.queued = append(p.queued, s)
}

// flush submits what is queued and hands received packets to their calls.
// A send that fails is the call's business (SIP decides when it ends), as
// with sendto.
func (p *Pacer) flush(now time.Time) {
	if len(p.queued) == 0 {
		return
	}
	err := p.ring.Submit(func(ud uint64, res int32) {
		i, kind := int(ud/opKinds), int(ud%opKinds)
		if i >= len(p.queued) || kind == opSend {
			return
		}
		s := p.queued[i]
		k := kind - 1
		if res < 0 {
			// -EAGAIN: nothing (more) waiting.
			if k == 0 {
				s.more = false
				if now.Sub(s.heard) >= idleRead {
					s.heard = now
					if ev, ok := s.in.vad.idle(now); ok {
						s.report(ev)
					}
				}
			}
			return
		}
		s.heard = now
		s.more = k == len(s.rx)-1
		at, _ := s.rx[k].Stamp()
		if ev, ok := s.in.packet(s.rx[k].Buf[:res], now, at); ok {
			s.report(ev)
		}
	})
	clear(p.queued)
	p.queued = p.queued[:0]
	if err != nil {
		// The calls on the ring hear nothing more and end by their
		// timeouts; new calls read their own sockets and use sendto.
		slog.Error("simulator: pacer io_uring failed; back to sendto", "error", err)
		p.ring.Close()
		p.ring = nil
	}
}

// report hands a speech start or end to the call without blocking the
// pacer; the call's channel has room for far more than a slot brings.
func (s *pacedStream) report(ev vadEvent) {
	select {
	case s.vad <- ev:
	default:
		s.lg.Warn("speech event dropped: the call is not reading them")
	}
}
