package simulator

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/dezura/dezura/dtmf"
)

// Defaults for Options fields left zero.
const (
	DefaultSilence     = 700 * time.Millisecond
	DefaultMaxDuration = 60 * time.Second
	DefaultEventPT     = 101
)

// Options describe one simulated call.
type Options struct {
	To               string        // request URI, e.g. "sip:ivr@127.0.0.1:5060"
	From             string        // caller number used as the From user part; "" calls anonymously (RFC 3323)
	Keys             []string      // key groups; group i is keyed after the i-th prompt the caller hears
	DTMF             string        // "rfc4733" (default), "inband" or "info"
	Digits           DigitStyle    // how keys are pressed: durations, RFC 4733 variants, in-band level, twist, shift, noise
	Codecs           []string      // offer order, default ["PCMU","PCMA"]
	EventPT          uint8         // telephone-event payload type to offer (default 101)
	Record           string        // write what was heard to this WAV file (8 kHz mono 16-bit PCM)
	Silence          time.Duration // silence that ends a prompt (default 700 ms)
	KeyEarly         bool          // type-ahead: key each group as soon as the prompt starts
	HangupAfterGroup int           // send BYE right after keying group N (1-based); 0 never
	HangupAfter      time.Duration // send BYE this long after the answer; 0 never
	CancelAfter      time.Duration // send CANCEL this long after the INVITE if not answered; 0 never
	RTPStopAfter     time.Duration // stop sending RTP this long after the answer, the call staying up (a caller whose network fails); 0 never
	DiscardAudio     bool          // keep no audio (Result.Heard stays empty): for load runs
	Pacer            *Pacer        // shared 20 ms send clock (must be running); nil gives the call its own
	MaxDuration      time.Duration // hang up (or CANCEL) after this long (default 60 s)
	Logger           *slog.Logger  // nil discards
}

// config is Options checked and with defaults applied.
type config struct {
	Options
	mode   dtmf.Transport
	codecs []Codec
}

// check validates o and fills in defaults.
func (o Options) check() (config, error) {
	c := config{Options: o}
	if o.To == "" {
		return c, fmt.Errorf("%w: no destination URI", ErrInvalidOptions)
	}
	if o.DTMF == "" {
		c.mode = dtmf.TransportRFC4733
	} else {
		m, ok := dtmf.ParseTransport(o.DTMF)
		if !ok {
			return c, fmt.Errorf("%w: DTMF mode %q (want rfc4733, inband or info)", ErrInvalidOptions, o.DTMF)
		}
		c.mode = m
	}
	names := o.Codecs
	if len(names) == 0 {
		names = []string{"PCMU", "PCMA"}
	}
	for _, n := range names {
		cd, err := ParseCodec(n)
		if err != nil {
			return c, err
		}
		if !containsCodec(c.codecs, cd) {
			c.codecs = append(c.codecs, cd)
		}
	}
	if c.EventPT == 0 {
		c.EventPT = DefaultEventPT
	}
	if c.EventPT < 96 || c.EventPT > 127 {
		return c, fmt.Errorf("%w: telephone-event payload type %d is not dynamic (96-127)", ErrInvalidOptions, c.EventPT)
	}
	for i, g := range o.Keys {
		if g == "" {
			return c, fmt.Errorf("%w: key group %d is empty", ErrInvalidOptions, i+1)
		}
		for j := 0; j < len(g); j++ {
			if _, ok := dtmf.EventForKey(g[j]); !ok {
				return c, fmt.Errorf("%w: key group %d: %q is not a DTMF key (0-9 * # A-D)", ErrInvalidOptions, i+1, g[j])
			}
		}
	}
	if o.HangupAfterGroup < 0 || o.HangupAfterGroup > len(o.Keys) {
		return c, fmt.Errorf("%w: hang up after group %d of %d", ErrInvalidOptions, o.HangupAfterGroup, len(o.Keys))
	}
	if c.Silence <= 0 {
		c.Silence = DefaultSilence
	}
	if c.MaxDuration <= 0 {
		c.MaxDuration = DefaultMaxDuration
	}
	if c.DiscardAudio && c.Record != "" {
		return c, fmt.Errorf("%w: cannot record with DiscardAudio", ErrInvalidOptions)
	}
	if c.CancelAfter < 0 || c.HangupAfter < 0 || c.RTPStopAfter < 0 {
		return c, fmt.Errorf("%w: negative cancel, hang-up or RTP stop delay", ErrInvalidOptions)
	}
	if c.RTPStopAfter > 0 && c.Pacer != nil {
		return c, fmt.Errorf("%w: RTPStopAfter works with a call's own send clock, not a shared Pacer", ErrInvalidOptions)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
