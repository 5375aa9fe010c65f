//go:build linux && (amd64 || arm64)

package uring_test

import (
	"bytes"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/dezura/dezura/sip/uring"
)

// sockFD returns c's descriptor (valid while c is open).
func sockFD(t *testing.T, c *net.UDPConn) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil {
		t.Fatal(err)
	}
	return fd
}

func newRing(t *testing.T, entries uint32) *uring.Ring {
	t.Helper()
	r, err := uring.New(entries)
	if err != nil {
		t.Fatalf("io_uring on this machine: %v (is /proc/sys/kernel/io_uring_disabled set?)", err)
	}
	t.Cleanup(r.Close)
	return r
}

// TestSendsFromEachSocket: datagrams queued on different sockets, more
// than the ring holds, arrive whole, from their own socket, and every
// completion reports the bytes sent with the user data it was queued with.
func TestSendsFromEachSocket(t *testing.T) {
	for _, network := range []string{"udp4", "udp6"} {
		t.Run(network, func(t *testing.T) {
			ip := net.IPv4(127, 0, 0, 1)
			if network == "udp6" {
				ip = net.IPv6loopback
			}
			const n = 40
			r := newRing(t, 16) // smaller than n: submitted in several batches
			srcs := make([]*net.UDPConn, n)
			dsts := make([]*net.UDPConn, n)
			msgs := make([]uring.Msg, n)
			pkts := make([][]byte, n)
			for i := range n {
				var err error
				if srcs[i], err = net.ListenUDP(network, &net.UDPAddr{IP: ip}); err != nil {
					t.Fatalf("%s loopback: %v", network, err)
				}
				if dsts[i], err = net.ListenUDP(network, &net.UDPAddr{IP: ip}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { srcs[i].Close(); dsts[i].Close() })
				pkts[i] = bytes.Repeat([]byte{byte(i)}, 100+i)
			}
			got := map[uint64]int32{}
			for i := range n {
				if r.Full() {
					if err := r.Submit(func(ud uint64, res int32) { got[ud] = res }); err != nil {
						t.Fatal(err)
					}
				}
				to := dsts[i].LocalAddr().(*net.UDPAddr).AddrPort()
				if !msgs[i].Set(pkts[i], to, network == "udp6") {
					t.Fatalf("Set(%s) refused", to)
				}
				r.Queue(sockFD(t, srcs[i]), &msgs[i], uint64(i))
			}
			if err := r.Submit(func(ud uint64, res int32) { got[ud] = res }); err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("%d completions, want %d", len(got), n)
			}
			buf := make([]byte, 2000)
			for i := range n {
				if got[uint64(i)] != int32(len(pkts[i])) {
					t.Errorf("send %d: result %d, want %d", i, got[uint64(i)], len(pkts[i]))
				}
				dsts[i].SetReadDeadline(time.Now().Add(2 * time.Second)) //nolint:errcheck
				m, from, err := dsts[i].ReadFromUDPAddrPort(buf)
				if err != nil {
					t.Fatalf("receiver %d: %v", i, err)
				}
				if want := srcs[i].LocalAddr().(*net.UDPAddr).AddrPort(); netip.AddrPortFrom(from.Addr().Unmap(), from.Port()) != netip.AddrPortFrom(want.Addr().Unmap(), want.Port()) {
					t.Errorf("receiver %d: from %s, want %s", i, from, want)
				}
				if !bytes.Equal(buf[:m], pkts[i]) {
					t.Errorf("receiver %d: %d bytes, not what was sent", i, m)
				}
			}
		})
	}
}

// TestErrorsComeBackPerSend: a send on a closed descriptor and one to an
// IPv6 address from an IPv4 socket fail on their own; the others go.
func TestErrorsComeBackPerSend(t *testing.T) {
	r := newRing(t, 8)
	src, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	dst, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	defer dst.Close()
	var m uring.Msg
	if m.Set([]byte("x"), netip.MustParseAddrPort("[2001:db8::1]:5004"), false) {
		t.Fatal("Set took an IPv6 destination for an IPv4 socket")
	}
	dead, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Close(dead) // its number now names nothing
	var ok, bad uring.Msg
	to := dst.LocalAddr().(*net.UDPAddr).AddrPort()
	ok.Set([]byte("hello"), to, false)
	bad.Set([]byte("hello"), to, false)
	r.Queue(dead, &bad, 1)
	r.Queue(sockFD(t, src), &ok, 2)
	got := map[uint64]int32{}
	if err := r.Submit(func(ud uint64, res int32) { got[ud] = res }); err != nil {
		t.Fatal(err)
	}
	if got[1] != -int32(syscall.EBADF) || got[2] != 5 {
		t.Fatalf("results %v, want 1: -EBADF (%d), 2: 5", got, -int32(syscall.EBADF))
	}
}

// TestRecvTakesWaitingDatagrams: receives queued with sends in one
// submission take the datagrams waiting (source, bytes and the kernel's
// arrival stamp) and complete with -EAGAIN on an empty socket.
func TestRecvTakesWaitingDatagrams(t *testing.T) {
	r := newRing(t, 8)
	a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	if err := syscall.SetsockoptInt(sockFD(t, b), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	for _, p := range []string{"one", "two!"} {
		if _, err := a.WriteToUDPAddrPort([]byte(p), b.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(10 * time.Millisecond) // loopback delivery is synchronous; this is margin
	msgs := make([]uring.RecvMsg, 3)
	for i := range msgs {
		msgs[i].Buf = make([]byte, 3) // "two!" is cut
		r.QueueRecv(sockFD(t, b), &msgs[i], uint64(i))
	}
	got := map[uint64]int32{}
	if err := r.Submit(func(ud uint64, res int32) { got[ud] = res }); err != nil {
		t.Fatal(err)
	}
	if got[0] != 3 || got[1] != 3 || got[2] != -int32(syscall.EAGAIN) {
		t.Fatalf("results %v, want 3 (one), 3 (two! cut), -EAGAIN", got)
	}
	if string(msgs[0].Buf[:got[0]]) != "one" || msgs[0].Truncated() || !msgs[1].Truncated() {
		t.Errorf("first %q truncated %v, second truncated %v", msgs[0].Buf[:got[0]], msgs[0].Truncated(), msgs[1].Truncated())
	}
	if from, want := msgs[0].From(), a.LocalAddr().(*net.UDPAddr).AddrPort(); from != want {
		t.Errorf("from %s, want %s", from, want)
	}
	at, ok := msgs[0].Stamp()
	if !ok || at.Before(before.Add(-time.Second)) || at.After(time.Now()) {
		t.Errorf("arrival stamp %v (%v), want between %v and now", at, ok, before)
	}
}
