package guard

import "fmt"

// Verdict is what the server does with a request.
type Verdict uint8

// The verdicts.
const (
	// Unknown is the zero value; Check never returns it.
	Unknown Verdict = iota
	// Allow: handle the request as usual.
	Allow
	// Challenge: answer 401 Unauthorized with one WWW-Authenticate header
	// per challenge string Check returned (RFC 3261 §22.2).
	Challenge
	// Forbid: answer 403 Forbidden, with no hint why (which users exist,
	// whether the password was close).
	Forbid
	// Drop: send nothing at all (banned or flooding source; answering
	// would only feed the flood).
	Drop
)

var verdictNames = [...]string{"unknown", "allow", "challenge", "forbid", "drop"}

// String returns the lower-case name ("allow", "drop", ...), also used as a
// metrics label.
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "unknown"
}

// ParseVerdict is the inverse of String (not for "unknown").
func ParseVerdict(s string) (Verdict, error) {
	for v := Allow; v <= Drop; v++ {
		if s == verdictNames[v] {
			return v, nil
		}
	}
	return Unknown, fmt.Errorf("%w: verdict %q", ErrUnknownEnum, s)
}

// StatusCode is the SIP response status to send for the verdict: 401 for
// Challenge, 403 for Forbid, 0 for Allow and Drop (handle normally, or
// send nothing).
func (v Verdict) StatusCode() int {
	switch v {
	case Challenge:
		return 401
	case Forbid:
		return 403
	}
	return 0
}

// OptionsPolicy is what happens to an OPTIONS request from an untrusted
// source (--untrusted-options).
type OptionsPolicy uint8

// The policies.
const (
	// OptionsUnknown is the zero value; New takes it as OptionsAnswer.
	OptionsUnknown OptionsPolicy = iota
	// OptionsAnswer: Check returns Allow and the server answers a minimal
	// 200 (keep-alive probes from a carrier's other addresses keep working).
	OptionsAnswer
	// OptionsIgnore: Check returns Drop (a scanner sees nothing).
	OptionsIgnore
)

var optionsNames = [...]string{"unknown", "answer", "ignore"}

// String returns "answer" or "ignore".
func (p OptionsPolicy) String() string {
	if int(p) < len(optionsNames) {
		return optionsNames[p]
	}
	return "unknown"
}

// ParseOptionsPolicy parses "answer" or "ignore" (the --untrusted-options
// flag values).
func ParseOptionsPolicy(s string) (OptionsPolicy, error) {
	for p := OptionsAnswer; p <= OptionsIgnore; p++ {
		if s == optionsNames[p] {
			return p, nil
		}
	}
	return OptionsUnknown, fmt.Errorf("%w: untrusted OPTIONS policy %q (want answer or ignore)", ErrUnknownEnum, s)
}
