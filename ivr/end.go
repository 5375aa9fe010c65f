package ivr

// EndReason says what ended a call, as written to its call record beside
// the outcome (what the call did) and the flow's reason (why it went so).
type EndReason uint8

const (
	EndUnknown       EndReason = iota
	EndCallerHangup            // the caller hung up
	EndServiceHangup           // the service hung up when the flow was done
	EndTimeout                 // the service hung up because the caller keyed nothing, or the session expired
	EndRTPTimeout              // no audio came from the caller for the RTP timeout
	EndShutdown                // the service stopped (drain deadline, or a restart)
	EndOverload                // refused: the service had all the calls it takes (--max-calls)
)

var endReasonNames = [...]string{"unknown", "caller_hangup", "service_hangup", "timeout", "rtp_timeout", "shutdown", "overload"}

func (r EndReason) String() string {
	if int(r) < len(endReasonNames) {
		return endReasonNames[r]
	}
	return "unknown"
}

// ParseEndReason is the inverse of String.
func ParseEndReason(s string) (EndReason, bool) {
	for i, n := range endReasonNames {
		if i > 0 && n == s {
			return EndReason(i), true
		}
	}
	return EndUnknown, false
}

// endReasonOf names what ended a call from the call's own account
// (Call.EndCause) and the flow's reason: a service hang-up after the
// caller keyed nothing, try after try, is a timeout.
func endReasonOf(cause, flowReason string) EndReason {
	switch cause {
	case "remote_bye":
		return EndCallerHangup
	case "hangup":
		if flowReason == "no_input" {
			return EndTimeout
		}
		return EndServiceHangup
	case "session_expired":
		return EndTimeout
	case "rtp_timeout":
		return EndRTPTimeout
	case "shutdown":
		return EndShutdown
	}
	return EndUnknown
}
