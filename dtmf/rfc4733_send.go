package dtmf

import (
	"fmt"
	"time"
)

// PacketSlot is the spacing of generated telephone-event packets: one per
// 20 ms, the usual audio packetisation (RFC 4733 §2.5.1.2 leaves the update
// interval to the sender).
const PacketSlot = 20 * time.Millisecond

// GeneratedPacket is one telephone-event RTP packet of a generated key press.
type GeneratedPacket struct {
	// Slot is when to send the packet, in PacketSlot units after the press
	// began (slot 0 is the start). Several packets may share a slot.
	Slot int
	// Timestamp is the RTP timestamp relative to the stream's timestamp at
	// the moment the press began: add it to that base.
	Timestamp uint32
	// Marker is the RTP marker bit (set on the first packet of the event,
	// RFC 4733 §2.5.1.1).
	Marker bool
	// Payload is the 4-byte telephone-event payload.
	Payload []byte
}

// SendOption changes how EventPackets builds a key press, to imitate the
// awkward senders and paths a receiver must survive.
type SendOption func(*sendConfig)

type sendConfig struct {
	noMarker    bool
	lose        int
	singleEnd   bool
	restampEnds bool
	volume      uint8
}

// WithoutMarker leaves the marker bit off the first packet.
func WithoutMarker() SendOption { return func(c *sendConfig) { c.noMarker = true } }

// WithLostFirst drops the first n packets (the start packet with the marker
// and the first updates), as a lossy path would.
func WithLostFirst(n int) SendOption { return func(c *sendConfig) { c.lose = n } }

// WithSingleEnd sends one end packet instead of the three of RFC 4733
// §2.5.1.4.
func WithSingleEnd() SendOption { return func(c *sendConfig) { c.singleEnd = true } }

// WithRetimestampedEnds gives every end packet the timestamp of its own send
// time instead of the event's timestamp, as some relays do; each end packet
// then carries a different timestamp.
func WithRetimestampedEnds() SendOption { return func(c *sendConfig) { c.restampEnds = true } }

// WithVolume sets the volume field (power in -dBm0, 0-63; default 10).
func WithVolume(v uint8) SendOption { return func(c *sendConfig) { c.volume = v & 0x3f } }

// EventPackets returns the telephone-event packets for one press of key
// lasting tone, for a stream with the given clock rate (0 means 8000),
// following RFC 4733 §2.5.1: a start packet with the marker bit and duration
// 0, an update every PacketSlot with the duration so far, then three end
// packets with the E bit, the same timestamp and the final duration, in
// consecutive slots. A press longer than 0xFFFF timestamp units (8.19 s at
// 8 kHz) is split into segments whose timestamps advance by 0xFFFF
// (§2.5.1.3); only the last segment is ended.
//
// The sender should keep sending audio for the slots in between and must not
// start another event before the last packet's slot has passed.
func EventPackets(key byte, tone time.Duration, clockRate uint32, opts ...SendOption) ([]GeneratedPacket, error) {
	code, ok := EventForKey(key)
	if !ok {
		return nil, fmt.Errorf("generate telephone-event for %q: %w", key, ErrUnknownKey)
	}
	if tone <= 0 {
		return nil, fmt.Errorf("generate telephone-event for %q: duration %v is not positive", key, tone)
	}
	if clockRate == 0 {
		clockRate = 8000
	}
	c := sendConfig{volume: 10}
	for _, o := range opts {
		o(&c)
	}
	perSlot := uint64(clockRate) * uint64(PacketSlot) / uint64(time.Second)
	total := uint64(clockRate) * uint64(tone) / uint64(time.Second)
	if total == 0 {
		total = 1
	}
	slots := int((total + perSlot - 1) / perSlot) // update packets after the start

	// segment returns the segment timestamp offset and the duration within
	// it for elapsed units; a packet exactly on a boundary closes the
	// earlier segment with 0xFFFF.
	segment := func(elapsed uint64) (uint32, uint16) {
		seg := elapsed / 0xFFFF
		within := elapsed - seg*0xFFFF
		if within == 0 && seg > 0 {
			seg--
			within = 0xFFFF
		}
		return uint32(seg * 0xFFFF), uint16(within)
	}

	var out []GeneratedPacket
	add := func(slot int, ts uint32, marker bool, te TelephoneEvent) {
		out = append(out, GeneratedPacket{Slot: slot, Timestamp: ts, Marker: marker, Payload: te.Marshal(make([]byte, 0, 4))})
	}
	for i := 0; i < slots; i++ {
		elapsed := uint64(i) * perSlot
		ts, d := segment(elapsed)
		add(i, ts, i == 0 && !c.noMarker, TelephoneEvent{Event: code, Volume: c.volume, Duration: d})
	}
	ends := 3
	if c.singleEnd {
		ends = 1
	}
	ts, d := segment(total)
	for j := 0; j < ends; j++ {
		slot := slots + j
		endTS := ts
		if c.restampEnds {
			endTS = uint32(uint64(slot) * perSlot)
		}
		add(slot, endTS, false, TelephoneEvent{Event: code, End: true, Volume: c.volume, Duration: d})
	}
	if c.lose > 0 {
		if c.lose >= len(out) {
			return nil, nil
		}
		out = out[c.lose:]
	}
	return out, nil
}
