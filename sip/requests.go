package sip

import (
	"errors"
	"time"

	"github.com/dezura/dezura/dtmf"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// The handlers of every request but a new INVITE (invite.go): requests in
// a call's dialog, and the out-of-dialog OPTIONS and REGISTER.

// onReinvite answers a re-INVITE in an existing dialog (session refresh,
// RFC 4028, or hold) with the same answer; the media does not change.
func (s *Server) onReinvite(req *sip.Request, tx sip.ServerTransaction) {
	s.onRefresh(req, tx, true)
}

// onUpdate answers UPDATE (RFC 3311) in a dialog: session refresh only;
// an offer in it gets our unchanged answer.
func (s *Server) onUpdate(req *sip.Request, tx sip.ServerTransaction) {
	s.onRefresh(req, tx, len(req.Body()) > 0)
}

// onRefresh answers a re-INVITE or UPDATE with our SDP when withSDP and
// the session timer headers of RFC 4028 §9, and restarts the call's
// session timer (§10: any 2xx to a refresh refreshes the session).
func (s *Server) onRefresh(req *sip.Request, tx sip.ServerTransaction, withSDP bool) {
	c := s.match(req)
	if c == nil {
		s.noDialog(req, tx)
		return
	}
	c.infoSkip(req.CSeq().SeqNo, time.Now())
	if bad := unsupportedRequired(req); len(bad) > 0 {
		s.respond(tx, req, 420, "Bad Extension", unsupportedHeader(bad))
		return
	}
	timer := s.cfg.timers.negotiate(req)
	if timer.tooSmall {
		s.respond(tx, req, 422, "Session Interval Too Small", minSEHeader(timer))
		return
	}
	var res *sip.Response
	if withSDP {
		res = sip.NewSDPResponseFromRequest(req, c.localSDP)
	} else {
		res = sip.NewResponseFromRequest(req, 200, "OK", nil)
	}
	res.AppendHeader(sip.HeaderClone(&s.dialogs.ContactHDR))
	for _, h := range timer.headers() {
		res.AppendHeader(h)
	}
	if !s.sendResponse(tx, req, res) {
		return // the caller retransmits; its timer is refreshed then
	}
	s.timers.refreshed(c, timer)
}

// noDialog answers an in-dialog request that matches no call: 481 (RFC
// 3261 §12.2.2) to a trusted source, but 403 without detail to anyone
// else, like the guard's answer to a stranger's INVITE, so that a scanner
// cannot tell a dialog it guessed from one that does not exist.
func (s *Server) noDialog(req *sip.Request, tx sip.ServerTransaction) {
	if s.guard != nil && !s.guard.Trusted(sourceIP(req)) {
		s.respond(tx, req, 403, "Forbidden")
		return
	}
	s.respond(tx, req, 481, "Call/Transaction Does Not Exist")
}

// match finds the call of an in-dialog request.
func (s *Server) match(req *sip.Request) *Call {
	id, err := sip.DialogIDFromRequestUAS(req)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[id]
}

func (s *Server) onAck(req *sip.Request, tx sip.ServerTransaction) {
	if c := s.match(req); c != nil {
		c.setAckBody(req.Body())   // the answer to a late offer
		_ = c.dlg.ReadAck(req, tx) // an ACK for a re-INVITE has another CSeq; nothing to do
	}
}

func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := s.match(req)
	if c == nil {
		s.noDialog(req, tx)
		return
	}
	switch err := c.dlg.ReadBye(req, tx); {
	case errors.Is(err, sipgo.ErrDialogInvalidCseq):
		s.respond(tx, req, 400, "Bad Request")
		return
	case err != nil:
		// The 200 could not be sent. sipgo has closed the dialog all the
		// same, and the caller has hung up whatever it hears from us.
		s.responseFailed(c.id, 200, err)
	}
	c.log.Info("caller hung up")
	_ = c.terminate(EndRemoteBye, false) // without BYE it cannot fail
}

// onCancel answers a CANCEL that matched no INVITE transaction (a
// matching one is answered by the transaction layer, with 487 to the
// INVITE; RFC 3261 §9.2).
func (s *Server) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	s.noDialog(req, tx)
}

// onOptions answers 200 while taking calls and 503 while draining, so a
// dispatcher can probe us (RFC 3261 §11).
func (s *Server) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	if s.draining.Load() {
		s.respond(tx, req, 503, "Service Unavailable", retryAfterHeader())
		return
	}
	s.respond(tx, req, 200, "OK",
		sip.NewHeader("Allow", allowMethods),
		sip.NewHeader("Accept", "application/sdp"))
}

// onRegister refuses registrations: dezura is not a registrar.
func (s *Server) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	s.respond(tx, req, 405, "Method Not Allowed", sip.NewHeader("Allow", allowMethods))
}

// onInfo takes DTMF from SIP INFO in a dialog (application/dtmf-relay,
// application/dtmf): 200 for a digit, 415 for other bodies, 400 for a
// malformed one.
func (s *Server) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	c := s.match(req)
	if c == nil {
		s.noDialog(req, tx)
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	ev, err := dtmf.ParseInfo(ct, req.Body())
	if err != nil {
		c.infoSkip(req.CSeq().SeqNo, time.Now())
	}
	switch {
	case errors.Is(err, dtmf.ErrUnsupportedBody):
		s.respond(tx, req, 415, "Unsupported Media Type",
			sip.NewHeader("Accept", "application/dtmf-relay, application/dtmf"))
		return
	case err != nil:
		s.respond(tx, req, 400, "Bad Request")
		return
	}
	s.respond(tx, req, 200, "OK")
	c.infoDigit(req.CSeq().SeqNo, ev, time.Now())
}
