package simulator

import (
	"math"
	"time"

	"github.com/pion/rtp"
)

// maxGapFill is the largest hole (in packets) filled with silence in the
// recording when packets are lost.
const maxGapFill = 50

// RTPStats describes the RTP stream received from the service.
type RTPStats struct {
	Packets  int     // audio packets received
	Lost     int     // packets missing by sequence number (RFC 3550 §6.4.1 cumulative loss, never negative)
	JitterMS float64 // RFC 3550 §6.4.1 interarrival jitter estimate at the end, ms
	// Deviations is |D(i-1,i)| of every packet (RFC 3550 §6.4.1: the
	// difference between arrival spacing and timestamp spacing), in ms.
	Deviations []float64 `json:"-"`
}

// inStream consumes the service's RTP: decodes the chosen G.711 codec,
// keeps the audio, runs the activity detector and measures the stream. It
// reads no clock: arrival times are passed in.
type inStream struct {
	codec Codec
	pt    uint8
	vad   activity
	heard []int16
	keep  bool // keep the audio in heard
	stats RTPStats

	have        bool
	ssrc        uint32
	firstSeq    uint32 // extended
	maxSeq      uint32 // extended highest
	prevTS      uint32
	prevArrival time.Time
	jitter      float64 // in timestamp units
	frame       []int16
	lastTS      uint32    // media clock: timestamp of the latest packet
	lastMedia   time.Time // and its media time
}

func newInStream(codec Codec, pt uint8, hangover time.Duration) *inStream {
	return &inStream{codec: codec, pt: pt, vad: activity{hangover: hangover}, keep: true}
}

// packet feeds one datagram that was read at at; rx is the kernel's
// arrival stamp when known (zero otherwise) and is what jitter is measured
// from. Packets that are not RTP or not of the negotiated audio payload type
// are ignored.
func (s *inStream) packet(b []byte, at, rx time.Time) (vadEvent, bool) {
	if rx.IsZero() {
		rx = at
	}
	var p rtp.Packet
	if err := p.Unmarshal(b); err != nil || p.Version != 2 || p.PayloadType != s.pt {
		return s.vad.idle(at)
	}
	if !s.have || p.SSRC != s.ssrc {
		// RFC 3550 §6.4.1: a new source restarts the statistics.
		s.have, s.ssrc = true, p.SSRC
		s.firstSeq, s.maxSeq = uint32(p.SequenceNumber), uint32(p.SequenceNumber)
		s.prevTS, s.prevArrival = p.Timestamp, rx
	} else {
		ext := s.extend(p.SequenceNumber)
		if ext > s.maxSeq {
			if gap := int(ext - s.maxSeq - 1); s.keep && gap > 0 && gap <= maxGapFill {
				s.heard = append(s.heard, make([]int16, gap*samplesPerFrame)...)
			}
			s.maxSeq = ext
		}
		// RFC 3550 §6.4.1 and A.8: D = (Rj-Ri) - (Sj-Si), J += (|D|-J)/16.
		arrival := rx.Sub(s.prevArrival).Seconds() * 8000
		d := arrival - float64(int32(p.Timestamp-s.prevTS))
		s.jitter += (math.Abs(d) - s.jitter) / 16
		s.stats.Deviations = append(s.stats.Deviations, math.Abs(d)/8)
		s.prevTS, s.prevArrival = p.Timestamp, rx
	}
	s.stats.Packets++
	s.frame = s.codec.decode(s.frame[:0], p.Payload)
	if s.keep {
		s.heard = append(s.heard, s.frame...)
	}
	return s.vad.frame(s.frame, s.mediaTime(p.Timestamp, at))
}

// mediaTime places a packet on the sender's media clock (its RTP
// timestamp), anchored to the earliest arrival seen, so that a burst of
// packets read late (a busy receiver, a delayed path) keeps the silences
// between prompts that the service actually played. It never runs ahead of
// the arrival time.
func (s *inStream) mediaTime(ts uint32, at time.Time) time.Time {
	if s.lastMedia.IsZero() {
		s.lastTS, s.lastMedia = ts, at
		return at
	}
	d := int32(ts - s.lastTS)
	if d < -8000 || d > 60*8000 {
		// A new timestamp base (or a wild jump): start again from arrival.
		s.lastTS, s.lastMedia = ts, at
		return at
	}
	mt := s.lastMedia.Add(time.Duration(d) * time.Second / 8000)
	if mt.After(at) {
		mt = at
	}
	if d >= 0 {
		s.lastTS, s.lastMedia = ts, mt
	}
	return mt
}

// extend returns the extended sequence number nearest the highest seen.
func (s *inStream) extend(seq uint16) uint32 {
	cycles := s.maxSeq &^ 0xffff
	ext := cycles | uint32(seq)
	switch {
	case ext+0x8000 < s.maxSeq:
		ext += 0x10000
	case ext > s.maxSeq+0x8000 && ext >= 0x10000:
		ext -= 0x10000
	}
	return ext
}

// result returns the statistics so far.
func (s *inStream) result() RTPStats {
	st := s.stats
	if s.have {
		expected := int(s.maxSeq-s.firstSeq) + 1
		st.Lost = max(0, expected-st.Packets)
	}
	st.JitterMS = s.jitter / 8
	return st
}
