package sip

import "github.com/pion/rtp"

// stream numbers the packets of one outgoing RTP stream (RFC 3550 §5.1):
// one SSRC, a sequence number that goes up by one per packet sent from a
// random start, and a timestamp that counts samples from a random start,
// including the samples of frames that were skipped. It is pure.
type stream struct {
	ssrc  uint32
	seq0  uint16
	ts0   uint32
	sent  uint32 // packets sent
	slots uint32 // frames elapsed (sent + skipped)
}

// header returns the RTP header for the next packet and counts it. The
// marker bit is set on the first packet of the stream (RFC 3551 §4.1: the
// start of a talkspurt).
func (s *stream) header(pt uint8) rtp.Header {
	h := rtp.Header{
		Version:        2,
		Marker:         s.sent == 0,
		PayloadType:    pt,
		SequenceNumber: s.seq0 + uint16(s.sent),
		Timestamp:      s.ts0 + s.slots*SamplesPerFrame,
		SSRC:           s.ssrc,
	}
	s.sent++
	s.slots++
	return h
}

// skip advances the timestamp by n frames that were not sent.
func (s *stream) skip(n int) { s.slots += uint32(n) }
