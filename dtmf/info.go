package dtmf

import "errors"

// ErrUnsupportedBody is returned for a SIP INFO body that is not DTMF
// (the caller answers 415).
var ErrUnsupportedBody = errors.New("dtmf: unsupported SIP INFO content type")

// ParseInfo parses a SIP INFO body (application/dtmf-relay or
// application/dtmf). STUB: replaced by the dtmf owner.
func ParseInfo(contentType string, body []byte) (Event, error) {
	return Event{}, ErrUnsupportedBody
}
