package sip

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dezura/dezura/dtmf"
	"github.com/dezura/dezura/sip/guard"
	"github.com/dezura/dezura/sip/uring"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// retryAfter is the Retry-After value (seconds) of our 503 responses
// (RFC 3261 §20.33).
const retryAfter = "5"

const allowMethods = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE"

// Server answers SIP calls over UDP and runs their media.
type Server struct {
	cfg    settings
	handle func(ctx context.Context, c *Call)
	log    *slog.Logger

	ready    chan struct{}
	addr     atomic.Pointer[net.UDPAddr]
	extIP    netip.Addr
	ports    *portAllocator
	sched    *scheduler
	schedPtr atomic.Pointer[scheduler]
	dialogs  *sipgo.DialogUA
	client   atomic.Pointer[sipgo.Client]

	guard       *guard.Guard // nil: every request is served
	logFull     bool         // Config.LogFullNumbers
	gateDropped atomic.Uint64

	draining atomic.Bool
	active   atomic.Int64 // INVITEs being answered + calls up
	stats    *serverStats

	timers     sessionTimers // RFC 4028 timers of the calls that have one
	timerStats timerCounters

	mu      sync.Mutex
	closed  bool             // Serve is stopping: no new call goroutines
	calls   map[string]*Call // by dialog ID
	wg      sync.WaitGroup   // INVITE handlers and call goroutines
	stop    context.CancelFunc
	serving chan struct{} // closed when Serve returns
	started bool
	baseCtx context.Context
}

// NewServer checks cfg and returns a Server that calls handle in its own
// goroutine for every answered call, once the caller has ACKed the 200 OK.
// handle's context ends when the call ends (either side, RTP timeout or
// server stop); handle must return soon after, and the call is hung up
// (BYE) if it is still up when handle returns.
func NewServer(cfg Config, handle func(ctx context.Context, c *Call)) (*Server, error) {
	st, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if handle == nil {
		return nil, fmt.Errorf("%w: nil handler", ErrBadConfig)
	}
	return &Server{
		cfg:     st,
		handle:  handle,
		log:     st.log,
		ready:   make(chan struct{}),
		calls:   make(map[string]*Call),
		serving: make(chan struct{}),
		stats:   newServerStats(),
		guard:   cfg.Guard,
		logFull: cfg.LogFullNumbers,
	}, nil
}

// Ready is closed once the server listens.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Addr is the SIP UDP address after Ready (port 0 resolved); nil before.
func (s *Server) Addr() net.Addr {
	a := s.addr.Load()
	if a == nil {
		return nil
	}
	return a
}

// Client is the server's SIP client after Ready (nil before). It sends
// from the listening socket, so a trunk registration made with it
// (sip/trunk) opens the NAT binding that the trunk's INVITEs come back
// through, and its responses reach the right transaction.
func (s *Server) Client() *sipgo.Client { return s.client.Load() }

// ContactURI is where peers reach us (external IP and listen port) after
// Ready; the zero Uri before.
func (s *Server) ContactURI() sip.Uri {
	if s.client.Load() == nil {
		return sip.Uri{}
	}
	return *s.dialogs.ContactHDR.Address.Clone()
}

// ActiveCalls counts calls being answered or up.
func (s *Server) ActiveCalls() int { return int(s.active.Load()) }

// MediaStats are counters of the shared media scheduler since Serve began.
type MediaStats struct {
	Ticks         uint64 // 20 ms ticks run, summed over shards
	FramesSkipped uint64 // ticks skipped after a stall (counted, never silent)
	FramesLate    uint64 // ticks sent more than 5 ms after their deadline
	Shards        int
	RingShards    int    // shards sending through io_uring (the rest use sendto)
	RingErrors    uint64 // io_uring failures (that shard went back to sendto)
}

// MediaStats returns the scheduler's counters (zero before Serve).
func (s *Server) MediaStats() MediaStats {
	sched := s.schedPtr.Load()
	if sched == nil {
		return MediaStats{}
	}
	st := MediaStats{Shards: len(sched.shards)}
	for _, sh := range sched.shards {
		st.Ticks += sh.ticks.Load()
		st.FramesSkipped += sh.skipped.Load()
		st.FramesLate += sh.late.Load()
		st.RingErrors += sh.ringErrors.Load()
		if sh.ringUsed.Load() {
			st.RingShards++
		}
	}
	return st
}

