//go:build !(linux && (amd64 || arm64))

package sip

import (
	"net"
	"net/netip"
	"time"
)

// rtpPoller is not available here: each call reads its socket in its own
// goroutine.
type rtpPoller struct{}

func newRTPPoller(*net.UDPConn) *rtpPoller { return nil }

func (*rtpPoller) drain(func([]byte, netip.AddrPort, time.Time) bool, time.Time) bool { return false }
