package sip

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/dezura/dezura/dtmf"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// A new INVITE becomes a call through these steps, in this order:
//
//	admit → negotiate → allocate media → ring → register → answer → confirm → run → tear down
//
// Each is a method of invite. A step that refuses the call has sent the
// final response itself and returns false; onInvite then gives back what
// the steps before it took (release). From register on, the call owns its
// RTP socket and its place among the active calls, and tearDown gives
// them back once the call has ended.

// invite is one new INVITE on its way to becoming a call.
type invite struct {
	s   *Server
	req *sip.Request
	tx  sip.ServerTransaction

	// Set by admit.
	admitted bool // counted in s.active until the call owns that place
	arrived  time.Time
	callID   string
	caller   string
	log      *slog.Logger
	timer    timerDecision // the session timer (RFC 4028 §9)
	no1xx    bool          // the caller requires 100rel: no 1xx but 100 Trying
	dlg      *sipgo.DialogServerSession

	// Set by negotiate and allocateMedia.
	lateOffer bool     // no SDP in the INVITE: we offer in the 200, the caller answers in the ACK
	media     Media    // the negotiated media (of a late offer: once the ACK came)
	conn      *rtpConn // the RTP socket until the call owns it
	localSDP  []byte   // our answer, or our offer to a late-offer call

	readers sync.WaitGroup // the call's RTP reader and session timer
}

// onInvite answers a new INVITE (RFC 3261 §13.3) or hands an in-dialog
// re-INVITE (§14.2) to onReinvite.
func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil {
		if _, ok := to.Params.Get("tag"); ok {
			s.onReinvite(req, tx)
			return
		}
	}
	if !s.track() { // Serve is stopping
		s.respond(tx, req, 503, "Service Unavailable", retryAfterHeader())
		return
	}
	defer s.wg.Done()
	inv := &invite{s: s, req: req, tx: tx}
	if !inv.admit() || !inv.negotiate() || !inv.allocateMedia() || !inv.ring() {
		inv.release()
		return
	}
	c := inv.newCall()
	if !inv.register(c) {
		inv.release()
		return
	}
	inv.confirm(c, inv.answer(c))
	inv.run(c)
	inv.tearDown(c)
}

// admit takes a place among the active calls (503 when MaxCalls are up
// or the server is draining) and checks what the INVITE asks of us: an
// extension we lack is refused first (420, RFC 3261 §8.2.2.3), then a
// session interval below our Min-SE (422, RFC 4028 §9), then an INVITE
// that cannot start a dialog (400: no Contact). An admitted INVITE gets
// 100 Trying.
func (inv *invite) admit() bool {
	s, req := inv.s, inv.req
	if !s.admit() {
		inv.respond(503, "Service Unavailable", retryAfterHeader())
		s.refused(req)
		return false
	}
	inv.admitted, inv.arrived = true, time.Now()
	inv.callID, inv.caller = callIDOf(req), callerNumber(req)
	inv.log = s.log.With("call_id", inv.callID, "caller", s.logNumber(inv.caller))
	if bad := unsupportedRequired(req); len(bad) > 0 {
		inv.log.Info("INVITE requires unsupported extensions", "require", bad)
		inv.respond(420, "Bad Extension", unsupportedHeader(bad))
		return false
	}
	inv.timer = s.cfg.timers.negotiate(req)
	if inv.timer.tooSmall {
		inv.respond(422, "Session Interval Too Small", minSEHeader(inv.timer))
		return false
	}
	// With Require: 100rel we send no 1xx but 100 Trying, so none needs to
	// be reliable (RFC 3262 §3) and no PRACK arises; with Supported: 100rel
	// our 180 is simply unreliable.
	inv.no1xx = requires100rel(req)
	dlg, err := s.dialogs.ReadInvite(req, inv.tx)
	if err != nil {
		inv.log.Info("INVITE rejected", "error", err)
		inv.respond(400, "Bad Request")
		return false
	}
	inv.dlg = dlg
	inv.respond(sip.StatusTrying, "Trying")
	return true
}

// negotiate takes the media from the caller's SDP offer (RFC 3264 §6): a
// G.711 codec and, as the DTMF mode says, telephone-event. A body that is
// not SDP gets 415, an offer without G.711 or with IPv6 media 488, a
// malformed one 400. An INVITE without a body is a late offer (RFC 3261
// §13.2.1, e.g. Cisco's delayed offer): we offer in the 200 and the
// caller answers in the ACK (see confirm).
func (inv *invite) negotiate() bool {
	req := inv.req
	inv.lateOffer = len(req.Body()) == 0
	if inv.lateOffer {
		return true
	}
	if !isSDP(req.ContentType()) {
		inv.log.Info("INVITE body is not SDP")
		inv.respond(415, "Unsupported Media Type", sip.NewHeader("Accept", "application/sdp"))
		return false
	}
	m, err := NegotiateOffer(req.Body(), inv.s.cfg.dtmfMode)
	switch {
	case errors.Is(err, ErrNoCommonCodec):
		inv.log.Info("offer without G.711", "error", err)
		inv.respond(488, "Not Acceptable Here")
		return false
	case err != nil:
		inv.log.Info("bad SDP offer", "error", err)
		inv.respond(400, "Bad Request")
		return false
	case m.Remote.IsValid() && !m.Remote.Addr().Is4():
		inv.log.Info("IPv6 media offered")
		inv.respond(488, "Not Acceptable Here")
		return false
	}
	inv.media = m
	return true
}

