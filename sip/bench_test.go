package sip

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/zaf/g711"

	"github.com/dezura/dezura/dtmf"
	"github.com/dezura/dezura/prompts"
)

func benchSockets(b *testing.B) (*rtpConn, netip.AddrPort) {
	b.Helper()
	send, err := listenRTP(netip.MustParseAddr("127.0.0.1"), 0)
	if err != nil {
		b.Fatal(err)
	}
	recv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { send.Close(); recv.Close() })
	return send, recv.LocalAddr().(*net.UDPAddr).AddrPort()
}

// BenchmarkSendPacket is the per-packet send path of one call: pick the
// next pre-encoded frame, build the RTP header into the call's buffer and
// write it to a UDP socket on 127.0.0.1.
func BenchmarkSendPacket(b *testing.B) {
	conn, dst := benchSockets(b)
	o := newOutbound(conn, prompts.Ulaw, 0, dst, stream{ssrc: 1})
	c := &prompts.Clip{Ulaw: make([]byte, 500*prompts.FrameSize), Alaw: make([]byte, 500*prompts.FrameSize)}
	clips := []*prompts.Clip{c}
	o.setPlaylist(clips)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%400 == 399 {
			b.StopTimer()
			o.setPlaylist(clips)
			b.StartTimer()
		}
		o.tick(0)
	}
	if o.sendErrs.Load() > 0 {
		b.Fatalf("%d send errors", o.sendErrs.Load())
	}
}

// BenchmarkBuildPacket is the packet building alone (no syscall).
func BenchmarkBuildPacket(b *testing.B) {
	o := newOutbound(nil, prompts.Ulaw, 0, netip.AddrPort{}, stream{ssrc: 1})
	payload := silenceFrame(prompts.Ulaw)
	b.ReportAllocs()
	for b.Loop() {
		_ = o.packet(payload)
	}
}

// BenchmarkShardTick1000 is one 20 ms tick of a shard carrying 1,000
// calls (1,000 sendto calls); ns/op over 20 ms is the share of one core
// the media of 1,000 calls takes.
func BenchmarkShardTick1000(b *testing.B) {
	conn, dst := benchSockets(b)
	sh := &shard{wake: make(chan struct{}, 1)}
	for i := range 1000 {
		sh.add(newOutbound(conn, prompts.Alaw, 8, dst, stream{ssrc: uint32(i)}))
	}
	b.ReportAllocs()
	for b.Loop() {
		sh.tick(0)
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(20*time.Millisecond)*100, "%core/1000calls")
}

// BenchmarkReceivePacket is the receive-side inspection of one packet.
func BenchmarkReceivePacket(b *testing.B) {
	in := newInbound(Media{PayloadType: 0, Events: true, EventPT: 101})
	pkt := rtpBytes(b, 0, 7, 1, make([]byte, 160))
	from := netip.MustParseAddrPort("127.0.0.1:4000")
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if v := in.handle(pkt, from, now); v.drop != dropNone {
			b.Fatal(v.drop)
		}
	}
}

// BenchmarkInbandFrame is the in-band path for one received 20 ms packet
// while the call plays nothing: G.711 decode into a reused buffer, the
// echo canceller (idle) and the Goertzel detector.
func BenchmarkInbandFrame(b *testing.B) {
	d := newInbandDecoder(prompts.Ulaw)
	o := newOutbound(nil, prompts.Ulaw, 0, netip.AddrPort{}, stream{ssrc: 1})
	payload := silenceFrame(prompts.Ulaw)
	h := rtp.Header{Version: 2, SSRC: 1}
	b.ReportAllocs()
	for b.Loop() {
		o.nextFrame()
		d.feed(o, &h, payload, func(dtmf.Event) {})
		h.SequenceNumber++
		h.Timestamp += prompts.FrameSize
	}
}

// BenchmarkInbandFrameEcho is the same while the call plays a prompt and
// the caller's line returns it 6 dB down and 100 ms late: the decode of
// what was sent, the echo canceller (found, cancelling) and the detector.
func BenchmarkInbandFrameEcho(b *testing.B) {
	cat, err := prompts.Load("")
	if err != nil {
		b.Fatal(err)
	}
	clip, err := cat.Clip("ja", "greeting")
	if err != nil {
		b.Fatal(err)
	}
	// The caller's line: the clip 6 dB down, 5 frames late.
	echo := make([]byte, len(clip.Ulaw))
	for i := range echo {
		v := int16(0)
		if i >= 5*prompts.FrameSize {
			v = g711.DecodeUlawFrame(clip.Ulaw[i-5*prompts.FrameSize]) / 2
		}
		echo[i] = g711.EncodeUlawFrame(v)
	}
	d := newInbandDecoder(prompts.Ulaw)
	o := newOutbound(nil, prompts.Ulaw, 0, netip.AddrPort{}, stream{ssrc: 1})
	h := rtp.Header{Version: 2, SSRC: 1}
	frames := clip.Frames()
	playlist := make([]*prompts.Clip, 100)
	for i := range playlist {
		playlist[i] = clip
	}
	o.setPlaylist(playlist)
	step := func(i int) {
		if o.current() == nil {
			b.StopTimer()
			o.setPlaylist(playlist)
			b.StartTimer()
		}
		o.nextFrame()
		o.frameSent()
		k := i % frames
		d.feed(o, &h, echo[k*prompts.FrameSize:(k+1)*prompts.FrameSize], func(dtmf.Event) {})
		h.SequenceNumber++
		h.Timestamp += prompts.FrameSize
	}
	for i := range 2 * frames {
		step(i)
	}
	if _, _, ok := d.echo.Echo(); !ok {
		b.Fatal("echo not found")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		step(i)
	}
}
