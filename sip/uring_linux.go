//go:build linux && (amd64 || arm64)

package sip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// A send ring batches a shard's RTP sends through io_uring(7): every call
// of the shard gets one IORING_OP_SENDMSG entry, and one io_uring_enter(2)
// per tick submits them all and waits for their completions. On this kind
// of virtual machine a syscall's entry and exit cost about a microsecond,
// and a sendto(2) per packet was half of the service's CPU under load;
// the ring sends the same packets from the same per-call sockets (so
// symmetric RTP and NAT bindings are untouched) for about a third less
// (BenchmarkShardTickRing against BenchmarkShardTickSendto).
//
// Only the part of io_uring used here is written out: a ring set up with
// default flags, the single-mmap layout (kernel 5.4+), SENDMSG with
// MSG_DONTWAIT so a full socket buffer completes with EAGAIN at once
// instead of waiting, and completions read right after the enter call.
// Where io_uring is missing or forbidden (old kernel, seccomp,
// io_uring_disabled) newSendRing fails and the shard sends with sendto.

const (
	sysIOUringSetup = 425 // the same number on amd64 and arm64
	sysIOUringEnter = 426

	ioringOpSendmsg      = 9
	ioringEnterGetevents = 1 << 0
	ioringFeatSingleMmap = 1 << 0
	ioringOffSQRing      = 0
	ioringOffSQEs        = 0x10000000

	sqeSize = 64
	cqeSize = 16
)

// sendRingEntries is the submission queue size: a tick submits at most
// this many sends per enter call, and more calls take more calls.
const sendRingEntries = 512

type ioSQRingOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

type ioCQRingOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

// ioUringParams is struct io_uring_params.
type ioUringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sqOff                                                                  ioSQRingOffsets
	cqOff                                                                  ioCQRingOffsets
}

// ioUringSQE is struct io_uring_sqe as SENDMSG uses it.
type ioUringSQE struct {
	opcode      uint8
	flags       uint8
	ioprio      uint16
	fd          int32
	off         uint64
	addr        uint64
	len         uint32
	msgFlags    uint32
	userData    uint64
	bufIndex    uint16
	personality uint16
	spliceFdIn  int32
	addr3       uint64
	pad         uint64
}

// ioUringCQE is struct io_uring_cqe.
type ioUringCQE struct {
	userData uint64
	res      int32
	flags    uint32
}

// sendRing is one io_uring used by one shard goroutine at a time.
type sendRing struct {
	fd      int
	rings   []byte // SQ and CQ rings, one mapping
	sqes    []byte
	entries uint32

	sqHead, sqTail, sqMask *uint32
	sqArray                unsafe.Pointer
	cqHead, cqTail, cqMask *uint32
	cqes                   unsafe.Pointer

	queued uint32
}