// isSDP reports whether a Content-Type is application/sdp (parameters
// aside, any case).
func isSDP(ct *sip.ContentTypeHeader) bool {
	return ct != nil && strings.EqualFold(strings.TrimSpace(strings.Split(ct.Value(), ";")[0]), "application/sdp")
}

// allocateMedia binds the call's RTP socket (503 when no port of the
// range is free) and writes our SDP for it: the answer to the caller's
// offer, or our own offer to a late-offer call.
func (inv *invite) allocateMedia() bool {
	s := inv.s
	conn, err := s.ports.listen()
	if err != nil {
		inv.log.Error("no RTP socket", "error", err)
		inv.respond(503, "Service Unavailable", retryAfterHeader())
		return false
	}
	inv.conn = conn
	local := netip.AddrPortFrom(s.extIP, uint16(conn.LocalAddr().(*net.UDPAddr).Port))
	if inv.lateOffer {
		inv.localSDP, err = BuildOffer(local, randUint64()>>1, s.cfg.dtmfMode)
	} else {
		inv.localSDP, err = BuildAnswer(inv.media, local, randUint64()>>1)
	}
	if err != nil {
		inv.log.Error("build SDP answer", "error", err)
		inv.respond(500, "Server Internal Error")
		return false
	}
	return true
}

// ring waits Config.AnswerDelay before the answer, after 180 Ringing
// unless the caller requires reliable provisional responses. A CANCEL
// meanwhile ends the INVITE (the transaction layer has answered it with
// 487); so does Serve stopping (503).
func (inv *invite) ring() bool {
	delay := inv.s.cfg.answerDelay
	if delay <= 0 {
		return true
	}
	if !inv.no1xx {
		inv.respond(sip.StatusRinging, "Ringing")
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-inv.dlg.Context().Done():
		inv.log.Info("call cancelled before answer")
		return false
	case <-inv.s.baseCtx.Done():
		inv.respond(503, "Service Unavailable", retryAfterHeader())
		return false
	}
}

// newCall builds the Call the handler will get. Its context ends with
// the call (terminate cancels it), not with Serve's: the server hangs its
// calls up itself when it stops.
func (inv *invite) newCall() *Call {
	s, m := inv.s, inv.media
	ctx, cancel := context.WithCancel(context.WithoutCancel(s.baseCtx))
	c := &Call{
		id: inv.callID, caller: inv.caller, called: inv.req.Recipient.User, arrived: inv.arrived,
		media: m, sigSource: sourceIP(inv.req), mode: s.cfg.dtmfMode, log: inv.log, stats: s.stats,
		dlg: inv.dlg, localSDP: inv.localSDP, conn: inv.conn,
		keys: make(chan byte, KeyBuffer), ctx: ctx, cancel: cancel,
		infoSeq: dtmf.NewInfoSequencer(inv.req.CSeq().SeqNo, 0),
		ended:   make(chan struct{}), done: make(chan struct{}),
	}
	c.out = newOutbound(inv.conn, m.Law, m.PayloadType, m.Remote, stream{
		ssrc: uint32(randUint64()), seq0: uint16(randUint64()), ts0: uint32(randUint64()),
	})
	return c
}

// register adds the call to the server's calls, where in-dialog requests
// (ACK, BYE, INFO, re-INVITE, UPDATE) find it and where Serve finds it to
// hang it up, unless Serve is stopping (503). From here on the call owns
// the RTP socket and its place among the active calls.
func (inv *invite) register(c *Call) bool {
	s := inv.s
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.cancel()
		inv.respond(503, "Service Unavailable", retryAfterHeader())
		return false
	}
	s.calls[inv.dlg.ID] = c
	s.mu.Unlock()
	inv.conn, inv.admitted = nil, false
	return true
}

// answer sends the 200 OK with our SDP and the session timer headers,
// and waits for the ACK: sipgo retransmits the 200 until it comes (RFC
// 3261 §13.3.1.4). The media starts with the 200 (silence until the
// handler plays), except for a late offer, whose codec the ACK decides.
// A call ended meanwhile (Serve stopped) gets 503 instead. It reports
// whether the ACK came; if not, the call has ended as EndFailed.
func (inv *invite) answer(c *Call) bool {
	if !inv.lateOffer {
		inv.startMedia(c)
	}
	c.answered.Store(time.Now().UnixNano())
	status := sip.StatusOK
	var err error
	select {
	case <-c.ended: // the server stopped before we could answer
		status = 503
		err = inv.dlg.Respond(status, "Service Unavailable", nil, retryAfterHeader())
		if err == nil {
			err = ErrServerClosed
		}
	default:
		err = inv.dlg.Respond(status, "OK", inv.localSDP, append(inv.timer.headers(),
			sip.NewHeader("Content-Type", "application/sdp"), sip.NewHeader("Allow", allowMethods))...)
	}
	if err != nil {
		c.log.Warn("answer failed", "status", status, "error", err)
		_ = c.terminate(EndFailed, false) // without BYE it cannot fail
		return false
	}
	return true
}

