package sip

import "errors"

// Errors returned by the package. They are matched with errors.Is.
var (
	// ErrMalformedSDP is returned for an SDP offer that cannot be parsed or
	// lacks what an answer needs (the INVITE gets 400).
	ErrMalformedSDP = errors.New("sip: malformed SDP offer")
	// ErrNoCommonCodec is returned for an offer without a usable G.711 audio
	// stream (the INVITE gets 488, RFC 3264 §6).
	ErrNoCommonCodec = errors.New("sip: no G.711 audio in SDP offer")
	// ErrServerClosed is returned by Serve when called after Shutdown or a
	// second time (a clean stop of a running Serve returns nil).
	ErrServerClosed = errors.New("sip: server closed")
	// ErrBadConfig is returned by NewServer for an invalid Config.
	ErrBadConfig = errors.New("sip: invalid config")
	// ErrNoRTPPort is returned when no RTP port of the range is free.
	ErrNoRTPPort = errors.New("sip: no free RTP port")
)

// ErrByeFailed wraps the error of a BYE that got no 200.
var ErrByeFailed = errors.New("sip: BYE failed")
