package sip

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// retryAfter is the Retry-After value (seconds) of our 503 responses
// (RFC 3261 §20.33).
const retryAfter = "5"

const allowMethods = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE"

// retryAfterHeader goes with every 503 we send: busy, stopping or out of
// RTP ports, we tell the caller (or its proxy) when to try again.
func retryAfterHeader() sip.Header { return sip.NewHeader("Retry-After", retryAfter) }

// unsupportedHeader names, in a 420, the extensions a request required
// that we lack (RFC 3261 §8.2.2.3).
func unsupportedHeader(tags []string) sip.Header {
	return sip.NewHeader("Unsupported", strings.Join(tags, ", "))
}

// minSEHeader gives, in a 422, the smallest session interval we accept
// (RFC 4028 §9).
func minSEHeader(d timerDecision) sip.Header {
	return sip.NewHeader("Min-SE", strconv.Itoa(int(d.minSE/time.Second)))
}

// respond answers req on tx with code, reason and hdrs, outside any
// dialog (a dialog's responses go through invite.respond).
func (s *Server) respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	s.sendResponse(tx, req, res)
}

// sendResponse sends res, the answer to req, on tx, and reports whether
// it went out.
func (s *Server) sendResponse(tx sip.ServerTransaction, req *sip.Request, res *sip.Response) bool {
	if err := tx.Respond(res); err != nil {
		s.responseFailed(callIDOf(req), res.StatusCode, err)
		return false
	}
	return true
}

// responseFailed logs a response that could not be sent: the transport
// refused it (over UDP, a response larger than sipgo's 1,300-byte limit)
// or its transaction had already ended (a CANCEL, a timeout). Nothing
// else is done about it: a UDP peer that got no final response
// retransmits its request or times out, and an INVITE whose answer failed
// ends the call where it is sent (invite.answer).
//
// A final response is logged as a warning, a provisional one (100, 180)
// at debug level: the final response that follows it tells how the
// request ended. The lines go through a limiter of their own (20 a
// second, the number dropped is reported with the next line), because a
// stranger can make every response fail by padding its requests.
func (s *Server) responseFailed(callID string, status int, err error) {
	level := slog.LevelWarn
	if status < 200 {
		level = slog.LevelDebug
	}
	s.respLog.Log(context.Background(), level, "response not sent", "call_id", callID, "status", status, "error", err)
}

// newResponseLog is the limited logger of responseFailed.
func newResponseLog(log *slog.Logger) *slog.Logger {
	return slog.New(newLimitedHandler(log.Handler(), 20, time.Second))
}

// callIDOf is the request's Call-ID ("" without one).
func callIDOf(req *sip.Request) string {
	if h := req.CallID(); h != nil {
		return h.Value()
	}
	return ""
}
