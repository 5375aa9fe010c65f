//go:build linux && (amd64 || arm64)

package sip

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// recvBench is K call sockets and one sender on 127.0.0.1.
type recvBench struct {
	send  *net.UDPConn
	conns []*net.UDPConn // blocking reads
	raw   []*rtpConn     // polled reads
	dsts  []netip.AddrPort
	pkt   []byte
}

func newRecvBench(b *testing.B, k int, polled bool) *recvBench {
	b.Helper()
	rb := &recvBench{}
	var err error
	rb.send, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	for range k {
		if polled {
			c, err := listenRTP(netip.MustParseAddr("127.0.0.1"), 0)
			if err != nil {
				b.Fatal(err)
			}
			rb.raw = append(rb.raw, c)
			rb.dsts = append(rb.dsts, c.LocalAddr().(*net.UDPAddr).AddrPort())
			continue
		}
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		rb.conns = append(rb.conns, c)
		rb.dsts = append(rb.dsts, c.LocalAddr().(*net.UDPAddr).AddrPort())
	}
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 1}, Payload: make([]byte, 160)}
	rb.pkt, _ = p.Marshal()
	b.Cleanup(func() {
		rb.send.Close()
		for _, c := range rb.conns {
			c.Close()
		}
		for _, c := range rb.raw {
			c.Close()
		}
	})
	return rb
}

func (rb *recvBench) sendAll(b *testing.B, seq uint16) {
	rb.pkt[2], rb.pkt[3] = byte(seq>>8), byte(seq)
	for _, d := range rb.dsts {
		if _, err := rb.send.WriteToUDPAddrPort(rb.pkt, d); err != nil {
			b.Fatal(err)
		}
	}
}

const recvBenchCalls = 200

// processCPU is this process's user+system CPU time so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process CPU per packet since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU(b)-start)/float64(b.N)/recvBenchCalls, "cpu-ns/packet")
}

// BenchmarkReceiveSendOnly is the sender's share of the two benchmarks
// below: the same sends, read by nobody (the sockets' buffers overflow and
// the kernel drops the excess).
func BenchmarkReceiveSendOnly(b *testing.B) {
	rb := newRecvBench(b, recvBenchCalls, false)
	cpu0 := processCPU(b)
	for i := 0; b.Loop(); i++ {
		rb.sendAll(b, uint16(i))
	}
	reportCPU(b, cpu0)
}

// BenchmarkReceiveBlocking is the receive path of the first design: one
// goroutine per call blocked in a read, woken by the netpoller for every
// packet. One op is one packet sent to each of 200 calls and read by all.
func BenchmarkReceiveBlocking(b *testing.B) {
	rb := newRecvBench(b, recvBenchCalls, false)
	var got atomic.Int64
	var wg sync.WaitGroup
	for _, c := range rb.conns {
		wg.Go(func() {
			in := newInbound(Media{PayloadType: 0})
			buf := make([]byte, maxRTPPacket+1)
			for {
				n, from, err := c.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				in.handle(buf[:n], from, time.Now())
				got.Add(1)
			}
		})
	}
	b.ReportAllocs()
	want := int64(0)
	cpu0 := processCPU(b)
	for i := 0; b.Loop(); i++ {
		rb.sendAll(b, uint16(i))
		want += recvBenchCalls
		for got.Load() < want {
			time.Sleep(50 * time.Microsecond)
		}
	}
	reportCPU(b, cpu0)
	for _, c := range rb.conns {
		c.Close()
	}
	wg.Wait()
}

// BenchmarkReceivePolled is the receive path of the shard: after each
// tick one non-blocking recvmmsg per call socket (sockets outside the
// netpoller: no epoll event, no goroutine woken). One op is one packet
// sent to each of 200 calls and a poll of all.
func BenchmarkReceivePolled(b *testing.B) {
	rb := newRecvBench(b, recvBenchCalls, true)
	type rx struct {
		p  *rtpPoller
		in *inbound
	}
	var rxs []rx
	var got int64
	for _, c := range rb.raw {
		rxs = append(rxs, rx{newRTPPoller(c), newInbound(Media{PayloadType: 0})})
	}
	b.ReportAllocs()
	want := int64(0)
	cpu0 := processCPU(b)
	for i := 0; b.Loop(); i++ {
		rb.sendAll(b, uint16(i))
		want += recvBenchCalls
		for got < want {
			now := time.Now()
			for _, r := range rxs {
				r.p.drain(func(b []byte, from netip.AddrPort, at time.Time) bool {
					r.in.handle(b, from, at)
					got++
					return true
				}, now)
			}
		}
	}
	reportCPU(b, cpu0)
}
