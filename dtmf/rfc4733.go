package dtmf

import (
	"fmt"
	"time"
)

// TelephoneEvent is the RFC 4733 §2.3 telephone-event payload:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     event     |E|R| volume    |          duration             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type TelephoneEvent struct {
	Event    uint8  // 0-9, 10 '*', 11 '#', 12-15 A-D (RFC 4733 §3.2)
	End      bool   // E bit: the last packet(s) of the event (§2.5.1.4)
	Volume   uint8  // 6 bits, power in -dBm0 (§2.3.4); the R bit is ignored
	Duration uint16 // in RTP timestamp units since the event's timestamp (§2.3.5)
}

// Unmarshal parses a payload. Bytes after the first four (further events
// stacked by RFC 4733 §2.5.1.5 redundancy, which is only legal with
// RFC 2198) are ignored.
func (e *TelephoneEvent) Unmarshal(b []byte) error {
	if len(b) < 4 {
		return fmt.Errorf("%w: %d bytes", ErrShortPayload, len(b))
	}
	e.Event = b[0]
	e.End = b[1]&0x80 != 0
	e.Volume = b[1] & 0x3f // §2.3.4: 6 bits; the R bit (0x40) is reserved
	e.Duration = uint16(b[2])<<8 | uint16(b[3])
	return nil
}

// Marshal appends the 4-byte payload to dst. The R bit is always 0.
func (e TelephoneEvent) Marshal(dst []byte) []byte {
	b1 := e.Volume & 0x3f
	if e.End {
		b1 |= 0x80
	}
	return append(dst, e.Event, b1, byte(e.Duration>>8), byte(e.Duration))
}

const keys = "0123456789*#ABCD"

// KeyForEvent maps an RFC 4733 §3.2 event code to a key.
func KeyForEvent(ev uint8) (byte, bool) {
	if int(ev) < len(keys) {
		return keys[ev], true
	}
	return 0, false
}

// EventForKey maps a key to its RFC 4733 §3.2 event code. Lower-case
// 'a'-'d' are accepted for A-D.
func EventForKey(k byte) (uint8, bool) {
	if k >= 'a' && k <= 'd' {
		k -= 'a' - 'A'
	}
	for i := 0; i < len(keys); i++ {
		if keys[i] == k {
			return uint8(i), true
		}
	}
	return 0, false
}

// Packet is what the RFC 4733 receiver needs of one RTP packet carrying
// telephone-event payload (the payload type and clock rate are those
// negotiated in the SDP, RFC 4733 §7.1.1). Arrival is the local receive
// time; the receiver's timing rules (event timeout, relay duplicates) need
// it, so the caller must set it.
type Packet struct {
	SSRC      uint32
	Seq       uint16
	Timestamp uint32
	Marker    bool
	Payload   []byte
	Arrival   time.Time
}

// Receiver defaults.
const (
	// DefaultEventTimeout ends an event whose updates stopped without an
	// end packet. RFC 4733 §2.5.1.2 suggests updates every 50 ms; 200 ms
	// rides out three lost updates.
	DefaultEventTimeout = 200 * time.Millisecond
	// DefaultRetimestampWindow: an end packet for the same key with a new
	// timestamp arriving this soon after the previous event's last packet
	// cannot be a new press (a press and a pause each last at least 40 ms
	// on any real keypad), so it is a relay re-stamping the end packets.
	DefaultRetimestampWindow = 60 * time.Millisecond
	// relayMemory bounds how long after an event a re-stamped end packet
	// is still compared with it.
	relayMemory = time.Second
)

// ReceiverOption changes a Receiver default.
type ReceiverOption func(*Receiver)

// WithEventTimeout sets how long after its last update an event without an
// end packet is taken to have ended (default DefaultEventTimeout).
func WithEventTimeout(d time.Duration) ReceiverOption {
	return func(r *Receiver) {
		if d > 0 {
			r.timeout = d
		}
	}
}