// newSendRing sets up a ring with room for entries sends per submission.
func newSendRing(entries uint32) (*sendRing, error) {
	var p ioUringParams
	fd, _, e := syscall.Syscall(sysIOUringSetup, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if e != 0 {
		return nil, fmt.Errorf("io_uring_setup: %w", e)
	}
	r := &sendRing{fd: int(fd), entries: p.sqEntries}
	if p.features&ioringFeatSingleMmap == 0 {
		r.close()
		return nil, errors.New("io_uring: kernel without IORING_FEAT_SINGLE_MMAP (before 5.4)")
	}
	size := max(p.sqOff.array+p.sqEntries*4, p.cqOff.cqes+p.cqEntries*cqeSize)
	var err error
	r.rings, err = syscall.Mmap(r.fd, ioringOffSQRing, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		r.close()
		return nil, fmt.Errorf("io_uring rings mmap: %w", err)
	}
	r.sqes, err = syscall.Mmap(r.fd, ioringOffSQEs, int(p.sqEntries*sqeSize), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		r.close()
		return nil, fmt.Errorf("io_uring SQE mmap: %w", err)
	}
	base := unsafe.Pointer(&r.rings[0])
	at := func(off uint32) *uint32 { return (*uint32)(unsafe.Add(base, off)) }
	r.sqHead, r.sqTail, r.sqMask = at(p.sqOff.head), at(p.sqOff.tail), at(p.sqOff.ringMask)
	r.sqArray = unsafe.Add(base, p.sqOff.array)
	r.cqHead, r.cqTail, r.cqMask = at(p.cqOff.head), at(p.cqOff.tail), at(p.cqOff.ringMask)
	r.cqes = unsafe.Add(base, p.cqOff.cqes)
	return r, nil
}

// close unmaps the rings and closes the ring's descriptor.
func (r *sendRing) close() {
	if r.sqes != nil {
		syscall.Munmap(r.sqes) //nolint:errcheck // nothing to do about it
		r.sqes = nil
	}
	if r.rings != nil {
		syscall.Munmap(r.rings) //nolint:errcheck
		r.rings = nil
	}
	if r.fd >= 0 {
		syscall.Close(r.fd) //nolint:errcheck
		r.fd = -1
	}
}

// full reports whether the next queue call would not fit.
func (r *sendRing) full() bool { return r.queued >= r.entries }

// queue adds a sendmsg of msg on fd; msg and everything it points to must
// stay alive and unchanged, and fd open, until submit returns.
func (r *sendRing) queue(fd int, msg *syscall.Msghdr, userData uint64) {
	tail := atomic.LoadUint32(r.sqTail)
	idx := tail & *r.sqMask
	sqe := (*ioUringSQE)(unsafe.Pointer(&r.sqes[uintptr(idx)*sqeSize]))
	*sqe = ioUringSQE{
		opcode:   ioringOpSendmsg,
		fd:       int32(fd),
		addr:     uint64(uintptr(unsafe.Pointer(msg))),
		len:      1,
		msgFlags: syscall.MSG_DONTWAIT,
		userData: userData,
	}
	*(*uint32)(unsafe.Add(r.sqArray, uintptr(idx)*4)) = idx
	atomic.StoreUint32(r.sqTail, tail+1) // publishes the entry to the kernel
	r.queued++
}

// submit hands every queued send to the kernel and waits for all of them
// (each completes at once: MSG_DONTWAIT), then calls done with each
// send's user data and result (bytes sent, or -errno).
func (r *sendRing) submit(done func(userData uint64, res int32)) error {
	n := r.queued
	if n == 0 {
		return nil
	}
	r.queued = 0
	for {
		// RawSyscall: the sends complete inside the call (MSG_DONTWAIT),
		// so it never blocks; entering a scheduler syscall instead made
		// sysmon hand the P off on every tick (a tenth of the service's
		// CPU under load).
		_, _, e := syscall.RawSyscall6(sysIOUringEnter, uintptr(r.fd), uintptr(n), uintptr(n), ioringEnterGetevents, 0, 0)
		if e == syscall.EINTR {
			// Submitted or not, entries already consumed are not
			// submitted twice: retry only what the kernel left.
			n = atomic.LoadUint32(r.sqTail) - atomic.LoadUint32(r.sqHead)
			if n == 0 {
				break
			}
			continue
		}
		if e != 0 {
			r.reap(done)
			return fmt.Errorf("io_uring_enter: %w", e)
		}
		break
	}
	r.reap(done)
	return nil
}

// reap reads every completion waiting.
func (r *sendRing) reap(done func(userData uint64, res int32)) {
	head := atomic.LoadUint32(r.cqHead)
	tail := atomic.LoadUint32(r.cqTail)
	mask := *r.cqMask
	for ; head != tail; head++ {
		c := (*ioUringCQE)(unsafe.Add(r.cqes, uintptr(head&mask)*cqeSize))
		done(c.userData, c.res)
	}
	atomic.StoreUint32(r.cqHead, head)
}

// sendMsg is the sendmsg(2) header of a call's next packet, kept with the
// call so it stays put while the ring holds a pointer to it.
type sendMsg struct {
	hdr syscall.Msghdr
	iov syscall.Iovec
	sa  syscall.RawSockaddrInet6 // room for IPv4 and IPv6
}

// set points the header at pkt for to; v6 is the socket's family.
func (m *sendMsg) set(pkt []byte, to netip.AddrPort, v6 bool) bool {
	m.iov.Base = &pkt[0]
	m.iov.SetLen(len(pkt))
	m.hdr.Iov = &m.iov
	m.hdr.Iovlen = 1
	m.hdr.Name = (*byte)(unsafe.Pointer(&m.sa))
	if v6 {
		m.sa = syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Addr: to.Addr().As16()}
		m.hdr.Namelen = syscall.SizeofSockaddrInet6
	} else {
		a := to.Addr().Unmap()
		if !a.Is4() {
			return false
		}
		sa4 := (*syscall.RawSockaddrInet4)(unsafe.Pointer(&m.sa))
		*sa4 = syscall.RawSockaddrInet4{Family: syscall.AF_INET, Addr: a.As4()}
		m.hdr.Namelen = syscall.SizeofSockaddrInet4
	}
	binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&m.sa.Port))[:], to.Port())
	return true
}

// sendRingSupported reports whether io_uring can be set up here.
func sendRingSupported() error {
	r, err := newSendRing(1)
	if err != nil {
		return err
	}
	r.close()
	return nil
}

// noCompletion marks a queued send whose completion has not been read.
const noCompletion = -1 << 31

// tickRing sends one frame for every call in sh.scratch through the
// shard's ring. Each socket's read lock is held from queueing to
// completion, so a call hanging up meanwhile cannot close the descriptor
// (and a new socket reuse its number) under a queued send.
func (sh *shard) tickRing(skipped int) {
	for _, o := range sh.scratch {
		pkt, dest, ok := o.nextPacket(skipped)
		if !ok {
			continue
		}
		c := o.conn
		c.mu.RLock()
		if c.fd < 0 || !o.tx.set(pkt, dest, c.v6) {
			c.mu.RUnlock()
			o.sendErrs.Add(1) // closed under us, or an IPv6 peer on an IPv4 socket
			continue
		}
		if sh.ring.full() {
			sh.flushRing()
		}
		sh.ring.queue(c.fd, &o.tx.hdr, uint64(len(sh.queued)))
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
	err := sh.ring.submit(func(ud uint64, res int32) {
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
		sh.ring.close()
		sh.ring = nil
	}
}
