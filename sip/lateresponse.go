package sip

import (
	"log/slog"

	"github.com/emiago/sipgo/sip"
)

// lateResponseLogger logs a response that matches no client transaction
// (a retransmission, or an answer that came after we gave up, such as a
// 408 to a BYE) to log, where sipgo would use its package-wide default
// logger, outside dezura's level and format.
func lateResponseLogger(log *slog.Logger) func(*sip.Response) {
	return func(res *sip.Response) {
		method := ""
		if cs := res.CSeq(); cs != nil {
			method = string(cs.MethodName)
		}
		callID := ""
		if id := res.CallID(); id != nil {
			callID = id.Value()
		}
		log.Info("SIP response for no transaction (late or retransmitted)", "status", res.StatusCode, "method", method, "call_id", callID, "from", res.Source())
	}
}
