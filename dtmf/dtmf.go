// Package dtmf detects and generates DTMF digits: RFC 4733 telephone-events,
// in-band tones (Goertzel detector over linear PCM) and SIP INFO bodies.
//
// Every decoder here is a pure function or step function over bytes and
// samples; nothing in this package does I/O.
package dtmf

import "time"

// Transport says how a digit reached us.
type Transport uint8

const (
	TransportUnknown Transport = iota
	TransportRFC4733
	TransportInband
	TransportSIPInfo
)

var transportNames = [...]string{"unknown", "rfc4733", "inband", "info"}

// String returns the name used in flags, logs and call records.
func (t Transport) String() string {
	if int(t) < len(transportNames) {
		return transportNames[t]
	}
	return "unknown"
}

// ParseTransport is the inverse of String; it returns TransportUnknown and
// false for anything else.
func ParseTransport(s string) (Transport, bool) {
	for i, n := range transportNames {
		if i > 0 && n == s {
			return Transport(i), true
		}
	}
	return TransportUnknown, false
}

// Event is one detected key press.
type Event struct {
	Key       byte          // '0'-'9', '*', '#', 'A'-'D'
	Transport Transport     // how it arrived
	Duration  time.Duration // how long the key was held, when known (0 otherwise)
}
