//go:build linux && (amd64 || arm64)

// Package uring sends and receives UDP datagrams in batches through
// io_uring(7): one IORING_OP_SENDMSG or IORING_OP_RECVMSG entry per
// datagram, each on its own socket, and one io_uring_enter(2) that submits
// them all and collects their completions.
// dezura's media loop and the load generator send one packet per call
// every 20 ms; on a virtual machine where a syscall's entry and exit cost
// about a microsecond, a sendto(2) per packet was half of the service's
// CPU, and the ring sends the same packets from the same sockets (so
// symmetric RTP and NAT bindings are untouched) for a third of that
// (sip's BenchmarkShardTick500).
//
// Only the part of io_uring needed is written out: a ring set up with
// default flags, the single-mmap layout (kernel 5.4+), SENDMSG with
// MSG_DONTWAIT so a full socket buffer completes with EAGAIN at once
// instead of waiting, and completions read right after the enter call.
// No io_uring module is served by this project's module proxy, and these
// few calls are all that is needed. Where io_uring is missing or forbidden
// (old kernel, seccomp, io_uring_disabled) New fails and callers send
// with sendto.
package uring

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

const (
	sysIOUringSetup = 425 // the same number on amd64 and arm64
	sysIOUringEnter = 426

	ioringOpSendmsg      = 9
	ioringOpRecvmsg      = 10
	ioringEnterGetevents = 1 << 0
	ioringFeatSingleMmap = 1 << 0
	ioringOffSQRing      = 0
	ioringOffSQEs        = 0x10000000

	sqeSize = 64
	cqeSize = 16
)

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

