package sip

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/dezura/dezura/dtmf"
	"github.com/dezura/dezura/prompts"
	"github.com/pion/rtp"
	"github.com/zaf/g711"
)

// encode is G.711 in law.
func encode(law prompts.Law, pcm []int16) []byte {
	out := make([]byte, len(pcm))
	for i, v := range pcm {
		if law == prompts.Alaw {
			out[i] = g711.EncodeAlawFrame(v)
		} else {
			out[i] = g711.EncodeUlawFrame(v)
		}
	}
	return out
}

// inbandPacket is one packet the caller sends: its place in the stream
// and its audio.
type inbandPacket struct {
	ssrc  uint32
	seq   uint16
	ts    uint32
	audio []int16
}

// packets cuts pcm into 20 ms packets numbered from 1000.
func packets(pcm []int16) []inbandPacket {
	var out []inbandPacket
	for i := 0; i*prompts.FrameSize < len(pcm); i++ {
		f := pcm[i*prompts.FrameSize : min(len(pcm), (i+1)*prompts.FrameSize)]
		out = append(out, inbandPacket{seq: uint16(1000 + i), ts: uint32(50000 + i*prompts.FrameSize), audio: f})
	}
	return out
}

// feedPackets runs packets through a decoder (nothing played) and returns
// the keys it finds.
func feedPackets(d *inbandDecoder, o *outbound, law prompts.Law, pkts []inbandPacket) string {
	var got strings.Builder
	for _, p := range pkts {
		h := rtp.Header{Version: 2, SSRC: p.ssrc, SequenceNumber: p.seq, Timestamp: p.ts}
		d.feed(o, &h, encode(law, p.audio), func(ev dtmf.Event) { got.WriteByte(ev.Key) })
	}
	return got.String()
}

// keyAudio is silence with key k sounding from fromMS for ms, at -10 dBm0,
// ending with 200 ms of silence.
func keyAudio(t *testing.T, totalMS int, presses ...[2]int) []int16 {
	t.Helper()
	pcm := make([]int16, 8*totalMS)
	for _, p := range presses {
		if err := dtmf.AddTone(pcm[8*p[0]:8*(p[0]+p[1])], '7', dtmf.ToneOptions{LowDBm0: -10, HighDBm0: -10}); err != nil {
			t.Fatal(err)
		}
	}
	return pcm
}

// TestInbandDecoderStream: the decoder tells the detector what the RTP
// sequence numbers and timestamps say happened between packets.
func TestInbandDecoderStream(t *testing.T) {
	tests := []struct {
		name string
		pcm  func(t *testing.T) []int16
		// edit changes the packets as the network delivers them.
		edit func(p []inbandPacket) []inbandPacket
		want string
		late uint64
	}{
		{
			name: "a 100 ms key",
			pcm:  func(t *testing.T) []int16 { return keyAudio(t, 400, [2]int{40, 100}) },
			edit: func(p []inbandPacket) []inbandPacket { return p },
			want: "7",
		},
		{
			// Heard as silence, the hole split the key in two.
			name: "a packet of it lost",
			pcm:  func(t *testing.T) []int16 { return keyAudio(t, 400, [2]int{40, 100}) },
			edit: func(p []inbandPacket) []inbandPacket { return append(p[:4:4], p[5:]...) },
			want: "7",
		},
		{
			name: "two packets of it lost",
			pcm:  func(t *testing.T) []int16 { return keyAudio(t, 400, [2]int{40, 120}) },
			edit: func(p []inbandPacket) []inbandPacket { return append(p[:4:4], p[6:]...) },
			want: "7",
		},
		{
			name: "a packet of it late",
			pcm:  func(t *testing.T) []int16 { return keyAudio(t, 400, [2]int{40, 100}) },
			edit: func(p []inbandPacket) []inbandPacket {
				q := append([]inbandPacket(nil), p...)
				q[4], q[5] = q[5], q[4]
				return q
			},
			want: "7",
			late: 1,
		},
		{
			// A caller that stops sending in silence: the timestamps
			// jump. Fed back to back, the two presses were one.
			name: "two presses with the pause not sent",
			pcm:  func(t *testing.T) []int16 { return keyAudio(t, 500, [2]int{40, 100}, [2]int{240, 100}) },
			edit: func(p []inbandPacket) []inbandPacket { return append(p[:7:7], p[12:]...) },
			want: "77",
		},
		{
			// A media server switching streams: new SSRC, numbering and
			// timestamps from elsewhere. Taken as late, the new stream
			// was dropped until its numbers caught up.
			name: "a new stream between two presses",
			pcm:  func(t *testing.T) []int16 { return keyAudio(t, 500, [2]int{40, 100}, [2]int{240, 100}) },
			edit: func(p []inbandPacket) []inbandPacket {
				q := append([]inbandPacket(nil), p...)
				for i := 10; i < len(q); i++ {
					q[i].ssrc, q[i].seq, q[i].ts = 99, uint16(7+i), uint32(1234+160*i)
				}
				return q
			},
			want: "77",
		},
		{
			name: "two presses, a packet of the pause lost",
			pcm:  func(t *testing.T) []int16 { return keyAudio(t, 500, [2]int{40, 100}, [2]int{200, 100}) },
			edit: func(p []inbandPacket) []inbandPacket { return append(p[:8:8], p[9:]...) },
			want: "77",
		},
	}
	for _, tt := range tests {
		for _, law := range []prompts.Law{prompts.Ulaw, prompts.Alaw} {
			d := newInbandDecoder(law)
			o := newOutbound(nil, law, 0, netip.AddrPort{}, stream{ssrc: 1})
			if got := feedPackets(d, o, law, tt.edit(packets(tt.pcm(t)))); got != tt.want || d.late != tt.late {
				t.Errorf("%s, %v: keys %q, %d late; want %q, %d", tt.name, law, got, d.late, tt.want, tt.late)
			}
		}
	}
}

