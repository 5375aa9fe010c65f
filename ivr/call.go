// Package ivr holds dezura's call flows: what the caller hears and keys.
// It sees a call only through the small Call interface below and the ledger
// through the interfaces in directory.go; it imports neither sip nor a
// database driver.
package ivr

import (
	"time"

	"github.com/dezura/dezura/prompts"
)

// Call is one answered telephone call as a flow sees it.
//
// Keys and Done may be read from any goroutine; the flow is the only caller
// of Play, StopPlayback and Hangup.
type Call interface {
	// ID is the SIP Call-ID (for logs and the call record).
	ID() string
	// Caller is the calling number as presented (From/P-Asserted-Identity
	// user part), not yet normalised.
	Caller() string
	// Called is the dialled number (Request-URI user part).
	Called() string
	// ArrivedAt is when the INVITE arrived (zero if not known); the call
	// record's arrival time.
	ArrivedAt() time.Time
	// Withheld reports that the caller asked for his number not to be
	// shown (RFC 3323 privacy, an anonymous From): it may still identify a
	// registered phone, but is never registered from the call.
	Withheld() bool
	// Play starts playing clips one after another, replacing whatever was
	// playing. The returned channel is closed when the playlist has been
	// played out or was stopped. Between playlists the call sends silence.
	Play(clips []*prompts.Clip) <-chan struct{}
	// StopPlayback stops the current playlist at the next frame boundary.
	StopPlayback()
	// Keys delivers the caller's key presses ('0'-'9', '*', '#') in order,
	// one per press, however they arrived (RFC 4733, in-band, SIP INFO).
	// Keys pressed while nothing reads are buffered (type-ahead).
	Keys() <-chan byte
	// DTMFTransport names the transport digits arrived on so far
	// ("rfc4733", "inband", "info", or "" if none yet).
	DTMFTransport() string
	// Hangup ends the call (BYE) after any audio already queued was sent.
	Hangup() error
	// Done is closed when the call has ended, by either side.
	Done() <-chan struct{}
	// EndCause says why the call ended, "" while it is up: "remote_bye"
	// (the caller hung up), "hangup" (Hangup), "rtp_timeout",
	// "session_expired", "shutdown". It is set before Done is closed and
	// before the flow's context is cancelled.
	EndCause() string
}
