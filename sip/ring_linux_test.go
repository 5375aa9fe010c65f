//go:build linux && (amd64 || arm64)

package sip

import (
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/dezura/dezura/prompts"
	"github.com/dezura/dezura/sip/uring"
	"github.com/pion/rtp"
)

// mustRing sets up a send ring; io_uring is part of every kernel this
// service targets, so a failure is a failure, except where an operator
// has switched it off (io_uring_disabled), which the test names.
func mustRing(t testing.TB) *uring.Ring {
	t.Helper()
	r, err := uring.New(sendRingEntries)
	if err != nil {
		t.Fatalf("io_uring send ring on this machine: %v (is /proc/sys/kernel/io_uring_disabled set?)", err)
	}
	t.Cleanup(r.Close)
	return r
}

// ringCalls makes n calls, each with its own RTP socket sending to its own
// receiver on 127.0.0.1, on shard sh.
func ringCalls(t testing.TB, sh *shard, n int) ([]*outbound, []*net.UDPConn) {
	t.Helper()
	var outs []*outbound
	var rcvs []*net.UDPConn
	for i := range n {
		conn, err := listenRTP(netip.MustParseAddr("127.0.0.1"), 0)
		if err != nil {
			t.Fatal(err)
		}
		rcv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(); rcv.Close() })
		o := newOutbound(conn, prompts.Ulaw, 0, rcv.LocalAddr().(*net.UDPAddr).AddrPort(), stream{ssrc: uint32(1000 + i)})
		sh.add(o)
		outs = append(outs, o)
		rcvs = append(rcvs, rcv)
	}
	return outs, rcvs
}

// TestSendRingDeliversEveryCallsFrames: three ticks through the ring put
// three packets, in order and from the call's own socket, at each of 600
// receivers (more than one submission's worth), and count them as sent.
func TestSendRingDeliversEveryCallsFrames(t *testing.T) {
	sh := &shard{wake: make(chan struct{}, 1)}
	sh.ring = mustRing(t)
	const calls = 600 // > sendRingEntries: the tick submits more than once
	outs, rcvs := ringCalls(t, sh, calls)
	for range 3 {
		sh.tick(0)
	}
	if sh.ring == nil {
		t.Fatalf("the ring failed during the ticks (%d errors)", sh.ringErrors.Load())
	}
	buf := make([]byte, 1500)
	for i, rcv := range rcvs {
		want := outs[i].conn.LocalAddr().(*net.UDPAddr).AddrPort()
		var seqs []uint16
		for range 3 {
			if err := rcv.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
				t.Fatal(err)
			}
			n, from, err := rcv.ReadFromUDPAddrPort(buf)
			if err != nil {
				t.Fatalf("call %d: packet %d: %v", i, len(seqs)+1, err)
			}
			if from != want {
				t.Fatalf("call %d: packet from %s, want the call's own socket %s", i, from, want)
			}
			var p rtp.Packet
			if err := p.Unmarshal(buf[:n]); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
			if p.SSRC != uint32(1000+i) || len(p.Payload) != prompts.FrameSize {
				t.Fatalf("call %d: SSRC %d, %d bytes of payload", i, p.SSRC, len(p.Payload))
			}
			seqs = append(seqs, p.SequenceNumber)
		}
		if seqs[1] != seqs[0]+1 || seqs[2] != seqs[1]+1 {
			t.Fatalf("call %d: sequence numbers %v", i, seqs)
		}
		if s, e := outs[i].sent.Load(), outs[i].sendErrs.Load(); s != 3 || e != 0 {
			t.Fatalf("call %d: sent %d, errors %d; want 3, 0", i, s, e)
		}
	}
}

// TestSendRingClosedSocketCounted: a call whose socket is closed before a
// tick is counted as a send error, and the other calls still send.
func TestSendRingClosedSocketCounted(t *testing.T) {
	sh := &shard{wake: make(chan struct{}, 1)}
	sh.ring = mustRing(t)
	outs, _ := ringCalls(t, sh, 3)
	outs[1].conn.Close()
	sh.tick(0)
	if got := [3]uint64{outs[0].sent.Load(), outs[1].sent.Load(), outs[2].sent.Load()}; got != [3]uint64{1, 0, 1} {
		t.Fatalf("sent per call %v, want [1 0 1]", got)
	}
	if e := outs[1].sendErrs.Load(); e != 1 {
		t.Fatalf("closed call: %d send errors, want 1", e)
	}
}

// TestSendRingHangupsDuringTicks closes sockets while the shard ticks
// (run with -race): every frame is either sent or counted as an error, and
// nothing is sent on a descriptor after its socket closed.
func TestSendRingHangupsDuringTicks(t *testing.T) {
	sh := &shard{wake: make(chan struct{}, 1)}
	sh.ring = mustRing(t)
	outs, _ := ringCalls(t, sh, 200)
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, o := range outs[:100] {
			o.conn.Close()
			time.Sleep(50 * time.Microsecond)
		}
	})
	const ticks = 50
	for range ticks {
		sh.tick(0)
	}
	wg.Wait()
	for i, o := range outs {
		if got := o.sent.Load() + o.sendErrs.Load(); got != ticks {
			t.Fatalf("call %d: %d sent + %d errors, want %d frames accounted for", i, o.sent.Load(), o.sendErrs.Load(), ticks)
		}
		if i >= 100 && o.sendErrs.Load() != 0 {
			t.Fatalf("call %d (socket open): %d send errors", i, o.sendErrs.Load())
		}
	}
}

// BenchmarkShardTick500 is one 20 ms tick of a shard carrying 500 calls,
// each on its own socket as in service, sending with one sendto per
// packet and through the io_uring send ring. ns/op over 20 ms is the share
// of one core the media of 500 calls takes.
func BenchmarkShardTick500(b *testing.B) {
	for _, mode := range []string{"sendto", "io_uring"} {
		b.Run(mode, func(b *testing.B) {
			sh := &shard{wake: make(chan struct{}, 1)}
			if mode == "io_uring" {
				sh.ring = mustRing(b)
			}
			_, rcvs := ringCalls(b, sh, 500)
			buf := make([]byte, 1500)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				sh.tick(0)
				if i%64 == 63 { // keep the receivers' queues from filling
					b.StopTimer()
					for _, r := range rcvs {
						r.SetReadDeadline(time.Now()) //nolint:errcheck
						for {
							if _, _, err := r.ReadFromUDPAddrPort(buf); err != nil {
								break
							}
						}
					}
					b.StartTimer()
				}
			}
			if sh.ring == nil && mode == "io_uring" {
				b.Fatal("ring failed")
			}
			b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(20*time.Millisecond)*100, "%core/500calls")
		})
	}
}
