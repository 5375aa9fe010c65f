package ivr

import "errors"

var (
	// ErrHangup: the caller hung up while the flow was waiting on them.
	ErrHangup = errors.New("ivr: caller hung up")
	// errTooManyTries: the caller got a step wrong too often.
	errTooManyTries = errors.New("ivr: too many tries")
	// errNoInput: the caller keyed nothing, try after try.
	errNoInput = errors.New("ivr: no input")
	// errLocked: phone entry by security code is locked for the technician.
	errLocked = errors.New("ivr: phone entry locked")
)
