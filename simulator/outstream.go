package simulator

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/dezura/dezura/dtmf"
	"github.com/pion/rtp"
)

const (
	samplesPerFrame = 8000 * ptime / 1000 // 160 samples per 20 ms at 8 kHz
	keyToneSlots    = 5                   // 100 ms tone
	keyGapSlots     = 5                   // 100 ms gap before the next key
	keySlots        = keyToneSlots + keyGapSlots
	keyTone         = keyToneSlots * ptime * time.Millisecond
	toneDBm0        = -10 // level of each in-band tone
)

// DigitStyle shapes how keys are sent, for the awkward ways real phones and
// carriers send them. The zero value is a clean press: 100 ms
// tone, 100 ms gap, RFC 4733 by the book, in-band at -10 dBm0 per tone.
type DigitStyle struct {
	Tone time.Duration // how long each key is held (default 100 ms; 2 s is a long press)
	Gap  time.Duration // pause after each key (default 100 ms)

	// RFC 4733 variants (dtmf.EventPackets options).
	NoMarker          bool // no marker bit on the first packet
	LostFirst         int  // the first N packets of each press never sent
	SingleEnd         bool // one end packet instead of three
	RetimestampedEnds bool // each end packet stamped with its own send time, as some relays do

	// In-band variants.
	LowDBm0, HighDBm0 float64 // tone levels (default -10 each; twist = High - Low)
	Shift             float64 // relative frequency error of both tones, e.g. 0.015
	NoiseDBm0         float64 // white noise over all outgoing audio at this level (0: none)
	NoiseSeed         uint64  // seeds the noise
}

func (d DigitStyle) withDefaults() DigitStyle {
	if d.Tone <= 0 {
		d.Tone = keyTone
	}
	if d.Gap <= 0 {
		d.Gap = keyGapSlots * ptime * time.Millisecond
	}
	if d.LowDBm0 == 0 && d.HighDBm0 == 0 {
		d.LowDBm0, d.HighDBm0 = toneDBm0, toneDBm0
	}
	return d
}

// slots is how many 20 ms slots d lasts, rounded up.
func slotsOf(d time.Duration) int {
	return int((d + ptime*time.Millisecond - 1) / (ptime * time.Millisecond))
}

func (d DigitStyle) sendOptions() []dtmf.SendOption {
	var o []dtmf.SendOption
	if d.NoMarker {
		o = append(o, dtmf.WithoutMarker())
	}
	if d.LostFirst > 0 {
		o = append(o, dtmf.WithLostFirst(d.LostFirst))
	}
	if d.SingleEnd {
		o = append(o, dtmf.WithSingleEnd())
	}
	if d.RetimestampedEnds {
		o = append(o, dtmf.WithRetimestampedEnds())
	}
	return o
}

// slotResult says what happened in one 20 ms slot besides the packet.
type slotResult struct {
	KeyStarted byte // a key began in this slot (0 if none)
	GroupDone  bool // the last key of the group (tone and gap) has been sent
}

// outStream builds the simulator's outgoing RTP stream one 20 ms slot at a
// time: G.711 silence, with digits inserted as RFC 4733 telephone-events or
// as in-band tones. It is a pure step function: the caller paces it and
// sends the packets.
//
// RFC 3550 §5.1: one SSRC, sequence number +1 per packet, timestamp +160
// per 20 ms of audio at 8 kHz. RFC 4733 §2.5: the telephone-event packets
// of a key press come from dtmf.EventPackets (timestamp of the event's
// start, growing duration, marker on the first, E bit on the last, sent
// three times); they take the place of audio in their slots while the
// media clock keeps running.
type outStream struct {
	codec   Codec
	pt      uint8
	eventPT uint8
	mode    dtmf.Transport // RFC4733 or Inband insert digits; others send only silence
	ssrc    uint32
	seq     uint16
	ts      uint32
	started bool

	keys    []byte // keys of the current group still to send (first in progress)
	slot    int    // slot within the current key
	eventTS uint32
	events  []dtmf.GeneratedPacket // telephone-event packets of the current key
	tone    []int16                // in-band: the current key's 100 ms of tone
	sent    []byte                 // keys begun so far
	payload []byte

	style     DigitStyle
	toneSlots int // slots of tone per key
	keySlots  int // slots per key, tone and gap
	noise     *rand.Rand
	frame     []int16 // scratch for noisy audio
}

func newOutStream(codec Codec, pt, eventPT uint8, mode dtmf.Transport, ssrc uint32, seq uint16, ts uint32) *outStream {
	return newStyledOutStream(codec, pt, eventPT, mode, ssrc, seq, ts, DigitStyle{})
}

