//go:build !(linux && (amd64 || arm64))

package sip

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// rtpConn is a call's RTP socket: here a net.UDPConn that the call's own
// goroutine reads, blocking.
type rtpConn = net.UDPConn

// listenRTP binds a UDP socket on ip:port (port 0: any).
func listenRTP(ip netip.Addr, port int) (*rtpConn, error) {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
	if err != nil {
		return nil, fmt.Errorf("bind: %w", err)
	}
	return c, nil
}

// rtpPoller is not available here.
type rtpPoller struct{}

func (*rtpPoller) drain(func([]byte, netip.AddrPort, time.Time) bool, time.Time) bool { return false }

// readLoop reads the call's socket in this goroutine.
func (c *Call) readLoop(timeout time.Duration) { c.blockingReadLoop(timeout) }

// blockingReadLoop reads the call's RTP socket until it is closed. The
// read deadline is moved forward at most every refresh (a syscall per
// packet would be waste); when it fires early relative to the last valid
// packet, it is set again from that packet.
func (c *Call) blockingReadLoop(timeout time.Duration) {
	buf := make([]byte, maxRTPPacket+1) // one more to see oversized datagrams
	r := c.newReceiver(time.Now())
	defer r.finish()
	refresh := min(time.Second, timeout/4)
	lastRefresh := r.lastValid
	if err := c.conn.SetReadDeadline(r.lastValid.Add(timeout)); err != nil {
		return // socket already closed: the call is ending
	}
	for {
		n, from, err := c.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				return // closed: the call is ending
			}
			if quiet := time.Since(r.lastValid); quiet < timeout {
				if c.conn.SetReadDeadline(r.lastValid.Add(timeout)) != nil {
					return
				}
				continue
			}
			c.log.Info("no RTP from caller", "timeout", timeout.String())
			_ = c.terminate(EndRTPTimeout, true) // logged inside
			return
		}
		now := time.Now()
		if r.packet(buf[:n], from, now) && now.Sub(lastRefresh) >= refresh {
			if err := c.conn.SetReadDeadline(now.Add(timeout)); err != nil {
				return
			}
			lastRefresh = now
		}
	}
}