// WithRetimestampWindow sets the relay re-timestamp window (default
// DefaultRetimestampWindow).
func WithRetimestampWindow(d time.Duration) ReceiverOption {
	return func(r *Receiver) {
		if d >= 0 {
			r.window = d
		}
	}
}

// rxEvent is one (SSRC, timestamp, event) the receiver has seen.
type rxEvent struct {
	ssrc  uint32
	ts    uint32
	code  uint8
	last  time.Time // arrival of the newest packet
	dur   uint16    // longest duration seen in this segment
	ended bool      // E bit seen or timed out
	used  bool
}

const rxHistory = 8

// rxSources is how many SSRCs the receiver remembers the newest event of.
const rxSources = 4

// rxTop is the timestamp of the newest event start seen from one SSRC.
type rxTop struct {
	ssrc uint32
	ts   uint32
	used bool
}

// Receiver turns a stream of telephone-event packets into digits. It is a
// pure step function: Process for every packet, Tick when time passes.
// A Receiver is not safe for concurrent use; use one per call.
//
// Rules (RFC 4733 §2.5.2 and what carriers really send):
//   - a digit is reported on the first packet seen of a new event, so the
//     IVR gets the key as soon as possible; the marker bit is not needed
//     (it is lost or absent on many paths) and the first packets may be
//     lost or carry duration 0;
//   - one digit per (SSRC, event timestamp, event), however many update and
//     end packets arrive, in any order;
//   - an event that never gets an end packet ends when its updates stop for
//     the event timeout (judged at the next packet or Tick);
//   - a long press whose 16-bit duration wraps into segments, each with a
//     timestamp 0xFFFF later (§2.5.1.3), is one digit;
//   - end packets for the same key re-stamped by a relay with a new
//     timestamp just after the event are not a new digit, while the same key
//     pressed again (new timestamp, after a pause) is;
//   - late packets of an event older than the current one are ignored;
//   - event codes that are not DTMF keys (flash, tones) are ignored.
type Receiver struct {
	clockRate uint32
	timeout   time.Duration
	window    time.Duration
	hist      [rxHistory]rxEvent // ring of recent events
	head      int                // index of the newest event
	// tops remembers, per SSRC, the newest event timestamp: a packet of an
	// older event is never a new digit, even when the event itself has left
	// the ring.
	tops    [rxSources]rxTop
	topNext int
}

