//go:build linux && (amd64 || arm64)

package sip

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// rtpConn is a call's RTP socket. On Linux it is a plain non-blocking UDP
// socket that is not registered with Go's network poller: the scheduler
// shard sends on it and reads it once per 20 ms tick, so an arriving
// packet causes no epoll event and wakes no goroutine (with a net.UDPConn
// every datagram is an edge-triggered epoll event even when nobody waits).
// Reads and writes hold mu shared; Close holds it exclusively, so the file
// descriptor is never closed under a send and never reused by mistake.
type rtpConn struct {
	mu    sync.RWMutex
	fd    int // -1 once closed
	v6    bool
	local *net.UDPAddr
}

// listenRTP binds a UDP socket on ip:port (port 0: any) with kernel
// receive timestamps (SO_TIMESTAMPNS, socket(7)).
func listenRTP(ip netip.Addr, port int) (*rtpConn, error) {
	ip = ip.Unmap()
	family := syscall.AF_INET
	if ip.Is6() {
		family = syscall.AF_INET6
	}
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	var sa syscall.Sockaddr
	if family == syscall.AF_INET {
		sa = &syscall.SockaddrInet4{Port: port, Addr: ip.As4()}
	} else {
		sa = &syscall.SockaddrInet6{Port: port, Addr: ip.As16()}
	}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("bind %s: %w", netip.AddrPortFrom(ip, uint16(port)), err)
	}
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1) // without it, arrival is the poll time
	got, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("getsockname: %w", err)
	}
	c := &rtpConn{fd: fd, v6: family == syscall.AF_INET6}
	switch a := got.(type) {
	case *syscall.SockaddrInet4:
		c.local = &net.UDPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	case *syscall.SockaddrInet6:
		c.local = &net.UDPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	}
	return c, nil
}

// LocalAddr is the bound address, a *net.UDPAddr.
func (c *rtpConn) LocalAddr() net.Addr { return c.local }

// Close closes the socket once; later calls return net.ErrClosed.
func (c *rtpConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fd < 0 {
		return net.ErrClosed
	}
	err := syscall.Close(c.fd)
	c.fd = -1
	return err
}

// WriteToUDPAddrPort sends one datagram without blocking (a full socket
// buffer is an error, EAGAIN, counted by the caller). It allocates nothing.
func (c *rtpConn) WriteToUDPAddrPort(b []byte, to netip.AddrPort) (int, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.fd < 0 {
		return 0, net.ErrClosed
	}
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	var n uintptr
	var e syscall.Errno
	if c.v6 {
		var sa syscall.RawSockaddrInet6
		sa.Family = syscall.AF_INET6
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:], to.Port())
		sa.Addr = to.Addr().As16()
		n, _, e = syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(c.fd), uintptr(p), uintptr(len(b)), 0,
			uintptr(unsafe.Pointer(&sa)), unsafe.Sizeof(sa))
	} else {
		a := to.Addr().Unmap()
		if !a.Is4() {
			return 0, fmt.Errorf("sip: RTP to %s from an IPv4 socket: %w", to, syscall.EAFNOSUPPORT)
		}
		var sa syscall.RawSockaddrInet4
		sa.Family = syscall.AF_INET
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:], to.Port())
		sa.Addr = a.As4()
		n, _, e = syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(c.fd), uintptr(p), uintptr(len(b)), 0,
			uintptr(unsafe.Pointer(&sa)), unsafe.Sizeof(sa))
	}
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// pollBatch is how many datagrams one recvmmsg(2) takes from a call's
// socket: a caller sends one packet per 20 ms and the socket is read every
// pollEvery ticks, so one read normally takes all that arrived (the
// packets of pollEvery frames, or a few more with an RFC 4733 event's
// repeated end packets).
const pollBatch = 8

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

// rtpPoller reads a call's socket without blocking, a batch at a time,
// with the kernel's arrival stamp of each datagram. Its buffers are
// allocated once per call.
type rtpPoller struct {
	c     *rtpConn
	hdrs  [pollBatch]mmsghdr
	iov   [pollBatch]syscall.Iovec
	names [pollBatch]syscall.RawSockaddrInet6 // room for IPv4 and IPv6
	oob   [pollBatch][oobSize]byte
	bufs  [pollBatch][maxRTPPacket + 1]byte // one more to see oversized datagrams
}

// newRTPPoller prepares batched reads on c.
func newRTPPoller(c *rtpConn) *rtpPoller {
	p := &rtpPoller{c: c}
	for i := range p.hdrs {
		p.iov[i].Base = &p.bufs[i][0]
		p.iov[i].SetLen(len(p.bufs[i]))
		h := &p.hdrs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&p.names[i]))
		h.Iov = &p.iov[i]
		h.Iovlen = 1
		h.Control = &p.oob[i][0]
	}
	return p
}

// recv runs one recvmmsg with MSG_DONTWAIT; it returns the datagrams
// read, and false once the socket is closed.
func (p *rtpPoller) recv() (int, bool) {
	p.c.mu.RLock()
	defer p.c.mu.RUnlock()
	if p.c.fd < 0 {
		return 0, false
	}
	for i := range p.hdrs {
		p.hdrs[i].hdr.Namelen = uint32(unsafe.Sizeof(p.names[i]))
		p.hdrs[i].hdr.SetControllen(oobSize)
		p.hdrs[i].hdr.Flags = 0
		p.hdrs[i].len = 0
	}
	n, _, e := syscall.RawSyscall6(syscall.SYS_RECVMMSG, uintptr(p.c.fd), uintptr(unsafe.Pointer(&p.hdrs[0])), pollBatch,
		syscall.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		return 0, true // EAGAIN: nothing waiting (an ICMP error is nothing for us either)
	}
	return int(n), true
}

// drain hands every datagram waiting on the socket to handle, with its
// arrival time (the kernel's stamp, else now). It returns false once the
// socket is closed.
func (p *rtpPoller) drain(handle func(b []byte, from netip.AddrPort, at time.Time) bool, now time.Time) bool {
	for range pollRounds {
		n, open := p.recv()
		if !open {
			return false
		}
		for i := range n {
			at := now
			if t, ok := cmsgTimestamp(p.oob[i][:min(int(p.hdrs[i].hdr.Controllen), oobSize)]); ok {
				at = t
			}
			handle(p.bufs[i][:p.hdrs[i].len], sockaddrAP(&p.names[i]), at)
		}
		if n < pollBatch {
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

// readLoop hands the call's socket to its scheduler shard, which reads it
// once per tick (see pollLoop).
func (c *Call) readLoop(timeout time.Duration) {
	c.pollLoop(newRTPPoller(c.conn), timeout)
}