func newStyledOutStream(codec Codec, pt, eventPT uint8, mode dtmf.Transport, ssrc uint32, seq uint16, ts uint32, style DigitStyle) *outStream {
	style = style.withDefaults()
	o := &outStream{codec: codec, pt: pt, eventPT: eventPT, mode: mode, ssrc: ssrc, seq: seq, ts: ts,
		payload: make([]byte, 0, samplesPerFrame), style: style,
		toneSlots: slotsOf(style.Tone)}
	o.keySlots = o.toneSlots + slotsOf(style.Gap)
	if style.NoiseDBm0 != 0 {
		o.noise = rand.New(rand.NewPCG(style.NoiseSeed, 0x64657a757261))
		o.frame = make([]int16, samplesPerFrame)
	}
	return o
}

// startGroup queues a group of keys; it returns an error when a group is
// still being sent or a key is not a DTMF key.
func (o *outStream) startGroup(keys string) error {
	if len(o.keys) > 0 {
		return fmt.Errorf("simulator: key group %q while one is in progress", keys)
	}
	for i := 0; i < len(keys); i++ {
		if _, ok := dtmf.EventForKey(keys[i]); !ok {
			return fmt.Errorf("%w: %q is not a DTMF key", ErrInvalidOptions, keys[i])
		}
	}
	o.keys, o.slot = []byte(keys), 0
	return nil
}

// busy reports whether a key group is being sent.
func (o *outStream) busy() bool { return len(o.keys) > 0 }

// next appends the packet for the next 20 ms slot to dst.
func (o *outStream) next(dst []byte) ([]byte, slotResult, error) {
	var res slotResult
	h := rtp.Header{
		Version:        2,
		PayloadType:    o.pt,
		SequenceNumber: o.seq,
		Timestamp:      o.ts,
		SSRC:           o.ssrc,
		Marker:         !o.started, // RFC 3551 §4.1: first packet of a talkspurt
	}
	o.started = true
	o.payload = o.payload[:0]
	silence := true
	if len(o.keys) > 0 && (o.mode == dtmf.TransportRFC4733 || o.mode == dtmf.TransportInband) {
		k := o.keys[0]
		if o.slot == 0 {
			res.KeyStarted = k
			o.sent = append(o.sent, k)
			o.eventTS = o.ts
			if o.mode == dtmf.TransportInband {
				o.tone = make([]int16, o.toneSlots*samplesPerFrame)
				st := o.style
				if err := dtmf.AddTone(o.tone, k, dtmf.ToneOptions{LowDBm0: st.LowDBm0, HighDBm0: st.HighDBm0,
					LowShift: st.Shift, HighShift: st.Shift}); err != nil {
					return dst, res, fmt.Errorf("simulator: key %q: %w", k, err)
				}
			}
			if o.mode == dtmf.TransportRFC4733 {
				var err error
				if o.events, err = dtmf.EventPackets(k, o.style.Tone, 8000, o.style.sendOptions()...); err != nil {
					return dst, res, fmt.Errorf("simulator: key %q: %w", k, err)
				}
			}
		}
		switch {
		case o.mode == dtmf.TransportRFC4733 && len(o.events) > 0 && o.events[0].Slot <= o.slot:
			// One packet per slot; should the generator ever put two in
			// one slot, the second goes in the next.
			ev := o.events[0]
			o.events = o.events[1:]
			h.PayloadType = o.eventPT
			h.Timestamp = o.eventTS + ev.Timestamp
			h.Marker = ev.Marker
			o.payload = append(o.payload, ev.Payload...)
			silence = false
		case o.mode == dtmf.TransportInband && o.slot < o.toneSlots:
			frame := o.tone[o.slot*samplesPerFrame : (o.slot+1)*samplesPerFrame]
			if o.noise != nil {
				copy(o.frame, frame)
				dtmf.AddNoise(o.frame, o.style.NoiseDBm0, o.noise)
				frame = o.frame
			}
			o.payload = o.codec.encode(o.payload, frame)
			silence = false
		}
		o.slot++
		if o.slot >= o.keySlots && len(o.events) == 0 {
			o.keys, o.slot = o.keys[1:], 0
			res.GroupDone = len(o.keys) == 0
		}
	}
	if silence && o.noise != nil {
		clear(o.frame)
		dtmf.AddNoise(o.frame, o.style.NoiseDBm0, o.noise)
		o.payload = o.codec.encode(o.payload, o.frame)
	} else if silence {
		for range samplesPerFrame {
			o.payload = append(o.payload, o.codec.silenceByte())
		}
	}
	o.seq++
	o.ts += samplesPerFrame
	p := rtp.Packet{Header: h, Payload: o.payload}
	start := len(dst)
	dst = append(dst, make([]byte, p.MarshalSize())...)
	if _, err := p.MarshalTo(dst[start:]); err != nil {
		return dst[:start], res, fmt.Errorf("simulator: marshal RTP: %w", err)
	}
	return dst, res, nil
}
