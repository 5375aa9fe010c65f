package simulator

import "errors"

// Sentinel errors returned (wrapped) by Call and the parsers of this package.
var (
	// ErrInvalidOptions is returned when Options cannot describe a call.
	ErrInvalidOptions = errors.New("simulator: invalid options")
	// ErrBadAnswer is returned when the 200 OK carries an SDP answer the
	// simulator cannot use (no audio, no common codec, no address).
	ErrBadAnswer = errors.New("simulator: unusable SDP answer")
	// ErrNoAnswer is returned when the INVITE transaction ended without a
	// final response (timeout or transport failure).
	ErrNoAnswer = errors.New("simulator: no final response to INVITE")
)
