package sip

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dezura/dezura/sip/guard"
	"github.com/dezura/dezura/sip/uring"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Server answers SIP calls over UDP and runs their media.
type Server struct {
	cfg     settings
	handle  func(ctx context.Context, c *Call)
	log     *slog.Logger
	respLog *slog.Logger // responses that could not be sent (see responseFailed)

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
		respLog: newResponseLog(st.log),
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
	runCtx, stop, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer close(s.serving)
	defer stop()

	conn, err := s.listen()
	if err != nil {
		return err
	}
	local := conn.LocalAddr().(*net.UDPAddr)
	ua, srv, err := s.newSIP(local)
	if err != nil {
		conn.Close()
		return err
	}
	s.sched = newScheduler(0, s.cfg.sendRing)
	s.schedPtr.Store(s.sched)
	s.sched.start(runCtx)

	var sipWG sync.WaitGroup
	sipWG.Go(func() {
		if err := srv.ServeUDP(newUAConn(conn, s.cfg.userAgent)); err != nil {
			s.log.Error("SIP transport stopped", "error", err)
		}
	})
	// The client sends BYEs from the listener socket, which the transport
	// layer knows only once ServeUDP has registered it.
	for i := 0; ua.TransportLayer().Pool("udp").Size() == 0 && i < 1000; i++ {
		time.Sleep(time.Millisecond)
	}
	s.addr.Store(local)
	s.client.Store(s.dialogs.Client)
	close(s.ready)
	s.logListening(local)

	<-runCtx.Done()

	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.hangupAll(EndShutdown)
	s.wg.Wait()
	_ = conn.Close() // stops ServeUDP; a close error changes nothing now
	_ = ua.Close()   // the same: every transaction we cared about is over
	sipWG.Wait()
	s.sched.wait()
	s.log.Info("SIP stopped")
	return nil
}

// begin marks the server started, unless Serve was called before or
// Shutdown came first, and returns the context the server runs under.
func (s *Server) begin(ctx context.Context) (context.Context, context.CancelFunc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return nil, nil, fmt.Errorf("%w: Serve called twice", ErrServerClosed)
	}
	if s.draining.Load() {
		return nil, nil, ErrServerClosed
	}
	s.started = true
	runCtx, stop := context.WithCancel(ctx)
	s.stop, s.baseCtx = stop, runCtx
	return runCtx, stop, nil
}

// listen opens the SIP socket and sets what follows from its address:
// the external IP of SDP and Contact, and the RTP port allocator.
func (s *Server) listen() (*net.UDPConn, error) {
	laddr, err := net.ResolveUDPAddr("udp", s.cfg.listen)
	if err != nil {
		return nil, fmt.Errorf("sip: listen address %q: %w", s.cfg.listen, err)
	}
	conn, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, fmt.Errorf("sip: listen %s: %w", s.cfg.listen, err)
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
	return conn, nil
}

// newSIP builds the sipgo user agent, server and client for the socket
// at local, and routes each request method to its handler behind the
// guard.
func (s *Server) newSIP(local *net.UDPAddr) (*sipgo.UserAgent, *sipgo.Server, error) {
	// sipgo logs each malformed packet with its bytes: at most 20 lines a
	// second get through, so a flood cannot fill the disk with a
	// scanner's text.
	sipLog := slog.New(newLimitedHandler(s.log.Handler(), 20, time.Second)).With("component", "sipgo")
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent("dezura"),
		sipgo.WithUserAgentHostname(s.extIP.String()),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(sipLog),
			sip.WithTransactionLayerUnhandledResponseHandler(lateResponseLogger(sipLog))),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sipLog)),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("sip: user agent: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(sipLog))
	if err != nil {
		ua.Close()
		return nil, nil, fmt.Errorf("sip: server: %w", err)
	}
	cli, err := sipgo.NewClient(ua,
		sipgo.WithClientLogger(sipLog),
		sipgo.WithClientConnectionAddr(local.String()),
		sipgo.WithClientHostname(s.extIP.String()),
		sipgo.WithClientPort(local.Port),
		sipgo.WithClientNAT(), // rport in our Via (RFC 3581): answers come back through a NAT
	)
	if err != nil {
		ua.Close()
		return nil, nil, fmt.Errorf("sip: client: %w", err)
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
	return ua, srv, nil
}

// logListening says where the server listens and how it sends RTP.
func (s *Server) logListening(local *net.UDPAddr) {
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
		wg.Go(func() { _ = c.terminate(reason, true) }) // a failed BYE is logged inside
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