// Serve listens on cfg.Listen and answers calls until ctx ends or Shutdown
// is called; then it hangs up the calls still up and returns after every
// goroutine it started has ended. It returns nil after a clean stop.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return fmt.Errorf("%w: Serve called twice", ErrServerClosed)
	}
	if s.draining.Load() {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.started = true
	runCtx, stop := context.WithCancel(ctx)
	s.stop, s.baseCtx = stop, runCtx
	s.mu.Unlock()
	defer close(s.serving)
	defer stop()

	laddr, err := net.ResolveUDPAddr("udp", s.cfg.listen)
	if err != nil {
		return fmt.Errorf("sip: listen address %q: %w", s.cfg.listen, err)
	}
	conn, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return fmt.Errorf("sip: listen %s: %w", s.cfg.listen, err)
	}
	local := conn.LocalAddr().(*net.UDPAddr)
	listenIP, _ := netip.AddrFromSlice(local.IP)
	listenIP = listenIP.Unmap()
	s.extIP = listenIP
	if s.cfg.externalIP != "" {
		s.extIP = netip.MustParseAddr(s.cfg.externalIP) // validated
	} else if listenIP.IsUnspecified() {
		s.extIP = netip.MustParseAddr("127.0.0.1")
	}
	s.ports = newPortAllocator(listenIP, s.cfg.portMin, s.cfg.portMax)

	// sipgo logs each malformed packet with its bytes: at most 20 lines a
	// second get through, so a flood cannot fill the disk with a
	// scanner's text.
	sipLog := slog.New(newLimitedHandler(s.log.Handler(), 20, time.Second)).With("component", "sipgo")
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent("dezura"),
		sipgo.WithUserAgentHostname(s.extIP.String()),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(sipLog)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sipLog)),
	)
	if err != nil {
		conn.Close()
		return fmt.Errorf("sip: user agent: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(sipLog))
	if err != nil {
		ua.Close()
		conn.Close()
		return fmt.Errorf("sip: server: %w", err)
	}
	cli, err := sipgo.NewClient(ua,
		sipgo.WithClientLogger(sipLog),
		sipgo.WithClientConnectionAddr(local.String()),
		sipgo.WithClientHostname(s.extIP.String()),
		sipgo.WithClientPort(local.Port),
	)
	if err != nil {
		ua.Close()
		conn.Close()
		return fmt.Errorf("sip: client: %w", err)
	}
	s.dialogs = &sipgo.DialogUA{
		Client:     cli,
		ContactHDR: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: s.extIP.String(), Port: local.Port}},
		// In-dialog requests (BYE) go to where the INVITE came from when
		// there is no Record-Route: a caller behind NAT puts a private
		// address in its Contact (the signalling twin of symmetric RTP).
		RewriteContact: true,
	}
	srv.OnInvite(s.gated(s.onInvite))
	srv.OnAck(s.gated(s.onAck))
	srv.OnBye(s.gated(s.onBye))
	srv.OnCancel(s.gated(s.onCancel))
	srv.OnOptions(s.gated(s.onOptions))
	srv.OnRegister(s.gated(s.onRegister))
	srv.OnInfo(s.gated(s.onInfo))
	srv.OnUpdate(s.gated(s.onUpdate))

	s.sched = newScheduler(0, s.cfg.sendRing)
	s.schedPtr.Store(s.sched)
	s.sched.start(runCtx)

	var sipWG sync.WaitGroup
	sipWG.Go(func() {
		if err := srv.ServeUDP(conn); err != nil {
			s.log.Error("SIP transport stopped", "error", err)
		}
	})
	// The client sends BYEs from the listener socket, which the transport
	// layer knows only once ServeUDP has registered it.
	for i := 0; ua.TransportLayer().Pool("udp").Size() == 0 && i < 1000; i++ {
		time.Sleep(time.Millisecond)
	}
	s.addr.Store(local)
	s.client.Store(cli)
	close(s.ready)
	rtpSend := "sendto"
	if s.cfg.sendRing {
		if err := uring.Supported(); err != nil {
			s.log.Warn("io_uring unavailable: RTP is sent with one sendto per packet", "err", err)
		} else {
			rtpSend = "io_uring"
		}
	}
	s.log.Info("SIP listening", "addr", local.String(), "external_ip", s.extIP.String(),
		"dtmf", s.cfg.dtmfMode.String(), "max_calls", s.cfg.maxCalls, "rtp_send", rtpSend)

	<-runCtx.Done()

	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.hangupAll(EndShutdown)
	s.wg.Wait()
	_ = conn.Close() // stops ServeUDP
	_ = ua.Close()
	sipWG.Wait()
	s.sched.wait()
	s.log.Info("SIP stopped")
	return nil
}

