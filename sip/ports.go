package sip

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"syscall"
)

// portAllocator binds RTP sockets on even ports of a range (RFC 3550 §11:
// RTP on an even port, RTCP on the next odd one), starting where the last
// search stopped so ports are not reused at once.
type portAllocator struct {
	ip       netip.Addr
	min, max int

	mu   sync.Mutex
	next int
}

func newPortAllocator(ip netip.Addr, lo, hi int) *portAllocator {
	if lo%2 == 1 {
		lo++
	}
	return &portAllocator{ip: ip, min: lo, max: hi, next: lo}
}

// listen binds a UDP socket for RTP.
func (a *portAllocator) listen() (*rtpConn, error) {
	if a.min == 0 && a.max == 0 {
		c, err := listenRTP(a.ip, 0)
		if err != nil {
			return nil, fmt.Errorf("sip: bind RTP socket: %w", err)
		}
		return c, nil
	}
	n := (a.max-a.min)/2 + 1
	for range n {
		a.mu.Lock()
		p := a.next
		a.next += 2
		if a.next > a.max {
			a.next = a.min
		}
		a.mu.Unlock()
		c, err := listenRTP(a.ip, p)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("sip: bind RTP port %d: %w", p, err)
		}
	}
	return nil, fmt.Errorf("%w in %d-%d", ErrNoRTPPort, a.min, a.max)
}
