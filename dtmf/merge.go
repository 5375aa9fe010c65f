package dtmf

import "time"

// DefaultMergeWindow is how long after a digit from one transport the same
// key from another transport is taken to be the same press. The in-band
// detector reports a key about 35 ms after its tone began and RFC 4733 on
// its first packet, so both copies of one press land within a few tens of
// milliseconds; a real second press of the same key needs at least 80 ms.
const DefaultMergeWindow = 200 * time.Millisecond

// Merger turns the digits of one call, from whichever transports carry
// them, into one stream (serve's --dtmf auto):
//
//   - in-band digits count until the call shows an RFC 4733 or SIP INFO
//     digit; after that in-band detections are dropped (the far end sends
//     out-of-band, and the tones still in the audio would double every key);
//   - a digit from one transport that follows the same key from another
//     transport within the window is the same press and is dropped.
//
// It is a pure step function; not safe for concurrent use (the call's
// digit goroutine owns it).
type Merger struct {
	window    time.Duration
	outOfBand bool
	last      Event
	lastAt    time.Time
	haveLast  bool
}

// NewMerger returns a merger; window <= 0 means DefaultMergeWindow.
func NewMerger(window time.Duration) *Merger {
	if window <= 0 {
		window = DefaultMergeWindow
	}
	return &Merger{window: window}
}

// Add offers a digit that arrived at now and returns it when it is a new
// press to deliver.
func (m *Merger) Add(ev Event, now time.Time) (Event, bool) {
	if ev.Transport == TransportInband && m.outOfBand {
		return Event{}, false
	}
	if ev.Transport != TransportInband {
		m.outOfBand = true
	}
	if m.haveLast && ev.Key == m.last.Key && ev.Transport != m.last.Transport && now.Sub(m.lastAt) < m.window {
		return Event{}, false
	}
	m.last, m.lastAt, m.haveLast = ev, now, true
	return ev, true
}

// OutOfBand reports whether an RFC 4733 or SIP INFO digit has been seen, so
// the caller may stop running the in-band detector.
func (m *Merger) OutOfBand() bool { return m.outOfBand }
