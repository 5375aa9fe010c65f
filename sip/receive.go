package sip

import (
	"net/netip"
	"time"

	"github.com/pion/rtp"
)

// maxRTPPacket is the largest RTP packet we accept; anything longer is
// dropped as oversized (a 20 ms G.711 packet is 172 bytes).
const maxRTPPacket = 1500

// ssrcQuiet is how long the latched SSRC must be silent before a new SSRC
// from the latched address is accepted (a media server switching streams).
const ssrcQuiet = time.Second

// dropReason says why an incoming RTP packet was dropped.
type dropReason uint8

const (
	dropNone dropReason = iota
	dropShort
	dropMalformed
	dropOversized
	dropWrongPT
	dropWrongSource
	dropSSRCChange
	dropReasons // count
)

var dropReasonNames = [...]string{"none", "short", "malformed", "oversized", "wrong_pt", "wrong_source", "ssrc_change"}

func (r dropReason) String() string {
	if int(r) < len(dropReasonNames) {
		return dropReasonNames[r]
	}
	return "unknown"
}

// packetKind is what an accepted packet carries.
type packetKind uint8

const (
	kindNone  packetKind = iota
	kindAudio            // G.711 payload of the negotiated type
	kindEvent            // RFC 4733 telephone-event
)

// verdict is the result of inspecting one incoming packet.
type verdict struct {
	kind    packetKind
	drop    dropReason
	latched bool // this packet latched the source: send our RTP to it now
	header  rtp.Header
	payload []byte // aliases the input buffer
}

// inbound is the pure receive-side state of one call: which payload types
// are acceptable, and the latched source address and SSRC (symmetric RTP,
// RFC 4961), so that a third party cannot take over the stream.
type inbound struct {
	audioPT uint8
	eventPT uint8
	events  bool
	// allowed, if not empty, are the IPs the first packet may come from:
	// the SDP c= address and the SIP signalling source (a NAT'd caller's
	// public address). Anyone else is a third party trying to take the
	// stream before the caller's first packet.
	allowed  []netip.Addr
	latched  bool
	src      netip.AddrPort
	ssrc     uint32
	lastSSRC time.Time // arrival of the last packet with ssrc
	drops    [dropReasons]uint64
	accepted uint64

	// Reception quality of the latched stream (RFC 3550 §6.4.1, A.1, A.8):
	// sequence numbers seen, and interarrival jitter of the audio packets.
	seqInit   bool
	baseSeq   uint32 // extended sequence number of the first packet
	maxSeq    uint32 // highest extended sequence number seen
	seqCount  uint64 // packets counted for loss (since baseSeq)
	jitInit   bool
	lastTrans int64 // arrival minus RTP timestamp, in samples, of the last audio packet
	jitter16  int64 // jitter in samples, times 16 (RFC 3550 A.8)
}

// sampleRate is the RTP clock of G.711 (RFC 3551 §4.5.14).
const sampleRate = 8000

// maxTransitStep is the largest change of transit time (in samples, 10 s)
// taken as jitter rather than a discontinuity.
const maxTransitStep = 10 * sampleRate

// track updates loss and jitter with one accepted packet.
func (in *inbound) track(h *rtp.Header, audio bool, now time.Time) {
	seq := uint32(h.SequenceNumber)
	if !in.seqInit {
		in.seqInit, in.baseSeq, in.maxSeq = true, seq, seq
	} else {
		// Extend to 32 bits around the highest seen (A.1).
		hi := in.maxSeq &^ 0xffff
		ext := hi | seq
		switch d := int32(ext - in.maxSeq); {
		case d < -0x8000:
			ext += 0x10000
		case d > 0x8000 && ext >= 0x10000:
			ext -= 0x10000
		}
		if int32(ext-in.maxSeq) > 0 {
			in.maxSeq = ext
		}
	}
	in.seqCount++
	if !audio {
		return
	}
	arrival := now.UnixNano() / (int64(time.Second) / sampleRate)
	transit := arrival - int64(h.Timestamp)
	if !in.jitInit {
		in.jitInit, in.lastTrans = true, transit
		return
	}
	d := transit - in.lastTrans
	in.lastTrans = transit
	// Timestamps wrap at 2^32: a step that large is a wrap, not jitter.
	d = int64(int32(d))
	if d < 0 {
		d = -d
	}
	if d > maxTransitStep {
		return // a timestamp discontinuity (a new stream, a clock jump), not jitter
	}
	in.jitter16 += d - ((in.jitter16 + 8) >> 4)
}

