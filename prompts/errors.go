package prompts

import "errors"

// Errors returned by the catalogue; match them with errors.Is.
var (
	ErrUnknownLanguage = errors.New("prompts: unknown language")
	ErrUnknownClip     = errors.New("prompts: unknown clip")
	ErrBadWAV          = errors.New("prompts: bad WAV file")
	ErrBadOverride     = errors.New("prompts: bad override directory")
	ErrBadCatalogue    = errors.New("prompts: embedded catalogue is inconsistent (run go generate ./prompts)")
	ErrNotDigit        = errors.New("prompts: not a digit")
	ErrBadTime         = errors.New("prompts: time out of range")
	ErrBadNumber       = errors.New("prompts: number out of range")
)
