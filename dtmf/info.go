package dtmf

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Content types of SIP INFO DTMF bodies.
const (
	// ContentTypeDTMFRelay is the de facto standard body of Cisco's
	// application/dtmf-relay: "Signal=5\r\nDuration=160\r\n" (Duration in ms).
	ContentTypeDTMFRelay = "application/dtmf-relay"
	// ContentTypeDTMF is application/dtmf: the body is the key alone.
	ContentTypeDTMF = "application/dtmf"
)

// maxInfoBody bounds the DTMF bodies we read; real ones are under 40 bytes.
const maxInfoBody = 1024

// ParseInfo parses the body of a SIP INFO request (RFC 6086) carrying a key
// press. contentType is the Content-Type header value; parameters and case
// are ignored.
//
//   - application/dtmf-relay: lines "Signal=<key>" and optionally
//     "Duration=<ms>", separated by CRLF or LF, names in any case, spaces
//     around '=' allowed, unknown lines ignored. Signal may be the key itself
//     or its RFC 4733 event code (10 for '*', 11 for '#').
//   - application/dtmf: the key alone (or its event code), surrounding white
//     space ignored.
//
// Anything else returns ErrUnsupportedBody (answer 415); a DTMF content type
// with an unreadable body returns ErrMalformedBody (answer 400).
func ParseInfo(contentType string, body []byte) (Event, error) {
	ct := contentType
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.ToLower(strings.TrimSpace(ct))
	if len(body) > maxInfoBody {
		if ct == ContentTypeDTMFRelay || ct == ContentTypeDTMF {
			return Event{}, fmt.Errorf("%w: body of %d bytes", ErrMalformedBody, len(body))
		}
	}
	switch ct {
	case ContentTypeDTMFRelay:
		return parseDTMFRelay(body)
	case ContentTypeDTMF:
		k, err := parseSignal(bytes.TrimSpace(body))
		if err != nil {
			return Event{}, fmt.Errorf("%w: application/dtmf: %w", ErrMalformedBody, err)
		}
		return Event{Key: k, Transport: TransportSIPInfo}, nil
	default:
		return Event{}, fmt.Errorf("%w: %q", ErrUnsupportedBody, contentType)
	}
}

func parseDTMFRelay(body []byte) (Event, error) {
	ev := Event{Transport: TransportSIPInfo}
	var haveSignal bool
	for len(body) > 0 {
		var line []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			line, body = body, nil
		}
		line = bytes.TrimSpace(line) // also drops the CR of CRLF
		if len(line) == 0 {
			continue
		}
		eq := bytes.IndexByte(line, '=')
		if eq < 0 {
			return Event{}, fmt.Errorf("%w: application/dtmf-relay: line %q has no '='", ErrMalformedBody, line)
		}
		name := string(bytes.TrimSpace(line[:eq]))
		value := bytes.TrimSpace(line[eq+1:])
		switch {
		case strings.EqualFold(name, "Signal"):
			if haveSignal {
				return Event{}, fmt.Errorf("%w: application/dtmf-relay: more than one Signal", ErrMalformedBody)
			}
			k, err := parseSignal(value)
			if err != nil {
				return Event{}, fmt.Errorf("%w: application/dtmf-relay: %w", ErrMalformedBody, err)
			}
			ev.Key, haveSignal = k, true
		case strings.EqualFold(name, "Duration"):
			ms, err := strconv.ParseUint(string(value), 10, 32)
			if err != nil {
				return Event{}, fmt.Errorf("%w: application/dtmf-relay: Duration %q", ErrMalformedBody, value)
			}
			ev.Duration = time.Duration(ms) * time.Millisecond
		}
	}
	if !haveSignal {
		return Event{}, fmt.Errorf("%w: application/dtmf-relay: no Signal line", ErrMalformedBody)
	}
	return ev, nil
}

// parseSignal reads one key: the character itself ('0'-'9', '*', '#',
// 'A'-'D' in either case) or an RFC 4733 event code 10-15.
func parseSignal(v []byte) (byte, error) {
	if len(v) == 1 {
		if _, ok := EventForKey(v[0]); ok {
			k, _ := KeyForEvent(mustEvent(v[0]))
			return k, nil
		}
	}
	if len(v) == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5' {
		k, _ := KeyForEvent(10 + v[1] - '0')
		return k, nil
	}
	return 0, fmt.Errorf("signal %q: %w", v, ErrUnknownKey)
}

func mustEvent(k byte) uint8 {
	ev, _ := EventForKey(k)
	return ev
}