// Ring is one io_uring for UDP sends. It is not safe for concurrent use:
// one goroutine queues, submits and reads completions.
type Ring struct {
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

// New sets up a ring with room for entries sends per submission (the
// kernel rounds up to a power of two).
func New(entries uint32) (*Ring, error) {
	var p ioUringParams
	fd, _, e := syscall.Syscall(sysIOUringSetup, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if e != 0 {
		return nil, fmt.Errorf("io_uring_setup: %w", e)
	}
	r := &Ring{fd: int(fd), entries: p.sqEntries}
	if p.features&ioringFeatSingleMmap == 0 {
		r.Close()
		return nil, errors.New("io_uring: kernel without IORING_FEAT_SINGLE_MMAP (before 5.4)")
	}
	size := max(p.sqOff.array+p.sqEntries*4, p.cqOff.cqes+p.cqEntries*cqeSize)
	var err error
	r.rings, err = syscall.Mmap(r.fd, ioringOffSQRing, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("io_uring rings mmap: %w", err)
	}
	r.sqes, err = syscall.Mmap(r.fd, ioringOffSQEs, int(p.sqEntries*sqeSize), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		r.Close()
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

// Close unmaps the rings and closes the ring's descriptor; it may be
// called more than once.
func (r *Ring) Close() {
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

// Full reports whether the next Queue would not fit: Submit first.
func (r *Ring) Full() bool { return r.queued >= r.entries }

// Queue adds a sendmsg of m on fd; m and the packet it points to must
// stay alive and unchanged, and fd open, until Submit returns.
func (r *Ring) Queue(fd int, m *Msg, userData uint64) {
	r.push(ioringOpSendmsg, fd, &m.hdr, userData)
}

// QueueRecv adds a recvmsg into m on fd that takes one datagram if one is
// waiting and completes with -EAGAIN if not; m must stay alive, and fd
// open, until Submit returns.
func (r *Ring) QueueRecv(fd int, m *RecvMsg, userData uint64) {
	m.reset()
	r.push(ioringOpRecvmsg, fd, &m.hdr, userData)
}

// push fills the next submission entry. MSG_DONTWAIT: the operation
// completes inside io_uring_enter, never parked waiting for the socket.
func (r *Ring) push(op uint8, fd int, hdr *syscall.Msghdr, userData uint64) {
	tail := atomic.LoadUint32(r.sqTail)
	idx := tail & *r.sqMask
	sqe := (*ioUringSQE)(unsafe.Pointer(&r.sqes[uintptr(idx)*sqeSize]))
	*sqe = ioUringSQE{
		opcode:   op,
		fd:       int32(fd),
		addr:     uint64(uintptr(unsafe.Pointer(hdr))),
		len:      1,
		msgFlags: syscall.MSG_DONTWAIT,
		userData: userData,
	}
	*(*uint32)(unsafe.Add(r.sqArray, uintptr(idx)*4)) = idx
	atomic.StoreUint32(r.sqTail, tail+1) // publishes the entry to the kernel
	r.queued++
}

// Submit hands every queued send to the kernel and waits for all of them
// (each completes at once: MSG_DONTWAIT), then calls done with each
// send's user data and result (bytes sent, or -errno). After an error the
// ring should not be used again.
func (r *Ring) Submit(done func(userData uint64, res int32)) error {
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
func (r *Ring) reap(done func(userData uint64, res int32)) {
	head := atomic.LoadUint32(r.cqHead)
	tail := atomic.LoadUint32(r.cqTail)
	mask := *r.cqMask
	for ; head != tail; head++ {
		c := (*ioUringCQE)(unsafe.Add(r.cqes, uintptr(head&mask)*cqeSize))
		done(c.userData, c.res)
	}
	atomic.StoreUint32(r.cqHead, head)
}

// Msg is the sendmsg(2) header of one packet, kept by its sender so it
// stays put while the ring holds a pointer to it.
type Msg struct {
	hdr syscall.Msghdr
	iov syscall.Iovec
	sa  syscall.RawSockaddrInet6 // room for IPv4 and IPv6
}

// Set points the header at pkt (not empty) for to; v6 is the socket's
// family. It reports false for an IPv6 destination on an IPv4 socket.
func (m *Msg) Set(pkt []byte, to netip.AddrPort, v6 bool) bool {
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

// Supported reports whether a ring can be set up here (nil) or why not.
func Supported() error {
	r, err := New(1)
	if err != nil {
		return err
	}
	r.Close()
	return nil
}

// RecvMsg is the recvmsg(2) header and buffers for one datagram, with its
// source address and, when the socket has SO_TIMESTAMPNS on, the kernel's
// arrival stamp. Buf is the datagram buffer (set it before the first
// QueueRecv; a datagram longer than Buf is cut, see Truncated).
type RecvMsg struct {
	Buf []byte

	hdr syscall.Msghdr
	iov syscall.Iovec
	sa  syscall.RawSockaddrInet6
	oob [oobSize]byte
}

// oobSize holds one SCM_TIMESTAMPNS control message (cmsghdr 16 bytes +
// struct timespec 16 bytes).
const oobSize = 32

func (m *RecvMsg) reset() {
	m.iov.Base = &m.Buf[0]
	m.iov.SetLen(len(m.Buf))
	m.hdr.Iov = &m.iov
	m.hdr.Iovlen = 1
	m.hdr.Name = (*byte)(unsafe.Pointer(&m.sa))
	m.hdr.Namelen = syscall.SizeofSockaddrInet6
	m.hdr.Control = &m.oob[0]
	m.hdr.SetControllen(oobSize)
	m.hdr.Flags = 0
}

// From is the source of the datagram received.
func (m *RecvMsg) From() netip.AddrPort {
	port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&m.sa.Port))[:])
	switch m.sa.Family {
	case syscall.AF_INET:
		sa4 := (*syscall.RawSockaddrInet4)(unsafe.Pointer(&m.sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	case syscall.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16(m.sa.Addr), port)
	}
	return netip.AddrPort{}
}

// Truncated reports whether the datagram was longer than Buf.
func (m *RecvMsg) Truncated() bool { return m.hdr.Flags&syscall.MSG_TRUNC != 0 }

// Stamp is the kernel's arrival time of the datagram (SCM_TIMESTAMPNS),
// if the socket asked for it.
func (m *RecvMsg) Stamp() (time.Time, bool) {
	if m.hdr.Controllen < oobSize {
		return time.Time{}, false
	}
	level := int32(binary.NativeEndian.Uint32(m.oob[8:12]))
	typ := int32(binary.NativeEndian.Uint32(m.oob[12:16]))
	if level != syscall.SOL_SOCKET || typ != syscall.SCM_TIMESTAMPNS {
		return time.Time{}, false
	}
	sec := int64(binary.NativeEndian.Uint64(m.oob[16:24]))
	nsec := int64(binary.NativeEndian.Uint64(m.oob[24:32]))
	return time.Unix(sec, nsec), true
}