// quality returns packets expected and lost so far, and the jitter.
func (in *inbound) quality() (expected, lost uint64, jitter time.Duration) {
	if !in.seqInit {
		return 0, 0, 0
	}
	expected = uint64(in.maxSeq-in.baseSeq) + 1
	if expected > in.seqCount {
		lost = expected - in.seqCount
	}
	return expected, lost, time.Duration(in.jitter16) * time.Second / (16 * sampleRate)
}

func newInbound(m Media, allowed ...netip.Addr) *inbound {
	in := &inbound{audioPT: m.PayloadType, eventPT: m.EventPT, events: m.Events}
	for _, a := range allowed {
		if a.IsValid() && !a.IsUnspecified() {
			in.allowed = append(in.allowed, a.Unmap())
		}
	}
	return in
}

func (in *inbound) mayLatch(from netip.Addr) bool {
	if len(in.allowed) == 0 {
		return true
	}
	for _, a := range in.allowed {
		if a == from {
			return true
		}
	}
	return false
}

// handle inspects one datagram b from from, arriving at now. It never
// panics on any input and does no I/O.
func (in *inbound) handle(b []byte, from netip.AddrPort, now time.Time) verdict {
	var v verdict
	switch {
	case len(b) > maxRTPPacket:
		v.drop = dropOversized
	case len(b) < rtpHeaderSize:
		v.drop = dropShort
	}
	if v.drop != dropNone {
		in.drops[v.drop]++
		return v
	}
	n, err := v.header.Unmarshal(b)
	if err != nil || v.header.Version != 2 || n > len(b) {
		v.drop = dropMalformed
		in.drops[v.drop]++
		return v
	}
	payload := b[n:]
	if v.header.Padding {
		// RFC 3550 §5.1: the last octet counts the padding, itself included.
		if len(payload) == 0 || int(payload[len(payload)-1]) > len(payload) || payload[len(payload)-1] == 0 {
			v.drop = dropMalformed
			in.drops[v.drop]++
			return v
		}
		payload = payload[:len(payload)-int(payload[len(payload)-1])]
	}
	switch {
	case v.header.PayloadType == in.audioPT:
		v.kind = kindAudio
	case in.events && v.header.PayloadType == in.eventPT:
		v.kind = kindEvent
	default:
		v.drop = dropWrongPT
		in.drops[v.drop]++
		return v
	}
	if !in.latched {
		if !in.mayLatch(from.Addr().Unmap()) {
			v.kind, v.drop = kindNone, dropWrongSource
			in.drops[v.drop]++
			return v
		}
		in.latched, in.src, in.ssrc, in.lastSSRC = true, from, v.header.SSRC, now
		v.latched = true
	} else {
		if from != in.src {
			v.kind, v.drop = kindNone, dropWrongSource
			in.drops[v.drop]++
			return v
		}
		if v.header.SSRC != in.ssrc {
			if now.Sub(in.lastSSRC) < ssrcQuiet {
				v.kind, v.drop = kindNone, dropSSRCChange
				in.drops[v.drop]++
				return v
			}
			in.ssrc = v.header.SSRC
			in.seqInit, in.jitInit = false, false // a new stream: new numbering
		}
		in.lastSSRC = now
	}
	v.payload = payload
	in.accepted++
	in.track(&v.header, v.kind == kindAudio, now)
	return v
}
