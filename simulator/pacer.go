package simulator

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Pacer is a shared 20 ms media clock for many calls in one process: one
// goroutine sends every registered call's packet for each slot, instead of
// a timer and a wake-up per call. Slots are counted from a monotonic start,
// so a late tick is caught up (every call still sends one packet per slot)
// and the schedule does not drift. The zero value is not usable; use
// NewPacer and Run.
type Pacer struct {
	mu      sync.Mutex
	streams map[*pacedStream]struct{}
	buf     []byte
}

// NewPacer returns a pacer; its clock runs while Run does.
func NewPacer() *Pacer {
	return &Pacer{streams: make(map[*pacedStream]struct{}), buf: make([]byte, 0, 256)}
}

// pacedStream is one call's outgoing stream as the pacer drives it.
type pacedStream struct {
	conn   *net.UDPConn
	raddr  netip.AddrPort
	out    *outStream
	groups <-chan string
	done   chan<- struct{} // capacity 1: one group at a time, never blocks
	lg     *slog.Logger
}

// add registers a stream; it sends from the next slot on.
func (p *Pacer) add(s *pacedStream) {
	p.mu.Lock()
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
		for s := range p.streams {
			p.buf = s.slot(p.buf[:0])
		}
		p.mu.Unlock()
		timer.Reset(time.Until(start.Add(time.Duration(n) * ptime * time.Millisecond)))
	}
}

// slot sends the stream's packet for one 20 ms slot, using buf.
func (s *pacedStream) slot(buf []byte) []byte {
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
	if err != nil {
		s.lg.Warn("build RTP", "error", err)
	} else if _, err := s.conn.WriteToUDPAddrPort(buf, s.raddr); err != nil {
		// The call's end is decided by SIP, not by RTP errors.
		s.lg.Debug("send RTP", "error", err)
	}
	if res.GroupDone {
		select {
		case s.done <- struct{}{}:
		default:
		}
	}
	return buf
}