// TestInbandDecoderEcho: a call plays the greeting and the ID prompt
// through the outbound; the caller's line returns what it hears 6 dB down
// and 100 ms late, with keys at -20 dBm0 pressed over the ID prompt and a
// few packets lost. The decoder cancels the echo (it reads what was sent
// from the outbound's log) and finds every key once; without the
// canceller the echo splits or hides some.
func TestInbandDecoderEcho(t *testing.T) {
	cat, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(61, 62))
	for _, lang := range []string{"ja", "en"} {
		clips, err := cat.Clips(lang, "greeting", "enter_id_long")
		if err != nil {
			t.Fatal(err)
		}
		for _, law := range []prompts.Law{prompts.Ulaw, prompts.Alaw} {
			got, want := echoCall(t, rng, law, clips, true)
			if got != want {
				t.Errorf("%s, %v: keys %q, want %q", lang, law, got, want)
			}
			if got, want := echoCall(t, rng, law, clips, false); got == want {
				t.Logf("%s, %v: the keys survived the echo without the canceller too", lang, law)
			}
		}
	}
}

// echoCall runs one call of TestInbandDecoderEcho: it returns the keys
// found and the keys pressed.
func echoCall(t *testing.T, rng *rand.Rand, law prompts.Law, clips []*prompts.Clip, cancel bool) (got, want string) {
	t.Helper()
	o := newOutbound(nil, law, 0, netip.AddrPort{}, stream{ssrc: 1})
	d := newInbandDecoder(law)
	o.setPlaylist(clips)
	total := 0
	for _, c := range clips {
		total += c.Frames()
	}
	keysFrom := clips[0].Frames() * prompts.FrameSize
	keys := make([]int16, (total+50)*prompts.FrameSize)
	var pressed []byte
	for at := keysFrom + 4000; at+8*300 < total*prompts.FrameSize; at += 8 * (220 + rng.IntN(100)) {
		k := "0123456789*#"[rng.IntN(12)]
		if err := dtmf.AddTone(keys[at:at+8*(100+rng.IntN(80))], k, dtmf.ToneOptions{LowDBm0: -20, HighDBm0: -20}); err != nil {
			t.Fatal(err)
		}
		pressed = append(pressed, k)
	}
	const delay = 5 // frames
	var sent [][]int16
	var found strings.Builder
	h := rtp.Header{Version: 2}
	for f := 0; f < total+50; f++ {
		payload, _, _ := o.nextFrame()
		o.frameSent()
		dec := make([]int16, prompts.FrameSize)
		for i, b := range payload {
			if law == prompts.Alaw {
				dec[i] = g711.DecodeAlawFrame(b)
			} else {
				dec[i] = g711.DecodeUlawFrame(b)
			}
		}
		sent = append(sent, dec)
		heard := make([]int16, prompts.FrameSize)
		for i := range heard {
			v := int32(keys[f*prompts.FrameSize+i])
			if f >= delay {
				v += int32(sent[f-delay][i]) / 2
			}
			heard[i] = int16(max(min(v, 32767), -32768))
		}
		h.SequenceNumber++
		h.Timestamp += prompts.FrameSize
		if f%37 == 20 {
			continue // lost
		}
		if !cancel {
			d.echo = dtmf.NewEchoCanceller() // never learns
		}
		d.feed(o, &h, encode(law, heard), func(ev dtmf.Event) { found.WriteByte(ev.Key) })
	}
	return found.String(), string(pressed)
}