// confirm ends the answer phase (a BYE asked for during it goes out now,
// RFC 3261 §15) and, for a late offer, takes the caller's answer from the
// ACK (RFC 3264 §6) and starts the media; an ACK without a usable answer
// ends the call with BYE.
func (inv *invite) confirm(c *Call, acked bool) {
	c.confirm(acked)
	if !acked || !inv.lateOffer {
		return
	}
	mode := inv.s.cfg.dtmfMode
	m, err := NegotiateOffer(c.ackBody(), mode)
	if err != nil || !offeredByUs(m, mode) {
		c.log.Info("no usable SDP answer in the ACK", "error", err)
		_ = c.terminate(EndFailed, true) // a failed BYE is logged inside
		return
	}
	inv.media, c.media = m, m
	c.out.setCodec(m.Law, m.PayloadType, m.Remote)
	inv.startMedia(c)
}

// startMedia puts the call on the media scheduler and starts its reader.
func (inv *invite) startMedia(c *Call) {
	timeout := inv.s.cfg.rtpTimeout
	c.startMedia(inv.s.sched.add, func() { inv.readers.Go(func() { c.readLoop(timeout) }) })
}

// run logs the answered call, starts its session timer and runs the
// handler, which starts only now that the ACK has come (RFC 3261
// §13.3.1.4: no BYE before it); the call is hung up when the handler
// returns. A call that has ended by then (a failed answer, BYE, RTP
// timeout, Serve stopping) goes no further.
func (inv *invite) run(c *Call) {
	if c.EndReason() != EndUnknown {
		return
	}
	m := inv.media
	c.log.Info("call answered", "called", c.called, "codec", m.CodecName(),
		"events_pt", m.EventPT, "events", m.Events, "late_offer", inv.lateOffer)
	if c.EndReason() != EndUnknown {
		return
	}
	inv.startSessionTimer(c)
	if c.EndReason() != EndUnknown {
		return
	}
	inv.s.handle(c.ctx, c)
	_ = c.Hangup() // a failed BYE is logged inside
}

// startSessionTimer runs the call's session timer (RFC 4028 §10), also
// when the INVITE set none: a re-INVITE or UPDATE may start one. Our
// refreshes are UPDATEs when the caller allows UPDATE (§7.1), else
// re-INVITEs.
func (inv *invite) startSessionTimer(c *Call) {
	s := inv.s
	refreshes := s.timers.add(c)
	method := refreshInvite
	if hasTag(optionTags(inv.req, "Allow"), "update") {
		method = refreshUpdate
	}
	inv.readers.Go(func() { s.runSessionTimer(c, inv.timer, refreshes, method) })
}

// tearDown waits for the call to end and for its reader and session
// timer, then forgets it: in-dialog requests for it get 481 from now on,
// its place among the active calls is free, and its dialog is closed.
func (inv *invite) tearDown(c *Call) {
	s := inv.s
	<-c.done
	inv.readers.Wait()
	s.timers.remove(c)
	s.mu.Lock()
	delete(s.calls, inv.dlg.ID)
	s.mu.Unlock()
	s.active.Add(-1)
	inv.dlg.Close()
}

// release gives back what the steps before register took, when one of
// them refused the call or it was cancelled.
func (inv *invite) release() {
	if inv.conn != nil {
		inv.conn.Close()
		inv.conn = nil
	}
	if inv.admitted {
		inv.s.active.Add(-1)
		inv.admitted = false
	}
}

// respond sends a response to the INVITE: in its dialog once admit has
// read it (sipgo then waits for the ACK of a final error response), on
// the transaction before.
func (inv *invite) respond(code int, reason string, hdrs ...sip.Header) {
	if inv.dlg == nil {
		inv.s.respond(inv.tx, inv.req, code, reason, hdrs...)
		return
	}
	if err := inv.dlg.Respond(code, reason, nil, hdrs...); err != nil {
		inv.s.responseFailed(inv.callID, code, err)
	}
}

// callerNumber is the user part of P-Asserted-Identity (RFC 3325), else
// of From.
func callerNumber(req *sip.Request) string {
	if h := req.GetHeader("P-Asserted-Identity"); h != nil {
		var u sip.Uri
		v := strings.TrimSpace(h.Value())
		if i := strings.IndexByte(v, '<'); i >= 0 {
			if j := strings.IndexByte(v[i:], '>'); j > 0 {
				v = v[i+1 : i+j]
			}
		}
		if err := sip.ParseUri(v, &u); err == nil && u.User != "" {
			return u.User
		}
	}
	if f := req.From(); f != nil {
		return f.Address.User
	}
	return ""
}
