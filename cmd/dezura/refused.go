package main

import (
	"github.com/dezura/dezura/ivr"
	"github.com/dezura/dezura/sip"
)

// refusedCall is a refused INVITE as the call flow records it.
func refusedCall(r sip.Refusal) ivr.RefusedCall {
	reason := ivr.EndOverload
	if r.Draining {
		reason = ivr.EndShutdown
	}
	return ivr.RefusedCall{CallID: r.CallID, Caller: r.Caller, Called: r.Called, At: r.At, Reason: reason}
}
