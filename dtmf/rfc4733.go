package dtmf

import (
	"errors"
	"time"
)

// ErrShortPayload is returned for a telephone-event payload under 4 bytes.
var ErrShortPayload = errors.New("dtmf: telephone-event payload shorter than 4 bytes")

// TelephoneEvent is the RFC 4733 §2.3 payload.
type TelephoneEvent struct {
	Event    uint8  // 0-9, 10 '*', 11 '#', 12-15 A-D
	End      bool   // E bit
	Volume   uint8  // 6 bits, -dBm0
	Duration uint16 // in timestamp units
}

// Unmarshal parses a payload. STUB: replaced by the dtmf owner.
func (e *TelephoneEvent) Unmarshal(b []byte) error {
	if len(b) < 4 {
		return ErrShortPayload
	}
	e.Event = b[0]
	e.End = b[1]&0x80 != 0
	e.Volume = b[1] & 0x3f
	e.Duration = uint16(b[2])<<8 | uint16(b[3])
	return nil
}

// Marshal appends the 4-byte payload to dst.
func (e TelephoneEvent) Marshal(dst []byte) []byte {
	b1 := e.Volume & 0x3f
	if e.End {
		b1 |= 0x80
	}
	return append(dst, e.Event, b1, byte(e.Duration>>8), byte(e.Duration))
}

const keys = "0123456789*#ABCD"

// KeyForEvent maps an RFC 4733 event code to a key.
func KeyForEvent(ev uint8) (byte, bool) {
	if int(ev) < len(keys) {
		return keys[ev], true
	}
	return 0, false
}

// EventForKey maps a key to its RFC 4733 event code.
func EventForKey(k byte) (uint8, bool) {
	for i := 0; i < len(keys); i++ {
		if keys[i] == k {
			return uint8(i), true
		}
	}
	return 0, false
}

// Packet is what the RFC 4733 receiver needs of one RTP packet carrying
// telephone-event payload.
type Packet struct {
	SSRC      uint32
	Seq       uint16
	Timestamp uint32
	Marker    bool
	Payload   []byte
	Arrival   time.Time
}

// Receiver turns a stream of telephone-event packets into digits.
// STUB: replaced by the dtmf owner.
type Receiver struct {
	clockRate uint32
	seen      bool
	lastTS    uint32
	lastSSRC  uint32
}

// NewReceiver returns a receiver for a stream with the given clock rate.
func NewReceiver(clockRate uint32) *Receiver { return &Receiver{clockRate: clockRate} }

// Process feeds one packet and returns a digit when one starts.
func (r *Receiver) Process(p Packet) (Event, bool) {
	var te TelephoneEvent
	if te.Unmarshal(p.Payload) != nil {
		return Event{}, false
	}
	if r.seen && p.Timestamp == r.lastTS && p.SSRC == r.lastSSRC {
		return Event{}, false
	}
	r.seen, r.lastTS, r.lastSSRC = true, p.Timestamp, p.SSRC
	k, ok := KeyForEvent(te.Event)
	if !ok {
		return Event{}, false
	}
	return Event{Key: k, Transport: TransportRFC4733}, true
}
