//go:build linux && (amd64 || arm64)

package sip

// noCompletion marks a queued send whose completion has not been read.
const noCompletion = -1 << 31

// tickRing sends one frame for every call in sh.scratch through the
// shard's io_uring send ring (package uring): one submission per tick.
// Each socket's read lock is held from queueing to completion, so a call
// hanging up meanwhile cannot close the descriptor (and a new socket reuse
// its number) under a queued send.
func (sh *shard) tickRing(skipped int) {
	for _, o := range sh.scratch {
		pkt, dest, ok := o.nextPacket(skipped)
		if !ok {
			continue
		}
		c := o.conn
		c.mu.RLock()
		if c.fd < 0 || !o.tx.Set(pkt, dest, c.v6) {
			c.mu.RUnlock()
			o.sendErrs.Add(1) // closed under us, or an IPv6 peer on an IPv4 socket
			continue
		}
		if sh.ring.Full() {
			sh.flushRing()
		}
		sh.ring.Queue(c.fd, &o.tx, uint64(len(sh.queued)))
		sh.queued = append(sh.queued, o)
		sh.results = append(sh.results, noCompletion)
	}
	sh.flushRing()
}

// flushRing submits the queued sends, counts each one's result, and lets
// go of the sockets. A send with no completion (the ring failed) counts
// as a send error, never as sent; after a ring failure the shard goes
// back to sendto for good.
func (sh *shard) flushRing() {
	if len(sh.queued) == 0 {
		return
	}
	err := sh.ring.Submit(func(ud uint64, res int32) {
		if ud < uint64(len(sh.results)) {
			sh.results[ud] = res
		}
	})
	for i, o := range sh.queued {
		if res := sh.results[i]; res >= 0 {
			o.sent.Add(1)
		} else {
			o.sendErrs.Add(1)
		}
		o.conn.mu.RUnlock()
		sh.queued[i] = nil
	}
	sh.queued, sh.results = sh.queued[:0], sh.results[:0]
	if err != nil {
		sh.ringErrors.Add(1)
		sh.ringUsed.Store(false)
		sh.ring.Close()
		sh.ring = nil
	}
}