// Shutdown stops taking calls (new INVITEs and OPTIONS get 503), waits for
// the calls in progress to end until ctx ends, then hangs up the rest and
// stops Serve. It returns ctx's error if calls had to be cut off.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	var err error
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
wait:
	for s.ActiveCalls() > 0 {
		select {
		case <-ctx.Done():
			err = ctx.Err()
			break wait
		case <-t.C:
		}
	}
	s.mu.Lock()
	stop, started := s.stop, s.started
	s.mu.Unlock()
	if !started {
		return err
	}
	if stop != nil {
		stop() // Serve hangs up what is left and returns
	}
	<-s.serving
	return err
}

// hangupAll ends every call with BYE, in parallel.
func (s *Server) hangupAll(reason EndReason) {
	s.mu.Lock()
	calls := make([]*Call, 0, len(s.calls))
	for _, c := range s.calls {
		calls = append(calls, c)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Go(func() { _ = c.terminate(reason, true) })
	}
	wg.Wait()
}

// track registers one goroutine with the server unless Serve is stopping.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

func respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res) // a lost response is retransmitted by the peer's request
}

// admit counts a new call unless the server is draining or full.
func (s *Server) admit() bool {
	if s.draining.Load() {
		s.stats.rejectedDraining.Add(1)
		return false
	}
	n := s.active.Add(1)
	if s.cfg.maxCalls > 0 && n > int64(s.cfg.maxCalls) {
		s.active.Add(-1)
		s.stats.rejectedFull.Add(1)
		return false
	}
	return true
}

