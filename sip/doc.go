// Package sip is dezura's SIP user agent server: it answers calls over UDP
// with sipgo (RFC 3261), negotiates G.711 and telephone-events by SDP
// offer/answer (RFC 3264, RFC 4566, RFC 4733), sends pre-encoded prompt
// frames as RTP (RFC 3550) from one shared 20 ms media scheduler, and turns
// the caller's key presses (RFC 4733, in-band or SIP INFO) into digits.
//
// sip knows nothing of CCUS: a Server hands every answered Call to a handler
// function, which sees it through methods that match ivr.Call.
package sip
