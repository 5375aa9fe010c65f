package sip

import (
	"github.com/dezura/dezura/dtmf"
	"github.com/dezura/dezura/prompts"
	"github.com/pion/rtp"
	"github.com/zaf/g711"
)

// inbandDecoder decodes G.711 to linear PCM into 20 ms frames for the
// in-band detector, only while in-band detection runs. On the way it
//
//   - follows the RTP sequence numbers: a packet that never came is
//     given to the detector as lost (it holds its state across the gap
//     instead of hearing silence), a packet that comes after a later one
//     is dropped (its time was given as lost), a timestamp that jumps
//     with no packet missing (the caller stopped sending in silence) is
//     silence, and a new SSRC or numbering that jumps by more than 10 s
//     restarts both;
//   - cancels the echo of what the call sent (the outbound's log) from
//     what it hears before the detector sees it.
//
// It allocates nothing per packet.
type inbandDecoder struct {
	law  prompts.Law
	pcm  []int16 // the frame being gathered
	det  *dtmf.Detector
	echo *dtmf.EchoCanceller

	sent     [sentFrames][]byte       // payloads read from the outbound's log
	nextSent uint64                   // the next slot of the call's stream to give the canceller
	ref      [prompts.FrameSize]int16 // a sent payload, decoded

	started bool
	ssrc    uint32
	nextSeq uint16 // sequence number of the packet expected next
	nextTS  uint32 // its timestamp
	late    uint64 // packets dropped for coming after a later one
}

// Limits of what a gap in the stream stands for.
const (
	// maxGap is the most a gap in timestamps (or sequence numbers, in
	// 20 ms packets) is taken for; beyond it the stream restarted.
	maxGap = 10 * sampleRate
	// maxLate is how many packets behind the one expected a packet is
	// taken as late; further behind, the stream restarted.
	maxLate = 50
	// detectorGap is the most lost audio or silence the detector is
	// given: more than enough to end any key.
	detectorGap = 100 * sampleRate / 1000
)

func newInbandDecoder(law prompts.Law) *inbandDecoder {
	return &inbandDecoder{law: law, pcm: make([]int16, 0, prompts.FrameSize), det: dtmf.NewDetector(), echo: dtmf.NewEchoCanceller()}
}

// feed decodes the payload of the audio packet with header h, cancels the
// echo of what the call sent (out's log) and runs the detector on every
// full frame.
func (d *inbandDecoder) feed(out *outbound, h *rtp.Header, payload []byte, emit func(dtmf.Event)) {
	d.reference(out)
	if !d.follow(h, len(payload), emit) {
		return
	}
	for _, b := range payload {
		d.pcm = append(d.pcm, d.decode(b))
		if len(d.pcm) == prompts.FrameSize {
			d.process(emit)
		}
	}
}

func (d *inbandDecoder) decode(b byte) int16 {
	if d.law == prompts.Alaw {
		return g711.DecodeAlawFrame(b)
	}
	return g711.DecodeUlawFrame(b)
}

// process runs the canceller and the detector on the frame gathered.
func (d *inbandDecoder) process(emit func(dtmf.Event)) {
	d.echo.Cancel(d.pcm)
	if ev, ok := d.det.Process(d.pcm); ok {
		emit(ev)
	}
	d.pcm = d.pcm[:0]
}

// follow checks the packet's place in the stream (n samples long) and
// tells the canceller and the detector what came before it: lost packets
// or silence. It reports whether the packet is to be heard.
func (d *inbandDecoder) follow(h *rtp.Header, n int, emit func(dtmf.Event)) bool {
	seq, ts := h.SequenceNumber, h.Timestamp
	if d.started {
		missing := int(int16(seq - d.nextSeq))
		jump := int(int32(ts - d.nextTS))
		switch {
		case h.SSRC != d.ssrc || missing < -maxLate || missing > maxGap/prompts.FrameSize || jump < -maxGap || jump > maxGap:
			// A new stream, or the numbering jumped: where it stands
			// against what was sent is not known any more.
			d.restart(emit)
		case missing < 0:
			d.late++
			return false
		case missing > 0:
			// Lost packets: the timestamps say how long, else the packet
			// size does.
			lost := jump
			if lost <= 0 {
				lost = missing * n
			}
			d.lose(lost, emit)
		case jump > 0:
			d.silence(jump, emit)
		}
	}
	d.started, d.ssrc, d.nextSeq, d.nextTS = true, h.SSRC, seq+1, ts+uint32(n)
	return true
}

// restart is a break in the stream: any key ends, and the canceller starts
// again (it will find the echo again once the prompt plays).
func (d *inbandDecoder) restart(emit func(dtmf.Event)) {
	if len(d.pcm) > 0 {
		d.process(emit)
	}
	d.det.Lost(detectorGap)
	d.echo.Reset()
}

// lose tells the canceller and the detector that n samples were lost.
func (d *inbandDecoder) lose(n int, emit func(dtmf.Event)) {
	if len(d.pcm) > 0 {
		d.process(emit)
	}
	d.echo.Lost(n)
	d.det.Lost(min(n, detectorGap))
}

// silence gives the detector up to detectorGap of the n samples of silence
// the caller did not send; the canceller only moves on.
func (d *inbandDecoder) silence(n int, emit func(dtmf.Event)) {
	if len(d.pcm) > 0 {
		d.process(emit)
	}
	d.echo.Lost(n)
	var zero [prompts.FrameSize]int16
	for m := min(n, detectorGap); m > 0; m -= prompts.FrameSize {
		if ev, ok := d.det.Process(zero[:min(m, prompts.FrameSize)]); ok {
			emit(ev)
		}
	}
}

// reference gives the canceller what the call sent since the last packet.
func (d *inbandDecoder) reference(out *outbound) {
	from, n := out.sentSince(d.nextSent, &d.sent)
	if from > d.nextSent {
		d.echo.Silence(int(from-d.nextSent) * prompts.FrameSize) // no longer in the log
	}
	for _, p := range d.sent[:n] {
		if p == nil {
			d.echo.Silence(prompts.FrameSize)
			continue
		}
		for i, b := range p {
			d.ref[i] = d.decode(b)
		}
		d.echo.Reference(d.ref[:len(p)])
	}
	clear(d.sent[:n])
	d.nextSent = from + uint64(n)
}
