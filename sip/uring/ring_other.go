//go:build !(linux && (amd64 || arm64))

package uring

import (
	"errors"
	"net/netip"
	"time"
)

// Ring is not available here: New always fails.
type Ring struct{}

// Msg is empty where there is no ring.
type Msg struct{}

var errUnsupported = errors.New("io_uring send ring: Linux amd64/arm64 only")

// New fails: no io_uring here.
func New(uint32) (*Ring, error) { return nil, errUnsupported }

// Supported says why there is no ring here.
func Supported() error { return errUnsupported }

// Close does nothing.
func (*Ring) Close() {}

// Full is always true.
func (*Ring) Full() bool { return true }

// Queue does nothing.
func (*Ring) Queue(int, *Msg, uint64) {}

// Submit does nothing.
func (*Ring) Submit(func(uint64, int32)) error { return errUnsupported }

// Set reports false.
func (*Msg) Set([]byte, netip.AddrPort, bool) bool { return false }

// RecvMsg is a datagram buffer; there is no ring to fill it here.
type RecvMsg struct{ Buf []byte }

// QueueRecv does nothing.
func (*Ring) QueueRecv(int, *RecvMsg, uint64) {}

// From is the zero address.
func (*RecvMsg) From() netip.AddrPort { return netip.AddrPort{} }

// Truncated is false.
func (*RecvMsg) Truncated() bool { return false }

// Stamp is unknown.
func (*RecvMsg) Stamp() (time.Time, bool) { return time.Time{}, false }