// TestSentSince: the outbound's log gives the receiver what was sent, in
// order, silence and skipped slots as nil, and says where it lost track.
func TestSentSince(t *testing.T) {
	o := newOutbound(nil, prompts.Ulaw, 0, netip.AddrPort{}, stream{ssrc: 1})
	clip := &prompts.Clip{Ulaw: make([]byte, 3*prompts.FrameSize), Alaw: make([]byte, 3*prompts.FrameSize)}
	for i := range clip.Ulaw {
		clip.Ulaw[i] = 0x10 + byte(i/prompts.FrameSize)
	}
	o.setPlaylist([]*prompts.Clip{clip})
	var dst [sentFrames][]byte
	for range 5 {
		o.nextFrame()
	}
	from, n := o.sentSince(0, &dst)
	if from != 0 || n != 5 || dst[0][0] != 0x10 || dst[2][0] != 0x12 || dst[3] != nil || dst[4] != nil {
		t.Fatalf("after 5 frames: from %d, %d: %v", from, n, dst[:n])
	}
	o.logSkipped(2)
	o.nextFrame()
	if from, n = o.sentSince(5, &dst); from != 5 || n != 3 || dst[0] != nil || dst[1] != nil || dst[2] != nil {
		t.Fatalf("after 2 skipped: from %d, %d", from, n)
	}
	o.logSkipped(40)
	if from, n = o.sentSince(8, &dst); from != 48-sentFrames || n != sentFrames {
		t.Fatalf("after 40 skipped: from %d, %d; want %d, %d", from, n, 48-sentFrames, sentFrames)
	}
}

// FuzzInbandDecoder: any sequence of packets (sequence numbers, timestamps
// and sizes as a caller may send them), with anything sent meanwhile,
// goes through the decoder without a panic.
func FuzzInbandDecoder(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 0, 0, 160, 0, 2, 0, 0, 0, 160, 160, 0, 9, 0, 0, 8, 0, 80})
	f.Add([]byte{255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 1})
	clip := &prompts.Clip{Ulaw: make([]byte, 10*prompts.FrameSize), Alaw: make([]byte, 10*prompts.FrameSize)}
	for i := range clip.Ulaw {
		clip.Ulaw[i], clip.Alaw[i] = byte(i*7), byte(i*13)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, law := range []prompts.Law{prompts.Ulaw, prompts.Alaw} {
			d := newInbandDecoder(law)
			o := newOutbound(nil, law, 0, netip.AddrPort{}, stream{ssrc: 1})
			o.setPlaylist([]*prompts.Clip{clip})
			for x := b; len(x) >= 7; x = x[7:] {
				h := rtp.Header{SequenceNumber: uint16(x[0])<<8 | uint16(x[1]), Timestamp: uint32(x[2])<<24 | uint32(x[3])<<16 | uint32(x[4])<<8 | uint32(x[5])}
				for range x[6] % 4 {
					o.nextFrame()
				}
				if x[6]&0x80 != 0 {
					o.logSkipped(int(x[6] & 0x3f))
				}
				payload := make([]byte, int(x[6])*3)
				d.feed(o, &h, payload, func(dtmf.Event) {})
			}
		}
	})
}