// NewReceiver returns a receiver for a stream with the given clock rate
// (the rate of the telephone-event rtpmap, usually 8000; 0 means 8000).
func NewReceiver(clockRate uint32, opts ...ReceiverOption) *Receiver {
	if clockRate == 0 {
		clockRate = 8000
	}
	r := &Receiver{clockRate: clockRate, timeout: DefaultEventTimeout, window: DefaultRetimestampWindow}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Process feeds one packet and returns a digit when a new key press starts.
// The digit's Duration is the duration carried by that first packet (often
// 0): the press is reported before it ends. Malformed payloads are ignored
// (they never make a digit).
func (r *Receiver) Process(p Packet) (Event, bool) {
	var te TelephoneEvent
	if te.Unmarshal(p.Payload) != nil {
		return Event{}, false
	}
	key, ok := KeyForEvent(te.Event)
	if !ok {
		return Event{}, false
	}
	now := p.Arrival
	r.Tick(now)

	// An event we know: an update, an end packet or a retransmission.
	if e := r.find(p.SSRC, p.Timestamp, te.Event); e != nil {
		if now.After(e.last) {
			e.last = now
		}
		if te.Duration > e.dur {
			e.dur = te.Duration
		}
		if te.End {
			e.ended = true
		}
		return Event{}, false
	}

	cur := &r.hist[r.head]
	if cur.used && cur.ssrc == p.SSRC {
		delta := p.Timestamp - cur.ts
		// §2.5.1.3: the next segment of a long event starts 0xFFFF
		// timestamp units after the previous one, without an end packet.
		// Accept half a second either way for senders that stamp the
		// segment from their packet clock.
		half := r.clockRate / 2
		if cur.code == te.Event && !cur.ended && delta+half >= 0xFFFF && delta <= 0xFFFF+half {
			r.push(p.SSRC, p.Timestamp, te, now)
			return Event{}, false
		}
		// A relay re-stamping the end packets of the event just finished.
		if te.End && cur.code == te.Event && r.restamped(cur, te, now) {
			r.push(p.SSRC, p.Timestamp, te, now)
			return Event{}, false
		}
	}
	// A packet of an event no newer than the newest one of this SSRC that
	// is not in the ring (reordered, or long gone): reporting it now would
	// put it out of order or count it twice. A jump back of more than 10 s
	// is a new stream, not an old event.
	if top := r.top(p.SSRC); top != nil {
		if d := int32(p.Timestamp - top.ts); d <= 0 && -int64(d) < int64(r.clockRate)*10 {
			return Event{}, false
		}
	}

	r.push(p.SSRC, p.Timestamp, te, now)
	return Event{Key: key, Transport: TransportRFC4733, Duration: r.duration(te.Duration)}, true
}

// restamped reports whether an end packet with a timestamp we have not
// seen, for the same key as prev, is prev's end re-stamped by a relay rather
// than a new press whose earlier packets were lost.
func (r *Receiver) restamped(prev *rxEvent, te TelephoneEvent, now time.Time) bool {
	gap := now.Sub(prev.last)
	if gap > relayMemory {
		return false
	}
	if gap < r.window {
		return true
	}
	// The press this end packet reports began Duration ago; if that is
	// before the previous event's last packet, the two overlap: same press.
	began := now.Add(-r.duration(te.Duration))
	return began.Before(prev.last)
}

// Tick advances the receiver's clock: an event whose updates stopped more
// than the event timeout before now is ended. Call it from the media loop
// (e.g. every 20 ms) so Active is accurate without packets.
func (r *Receiver) Tick(now time.Time) {
	cur := &r.hist[r.head]
	if cur.used && !cur.ended && now.Sub(cur.last) > r.timeout {
		cur.ended = true
	}
}

// Active reports whether a key is being held: the newest event has neither
// ended nor timed out (as of the last Process or Tick). In auto mode the
// caller uses this to ignore in-band detections of the same press.
func (r *Receiver) Active() bool {
	cur := &r.hist[r.head]
	return cur.used && !cur.ended
}

// Reset forgets all events (e.g. after a re-INVITE changed the stream).
func (r *Receiver) Reset() {
	r.hist = [rxHistory]rxEvent{}
	r.head = 0
	r.tops = [rxSources]rxTop{}
	r.topNext = 0
}

func (r *Receiver) duration(units uint16) time.Duration {
	return time.Duration(units) * time.Second / time.Duration(r.clockRate)
}

func (r *Receiver) find(ssrc, ts uint32, code uint8) *rxEvent {
	for i := range r.hist {
		e := &r.hist[i]
		if e.used && e.ssrc == ssrc && e.ts == ts && e.code == code {
			return e
		}
	}
	return nil
}

func (r *Receiver) push(ssrc, ts uint32, te TelephoneEvent, now time.Time) {
	if r.hist[r.head].used {
		r.head = (r.head + 1) % rxHistory
	}
	r.hist[r.head] = rxEvent{ssrc: ssrc, ts: ts, code: te.Event, last: now, dur: te.Duration, ended: te.End, used: true}
	if top := r.top(ssrc); top != nil {
		if int32(ts-top.ts) > 0 || int64(int32(top.ts-ts)) >= int64(r.clockRate)*10 {
			top.ts = ts
		}
		return
	}
	r.tops[r.topNext] = rxTop{ssrc: ssrc, ts: ts, used: true}
	r.topNext = (r.topNext + 1) % rxSources
}

// top is the newest-event record of ssrc, or nil.
func (r *Receiver) top(ssrc uint32) *rxTop {
	for i := range r.tops {
		if r.tops[i].used && r.tops[i].ssrc == ssrc {
			return &r.tops[i]
		}
	}
	return nil
}
