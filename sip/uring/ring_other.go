//go:build !(linux && (amd64 || arm64))

package uring

import (
	"errors"
	"net/netip"
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
