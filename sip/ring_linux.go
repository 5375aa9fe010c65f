//go:build linux && (amd64 || arm64)

package sip

import "time"

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

// pollRing reads the sockets of the calls whose turn it is through the
// ring: ringReads non-blocking receives each, one submission for the
// shard; a call whose receives all came back full is drained with
// recvmmsg at once. Each call's reception lock
// and socket read lock are held from queueing to completion.
func (sh *shard) pollRing(now time.Time, n uint64) {
	for _, o := range sh.scratch {
		ps := o.rx.Load()
		if ps == nil {
			continue
		}
		ps.mu.Lock()
		if ps.done || (!ps.more && (n+uint64(ps.phase))%pollEvery != 0) {
			ps.mu.Unlock()
			continue
		}
		c := ps.p.c
		c.mu.RLock()
		if c.fd < 0 {
			c.mu.RUnlock()
			ps.done = true // socket closed: the call is ending
			ps.mu.Unlock()
			continue
		}
		if sh.ring.Room() < ringReads {
			sh.flushPoll(now) // a call's receives go in one submission
		}
		for k := range ringReads {
			sh.ring.QueueRecv(c.fd, &ps.p.ring[k], uint64(len(sh.polled)*ringReads+k))
		}
		sh.polled = append(sh.polled, ps)
	}
	sh.flushPoll(now)
}

// flushPoll submits the queued receives, hands each datagram to its call
// with the kernel's arrival stamp, checks the calls' RTP timeouts and lets
// go of them. A receive that fails (-EAGAIN: nothing waiting) is no
// packet; if the ring itself fails the shard goes back to recvmmsg and
// sendto, and the calls are read again on their next turn.
func (sh *shard) flushPoll(now time.Time) {
	if len(sh.polled) == 0 {
		return
	}
	err := sh.ring.Submit(func(ud uint64, res int32) {
		i, k := int(ud/ringReads), int(ud%ringReads)
		if i >= len(sh.polled) {
			return
		}
		ps := sh.polled[i]
		if res < 0 {
			if k == 0 {
				ps.more = false
			}
			return
		}
		m := &ps.p.ring[k]
		at, ok := m.Stamp()
		if !ok {
			at = now
		}
		ps.more = k == ringReads-1
		ps.r.packet(m.Buf[:res], m.From(), at)
	})
	for i, ps := range sh.polled {
		more := ps.more
		if !more && !ps.done && now.Sub(ps.r.lastValid) >= ps.timeout {
			ps.done = true
			close(ps.timedOut)
		}
		ps.p.c.mu.RUnlock()
		ps.mu.Unlock()
		if more {
			// A burst (keys sent back to back, or a flood): take the rest
			// now with recvmmsg, bounded as without the ring.
			ps.poll(now)
		}
		sh.polled[i] = nil
	}
	sh.polled = sh.polled[:0]
	if err != nil {
		sh.ringErrors.Add(1)
		sh.ringUsed.Store(false)
		sh.ring.Close()
		sh.ring = nil
	}
}
