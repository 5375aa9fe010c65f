//go:build linux && (amd64 || arm64)

package sip

import (
	"encoding/binary"
	"net"
	"net/netip"
	"syscall"
	"time"
	"unsafe"
)

// pollBatch is how many datagrams one recvmmsg(2) takes from a call's
// socket: a caller sends one packet per 20 ms, so one call normally costs
// one syscall per tick, whatever it received.
const pollBatch = 4

// pollRounds bounds the batches read from one socket per tick, so a
// flooded socket cannot hold up the shard (the rest waits for the next
// tick, or is dropped by the kernel when the socket buffer is full).
const pollRounds = 4

// mmsghdr is struct mmsghdr of recvmmsg(2) on 64-bit Linux.
type mmsghdr struct {
	hdr syscall.Msghdr
	len uint32
	_   [4]byte
}

// oobSize holds one SCM_TIMESTAMPNS control message (cmsghdr 16 bytes +
// struct timespec 16 bytes).
const oobSize = 32

// rtpPoller reads a call's UDP socket without blocking, a batch at a time,
// with the kernel's arrival stamp of each datagram (SO_TIMESTAMPNS). Its
// buffers are allocated once per call.
type rtpPoller struct {
	rc     syscall.RawConn
	stamps bool
	hdrs   [pollBatch]mmsghdr
	iov    [pollBatch]syscall.Iovec
	names  [pollBatch]syscall.RawSockaddrInet6 // room for IPv4 and IPv6
	oob    [pollBatch][oobSize]byte
	bufs   [pollBatch][maxRTPPacket + 1]byte // one more to see oversized datagrams
	n      int
	errno  syscall.Errno
	recvFn func(fd uintptr) bool // p.recv, bound once (no allocation per read)
}

// newRTPPoller prepares non-blocking batched reads on c, or returns nil if
// the socket does not allow them.
func newRTPPoller(c *net.UDPConn) *rtpPoller {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil
	}
	p := &rtpPoller{rc: rc}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil {
		return nil
	}
	p.stamps = serr == nil
	for i := range p.hdrs {
		p.iov[i].Base = &p.bufs[i][0]
		p.iov[i].SetLen(len(p.bufs[i]))
		h := &p.hdrs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&p.names[i]))
		h.Iov = &p.iov[i]
		h.Iovlen = 1
		h.Control = &p.oob[i][0]
	}
	p.recvFn = p.recv
	return p
}

// recv runs one recvmmsg with MSG_DONTWAIT on fd. It always returns true:
// the runtime must never park the shard waiting for this socket.
func (p *rtpPoller) recv(fd uintptr) bool {
	for i := range p.hdrs {
		p.hdrs[i].hdr.Namelen = uint32(unsafe.Sizeof(p.names[i]))
		p.hdrs[i].hdr.SetControllen(oobSize)
		p.hdrs[i].hdr.Flags = 0
		p.hdrs[i].len = 0
	}
	n, _, e := syscall.Syscall6(syscall.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&p.hdrs[0])), pollBatch,
		syscall.MSG_DONTWAIT, 0, 0)
	p.n, p.errno = int(n), e
	if e != 0 {
		p.n = 0
	}
	return true
}

// drain hands every datagram waiting on the socket to handle, with its
// arrival time (the kernel's stamp, else now). It returns false once the
// socket is closed.
func (p *rtpPoller) drain(handle func(b []byte, from netip.AddrPort, at time.Time) bool, now time.Time) bool {
	for range pollRounds {
		if err := p.rc.Read(p.recvFn); err != nil {
			return false
		}
		for i := range p.n {
			at := now
			if p.stamps {
				if t, ok := cmsgTimestamp(p.oob[i][:min(int(p.hdrs[i].hdr.Controllen), oobSize)]); ok {
					at = t
				}
			}
			handle(p.bufs[i][:p.hdrs[i].len], sockaddrAP(&p.names[i]), at)
		}
		if p.n < pollBatch {
			return true
		}
	}
	return true
}

// cmsgTimestamp reads an SCM_TIMESTAMPNS control message (socket(7)).
func cmsgTimestamp(oob []byte) (time.Time, bool) {
	if len(oob) < oobSize {
		return time.Time{}, false
	}
	level := int32(binary.NativeEndian.Uint32(oob[8:12]))
	typ := int32(binary.NativeEndian.Uint32(oob[12:16]))
	if level != syscall.SOL_SOCKET || typ != syscall.SCM_TIMESTAMPNS {
		return time.Time{}, false
	}
	sec := int64(binary.NativeEndian.Uint64(oob[16:24]))
	nsec := int64(binary.NativeEndian.Uint64(oob[24:32]))
	return time.Unix(sec, nsec), true
}

// sockaddrAP converts the source address recvmmsg filled in.
func sockaddrAP(sa *syscall.RawSockaddrInet6) netip.AddrPort {
	port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:])
	switch sa.Family {
	case syscall.AF_INET:
		sa4 := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	case syscall.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), port)
	}
	return netip.AddrPort{}
}