// onInvite answers a new INVITE (RFC 3261 §13.3) or an in-dialog
// re-INVITE (§14.2).
func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil {
		if _, ok := to.Params.Get("tag"); ok {
			s.onReinvite(req, tx)
			return
		}
	}
	if !s.track() {
		respond(tx, req, 503, "Service Unavailable", sip.NewHeader("Retry-After", retryAfter))
		return
	}
	defer s.wg.Done()
	if !s.admit() {
		respond(tx, req, 503, "Service Unavailable", sip.NewHeader("Retry-After", retryAfter))
		s.refused(req)
		return
	}
	answered := false
	defer func() {
		if !answered {
			s.active.Add(-1)
		}
	}()
	arrived := time.Now()
	callID := ""
	if h := req.CallID(); h != nil {
		callID = h.Value()
	}
	caller := callerNumber(req)
	log := s.log.With("call_id", callID, "caller", s.logNumber(caller))

	// RFC 3261 §8.2.2.3: an extension we lack is refused before anything.
	if bad := unsupportedRequired(req); len(bad) > 0 {
		log.Info("INVITE requires unsupported extensions", "require", bad)
		respond(tx, req, 420, "Bad Extension", sip.NewHeader("Unsupported", strings.Join(bad, ", ")))
		return
	}
	timer := s.cfg.timers.negotiate(req)
	if timer.tooSmall {
		respond(tx, req, 422, "Session Interval Too Small", sip.NewHeader("Min-SE", strconv.Itoa(int(timer.minSE/time.Second))))
		return
	}
	// With Require: 100rel we send no 1xx but 100 Trying, so none needs to
	// be reliable (RFC 3262 §3) and no PRACK arises; with Supported: 100rel
	// our 180 is simply unreliable.
	no1xx := requires100rel(req)

	dlg, err := s.dialogs.ReadInvite(req, tx)
	if err != nil {
		log.Info("INVITE rejected", "error", err)
		respond(tx, req, 400, "Bad Request")
		return
	}
	_ = dlg.Respond(sip.StatusTrying, "Trying", nil)

	// No body is a late offer (RFC 3261 §13.2.1, e.g. Cisco delayed
	// offer): we offer in the 200 and the caller answers in the ACK.
	lateOffer := len(req.Body()) == 0
	var m Media
	if !lateOffer {
		if ct := req.ContentType(); ct == nil || !strings.EqualFold(strings.TrimSpace(strings.Split(ct.Value(), ";")[0]), "application/sdp") {
			log.Info("INVITE body is not SDP")
			_ = dlg.Respond(415, "Unsupported Media Type", nil, sip.NewHeader("Accept", "application/sdp"))
			return
		}
		m, err = NegotiateOffer(req.Body(), s.cfg.dtmfMode)
		switch {
		case errors.Is(err, ErrNoCommonCodec):
			log.Info("offer without G.711", "error", err)
			_ = dlg.Respond(488, "Not Acceptable Here", nil)
			return
		case err != nil:
			log.Info("bad SDP offer", "error", err)
			_ = dlg.Respond(400, "Bad Request", nil)
			return
		}
		if m.Remote.IsValid() && !m.Remote.Addr().Is4() {
			log.Info("IPv6 media offered")
			_ = dlg.Respond(488, "Not Acceptable Here", nil)
			return
		}
	}
	conn, err := s.ports.listen()
	if err != nil {
		log.Error("no RTP socket", "error", err)
		_ = dlg.Respond(503, "Service Unavailable", nil, sip.NewHeader("Retry-After", retryAfter))
		return
	}
	rtpPort := uint16(conn.LocalAddr().(*net.UDPAddr).Port)
	local := netip.AddrPortFrom(s.extIP, rtpPort)
	var answer []byte // our SDP: the answer, or the offer of a late-offer call
	if lateOffer {
		answer, err = BuildOffer(local, randUint64()>>1, s.cfg.dtmfMode)
	} else {
		answer, err = BuildAnswer(m, local, randUint64()>>1)
	}
	if err != nil {
		conn.Close()
		log.Error("build SDP answer", "error", err)
		_ = dlg.Respond(500, "Server Internal Error", nil)
		return
	}

	if s.cfg.answerDelay > 0 {
		if !no1xx {
			_ = dlg.Respond(sip.StatusRinging, "Ringing", nil)
		}
		t := time.NewTimer(s.cfg.answerDelay)
		select {
		case <-t.C:
		case <-dlg.Context().Done(): // CANCEL: the transaction layer sent 487
			t.Stop()
			conn.Close()
			log.Info("call cancelled before answer")
			return
		case <-s.baseCtx.Done():
			t.Stop()
			conn.Close()
			_ = dlg.Respond(503, "Service Unavailable", nil, sip.NewHeader("Retry-After", retryAfter))
			return
		}
	}

	// The handler's context ends with the call (terminate cancels it).
	ctx, cancel := context.WithCancel(context.WithoutCancel(s.baseCtx))
	c := &Call{
		id: callID, caller: caller, called: req.Recipient.User, arrived: arrived,
		media: m, sigSource: sourceIP(req), mode: s.cfg.dtmfMode, log: log, stats: s.stats,
		dlg: dlg, localSDP: answer, conn: conn,
		keys: make(chan byte, KeyBuffer), ctx: ctx, cancel: cancel,
		infoSeq: dtmf.NewInfoSequencer(req.CSeq().SeqNo, 0),
		ended:   make(chan struct{}), done: make(chan struct{}),
	}
	c.out = newOutbound(conn, m.Law, m.PayloadType, m.Remote, stream{
		ssrc: uint32(randUint64()), seq0: uint16(randUint64()), ts0: uint32(randUint64()),
	})
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cancel()
		conn.Close()
		_ = dlg.Respond(503, "Service Unavailable", nil, sip.NewHeader("Retry-After", retryAfter))
		return
	}
	s.calls[dlg.ID] = c
	s.mu.Unlock()
	answered = true

	var readers sync.WaitGroup
	startMedia := func() {
		c.startMedia(s.sched.add, func() { readers.Go(func() { c.readLoop(s.cfg.rtpTimeout) }) })
	}
	if !lateOffer {
		// Media starts with the 200 OK: silence until the handler plays.
		startMedia()
	}
	c.answered.Store(time.Now().UnixNano())
	select {
	case <-c.ended: // the server stopped before we could answer
		err = dlg.Respond(503, "Service Unavailable", nil, sip.NewHeader("Retry-After", retryAfter))
		if err == nil {
			err = ErrServerClosed
		}
	default:
		err = dlg.Respond(sip.StatusOK, "OK", answer, append(timer.headers(),
			sip.NewHeader("Content-Type", "application/sdp"), sip.NewHeader("Allow", allowMethods))...)
	}
	if err != nil {
		c.log.Warn("answer failed", "error", err)
		_ = c.terminate(EndFailed, false)
	}
	c.confirm(err == nil)
	if err == nil && lateOffer {
		// RFC 3264 §6: the answer is in the ACK.
		m, err = NegotiateOffer(c.ackBody(), s.cfg.dtmfMode)
		if err != nil || !offeredByUs(m, s.cfg.dtmfMode) {
			c.log.Info("no usable SDP answer in the ACK", "error", err)
			_ = c.terminate(EndFailed, true)
		} else {
			c.media = m
			c.out.setCodec(m.Law, m.PayloadType, m.Remote)
			startMedia()
		}
	}
	if c.EndReason() == EndUnknown {
		c.log.Info("call answered", "called", c.called, "codec", m.CodecName(),
			"events_pt", m.EventPT, "events", m.Events, "late_offer", lateOffer)
	}
	if c.EndReason() == EndUnknown {
		// Also without a timer now: a re-INVITE or UPDATE may start one.
		refreshes := s.timers.add(c)
		defer s.timers.remove(c)
		method := refreshInvite
		if hasTag(optionTags(req, "Allow"), "update") {
			method = refreshUpdate // RFC 4028 §7.1: UPDATE only if allowed
		}
		readers.Go(func() { s.runSessionTimer(c, timer, refreshes, method) })
	}
	// The handler starts once the ACK came (RFC 3261 §13.3.1.4: no BYE
	// before it), and the call is hung up when it returns.
	if c.EndReason() == EndUnknown {
		s.handle(ctx, c)
		_ = c.Hangup()
	}
	<-c.done
	readers.Wait()
	s.mu.Lock()
	delete(s.calls, dlg.ID)
	s.mu.Unlock()
	s.active.Add(-1)
	dlg.Close()
}

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
		respond(tx, req, 420, "Bad Extension", sip.NewHeader("Unsupported", strings.Join(bad, ", ")))
		return
	}
	timer := s.cfg.timers.negotiate(req)
	if timer.tooSmall {
		respond(tx, req, 422, "Session Interval Too Small", sip.NewHeader("Min-SE", strconv.Itoa(int(timer.minSE/time.Second))))
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
	if err := tx.Respond(res); err != nil {
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
		respond(tx, req, 403, "Forbidden")
		return
	}
	respond(tx, req, 481, "Call/Transaction Does Not Exist")
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
	if err := c.dlg.ReadBye(req, tx); err != nil {
		respond(tx, req, 400, "Bad Request")
		return
	}
	c.log.Info("caller hung up")
	_ = c.terminate(EndRemoteBye, false)
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
		respond(tx, req, 503, "Service Unavailable", sip.NewHeader("Retry-After", retryAfter))
		return
	}
	respond(tx, req, 200, "OK",
		sip.NewHeader("Allow", allowMethods),
		sip.NewHeader("Accept", "application/sdp"))
}

// onRegister refuses registrations: dezura is not a registrar.
func (s *Server) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	respond(tx, req, 405, "Method Not Allowed", sip.NewHeader("Allow", allowMethods))
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
		respond(tx, req, 415, "Unsupported Media Type",
			sip.NewHeader("Accept", "application/dtmf-relay, application/dtmf"))
		return
	case err != nil:
		respond(tx, req, 400, "Bad Request")
		return
	}
	respond(tx, req, 200, "OK")
	c.infoDigit(req.CSeq().SeqNo, ev, time.Now())
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

func randUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return binary.BigEndian.Uint64(b[:])
}

// sourceIP is the IP the request came from (invalid if unknown).
func sourceIP(req *sip.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
