//go:build !(linux && (amd64 || arm64))

package sip

import "errors"

// sendRing is not available here: shards send with one write per packet.
type sendRing struct{}

const sendRingEntries = 0

func newSendRing(uint32) (*sendRing, error) { return nil, errSendRing }

func sendRingSupported() error { return errSendRing }

var errSendRing = errors.New("io_uring send ring: Linux amd64/arm64 only")

func (*sendRing) close() {}

// sendMsg is empty where there is no send ring.
type sendMsg struct{}

func (sh *shard) tickRing(int) {}
