// Package simulator is a SIP caller (UAC) for testing and loading dezura: it
// dials over UDP, offers G.711 with telephone-event, sends RTP every 20 ms,
// keys digits as RFC 4733 events, in-band tones or SIP INFO, listens to what
// the service plays and knows when a prompt has ended by its silence.
package simulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dezura/dezura/dtmf"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// How a call ended (Result.EndedBy).
const (
	EndedRemoteBye = "remote-bye" // the service hung up
	EndedLocalBye  = "local-bye"  // the simulator hung up as asked (HangupAfterGroup) or its context ended
	EndedCancel    = "cancel"     // CANCEL before the answer
	EndedRejected  = "rejected"   // non-2xx final response
	EndedTimeout   = "timeout"    // MaxDuration passed
)

// byeTimeout bounds the wait for the answer to our BYE (64*T1, RFC 3261 §17.1.2.2).
const byeTimeout = 32 * time.Second

// Result is what happened on one call.
type Result struct {
	Status       int           `json:"status"`           // final response to the INVITE (200, 487, 488, ...); 0 if none
	SetupLatency time.Duration `json:"setup_latency_ns"` // INVITE sent to 200 OK arrived (kernel stamp where there is one)
	// SetupSeen is INVITE to the moment the caller's goroutine had the
	// 200 OK: SetupLatency plus the generator's own delay.
	SetupSeen    time.Duration `json:"setup_seen_ns"`
	Duration     time.Duration `json:"duration_ns"` // INVITE to the end of the call
	EndedBy      string        `json:"ended_by"`    // one of the Ended* constants
	Heard        []int16       `json:"-"`           // decoded audio received, 8 kHz
	KeysSent     string        `json:"keys_sent"`
	CallID       string        `json:"call_id"`
	PromptsHeard int           `json:"prompts_heard"` // speech segments between silences
	Codec        string        `json:"codec,omitempty"`
	RTP          RTPStats      `json:"rtp"`
}

// Call places one call and returns when it has ended. A clean rejection
// (non-2xx final response) is a Result with EndedBy "rejected" and no error.
// Every wait is bounded by ctx and MaxDuration; all goroutines and sockets
// are gone when Call returns.
func Call(ctx context.Context, o Options) (Result, error) {
	c, err := o.check()
	if err != nil {
		return Result{}, err
	}
	var recipient sip.Uri
	if err := sip.ParseUri(c.To, &recipient); err != nil {
		return Result{}, fmt.Errorf("%w: destination %q: %w", ErrInvalidOptions, c.To, err)
	}
	port := recipient.Port
	if port == 0 {
		port = 5060
	}
	local, err := localIPFor(ctx, net.JoinHostPort(recipient.Host, strconv.Itoa(port)))
	if err != nil {
		return Result{}, err
	}
	cl, err := dial(ctx, c, recipient, local)
	if err != nil {
		return Result{}, err
	}
	defer cl.close()
	return cl.run(ctx)
}

// localIPFor returns the local address the kernel would use to reach dest
// (a connected UDP socket sends nothing).
func localIPFor(ctx context.Context, dest string) (netip.Addr, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", dest)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("simulator: route to %s: %w", dest, err)
	}
	defer conn.Close()
	ap, err := netip.ParseAddrPort(conn.LocalAddr().String())
	if err != nil {
		return netip.Addr{}, fmt.Errorf("simulator: local address: %w", err)
	}
	return ap.Addr().Unmap(), nil
}

// caller is one call's SIP user agent, sockets and state.
type caller struct {
	cfg       config
	recipient sip.Uri
	local     netip.Addr
	sipConn   *answerStampConn
	rtpConn   *net.UDPConn
	ua        *sipgo.UserAgent
	dua       *sipgo.DialogUA
	wg        sync.WaitGroup

	mu      sync.Mutex
	sess    *sipgo.DialogClientSession
	callID  string
	byeCh   chan struct{}
	byeOnce sync.Once
}

// dial opens the SIP and RTP sockets on the local address and starts the
// SIP transport reader.
func dial(ctx context.Context, c config, recipient sip.Uri, local netip.Addr) (*caller, error) {
	var lc net.ListenConfig
	host := local.String()
	sipConn, err := lc.ListenPacket(ctx, "udp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("simulator: open SIP socket: %w", err)
	}
	rtpPC, err := lc.ListenPacket(ctx, "udp", net.JoinHostPort(host, "0"))
	if err != nil {
		sipConn.Close()
		return nil, fmt.Errorf("simulator: open RTP socket: %w", err)
	}
	cl := &caller{cfg: c, recipient: recipient, local: local, sipConn: newAnswerStampConn(sipConn.(*net.UDPConn)),
		rtpConn: rtpPC.(*net.UDPConn), byeCh: make(chan struct{})}
	sipAddr := sipConn.LocalAddr().(*net.UDPAddr)
	lg := c.Logger
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent("dezura-sim"),
		sipgo.WithUserAgentHostname(host),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(lg)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(lg),
			// Retransmitted responses to finished transactions: sipgo's
			// default handler would log them on the process's default logger.
			sip.WithTransactionLayerUnhandledResponseHandler(func(r *sip.Response) {
				lg.Debug("unmatched SIP response (retransmission)", "status", r.StatusCode)
			})),
	)
	if err != nil {
		cl.closeSockets()
		return nil, fmt.Errorf("simulator: SIP user agent: %w", err)
	}
	cl.ua = ua
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(lg))
	if err != nil {
		cl.close()
		return nil, fmt.Errorf("simulator: SIP server: %w", err)
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientLogger(lg), sipgo.WithClientHostname(host),
		sipgo.WithClientConnectionAddr(sipAddr.String()))
	if err != nil {
		cl.close()
		return nil, fmt.Errorf("simulator: SIP client: %w", err)
	}
	cl.dua = &sipgo.DialogUA{
		Client:     cli,
		ContactHDR: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "sim", Host: host, Port: sipAddr.Port}},
	}
	srv.OnBye(cl.onBye)
	srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil))
	})
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		// A re-INVITE would change the media; the simulator keeps its
		// session (RFC 3261 §14.2: 488 leaves the session unchanged).
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusNotAcceptableHere, "Not Acceptable Here", nil))
	})
	cl.wg.Go(func() {
		// ServeUDP returns when the socket is closed.
		_ = srv.ServeUDP(cl.sipConn)
	})
	if err := awaitTransport(ctx, ua, sipAddr.String()); err != nil {
		cl.close()
		return nil, err
	}
	return cl, nil
}

// awaitTransport waits until sipgo's transport layer has taken the SIP
// socket, so requests are sent from it (and responses come back to it).
// ServeUDP gives no readiness signal for a socket passed in.
func awaitTransport(ctx context.Context, ua *sipgo.UserAgent, addr string) error {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	limit := time.NewTimer(5 * time.Second)
	defer limit.Stop()
	for {
		if _, err := ua.TransportLayer().GetConnection("udp", addr); err == nil {
			return nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("simulator: start SIP transport: %w", ctx.Err())
		case <-limit.C:
			return fmt.Errorf("simulator: SIP transport did not take socket %s", addr)
		}
	}
}

// onBye answers the service's BYE (RFC 3261 §15.1.2) and ends the call.
func (cl *caller) onBye(req *sip.Request, tx sip.ServerTransaction) {
	cl.mu.Lock()
	sess, id := cl.sess, cl.callID
	cl.mu.Unlock()
	if sess == nil || req.CallID() == nil || req.CallID().Value() != id {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
		return
	}
	if err := sess.ReadBye(req, tx); err != nil {
		cl.cfg.Logger.Warn("answer BYE", "call_id", id, "error", err)
	}
	cl.byeOnce.Do(func() { close(cl.byeCh) })
}

func (cl *caller) closeSockets() {
	_ = cl.sipConn.Close()
	_ = cl.rtpConn.Close()
}

// close stops the user agent, closes the sockets and waits for the reader.
func (cl *caller) close() {
	if cl.ua != nil {
		_ = cl.ua.Close()
	}
	cl.closeSockets()
	cl.wg.Wait()
}

// invite builds the INVITE with the SDP offer.
func (cl *caller) invite() (*sip.Request, error) {
	rtpAddr := netip.AddrPortFrom(cl.local, uint16(cl.rtpConn.LocalAddr().(*net.UDPAddr).Port))
	offer, err := buildOffer(rtpAddr, cl.cfg.codecs, cl.cfg.EventPT, rand.Uint64()>>2)
	if err != nil {
		return nil, err
	}
	req := sip.NewRequest(sip.INVITE, cl.recipient)
	from := &sip.FromHeader{Params: sip.NewParams()}
	if cl.cfg.From == "" {
		// RFC 3323 §4.1.1.3: an anonymous From.
		from.DisplayName = "Anonymous"
		from.Address = sip.Uri{Scheme: "sip", User: "anonymous", Host: "anonymous.invalid"}
	} else {
		from.Address = sip.Uri{Scheme: "sip", User: cl.cfg.From, Host: cl.local.String()}
	}
	from.Params.Add("tag", sip.GenerateTagN(16))
	to := &sip.ToHeader{Address: sip.Uri{Scheme: cl.recipient.Scheme, User: cl.recipient.User, Host: cl.recipient.Host}, Params: sip.NewParams()}
	if to.Address.Scheme == "" {
		to.Address.Scheme = "sip"
	}
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"))
	req.SetBody(offer)
	return req, nil
}

// run places the call and drives it to its end: INVITE, the wait for the
// answer, then the answered call.
func (cl *caller) run(ctx context.Context) (Result, error) {
	req, err := cl.invite()
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	deadline := start.Add(cl.cfg.MaxDuration)
	sess, err := cl.dua.WriteInvite(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("simulator: send INVITE: %w", err)
	}
	res := Result{CallID: req.CallID().Value()}
	lg := cl.cfg.Logger.With("call_id", res.CallID)
	cl.mu.Lock()
	cl.sess, cl.callID = sess, res.CallID
	cl.mu.Unlock()
	defer sess.Close()

	if answered, err := cl.awaitAnswer(ctx, sess, start, deadline, &res, lg); !answered {
		return res, err
	}
	err = cl.talk(ctx, sess, start, deadline, &res, lg)
	return res, err
}

// awaitAnswer waits for the final response to the INVITE and puts its
// status and, for a 2xx, the setup times in res. When the call ended
// unanswered it returns false, with res.EndedBy and res.Duration set and
// the error run returns.
func (cl *caller) awaitAnswer(ctx context.Context, sess *sipgo.DialogClientSession, start, deadline time.Time, res *Result, lg *slog.Logger) (bool, error) {
	w := newAnswerWait(ctx, deadline, cl.cfg.CancelAfter)
	defer w.stop()
	err := sess.WaitAnswer(w.ctx, sipgo.AnswerOptions{OnResponse: w.onResponse})
	if sess.InviteResponse != nil {
		res.Status = sess.InviteResponse.StatusCode
	}
	if err != nil {
		res.Duration = time.Since(start)
		// Classified while w still runs: once stopped, its context has ended.
		return false, cl.unanswered(ctx, w, sess, err, res, lg)
	}
	res.SetupSeen = time.Since(start)
	res.SetupLatency = res.SetupSeen
	if at := cl.sipConn.answeredAt(); !at.IsZero() && !at.Before(start) && at.Sub(start) <= res.SetupSeen {
		res.SetupLatency = at.Sub(start)
	}
	res.Status = sess.InviteResponse.StatusCode
	return true, nil
}

// answerWait bounds the wait for the answer to an INVITE by ctx,
// MaxDuration and CancelAfter. Ending it makes sipgo send CANCEL
// (RFC 3261 §9.1), which may only follow a provisional response; with
// none yet the wait is abandoned at once (sipgo's forced cancel) so that
// nothing outlives ctx or MaxDuration by a transaction timeout.
type answerWait struct {
	ctx         context.Context // passed to WaitAnswer
	cancel      context.CancelCauseFunc
	provisional atomic.Bool // a 1xx has arrived
	cancelled   atomic.Bool // CancelAfter ended the wait
	stops       []func() bool
}

func newAnswerWait(ctx context.Context, deadline time.Time, cancelAfter time.Duration) *answerWait {
	w := &answerWait{}
	w.ctx, w.cancel = context.WithCancelCause(context.Background())
	w.stops = append(w.stops,
		context.AfterFunc(ctx, func() { w.giveUp(false) }),
		time.AfterFunc(time.Until(deadline), func() { w.giveUp(false) }).Stop)
	if cancelAfter > 0 {
		w.stops = append(w.stops, time.AfterFunc(cancelAfter, func() { w.giveUp(true) }).Stop)
	}
	return w
}

// onResponse notes provisional responses (sipgo.AnswerOptions.OnResponse).
func (w *answerWait) onResponse(r *sip.Response) error {
	if r.IsProvisional() {
		w.provisional.Store(true)
	}
	return nil
}

// giveUp ends the wait: by CANCEL after a provisional response, at once
// before one.
func (w *answerWait) giveUp(byCancel bool) {
	if byCancel {
		w.cancelled.Store(true)
	}
	if w.provisional.Load() {
		w.cancel(context.Canceled)
	} else {
		w.cancel(sipgo.WaitAnswerForceCancelErr)
	}
}

// stop disarms the triggers, latest first, and releases the context.
func (w *answerWait) stop() {
	for i := len(w.stops) - 1; i >= 0; i-- {
		w.stops[i]()
	}
	w.cancel(nil)
}

// unanswered says how a call ended without a 2xx to work with: rejected,
// cancelled, timed out (res.EndedBy, no error) or failed (ErrNoAnswer).
// It returns ctx's error if ctx ended the wait.
func (cl *caller) unanswered(ctx context.Context, w *answerWait, sess *sipgo.DialogClientSession, err error, res *Result, lg *slog.Logger) error {
	var dr *sipgo.ErrDialogResponse
	var drv sipgo.ErrDialogResponse
	switch {
	case errors.As(err, &dr):
		res.Status, res.EndedBy = dr.Res.StatusCode, EndedRejected
		return nil
	case errors.As(err, &drv):
		res.Status, res.EndedBy = drv.Res.StatusCode, EndedRejected
		return nil
	case w.ctx.Err() == nil:
		return fmt.Errorf("%w: %w", ErrNoAnswer, err)
	}
	switch {
	case ctx.Err() != nil:
		res.EndedBy = EndedCancel
	case w.cancelled.Load():
		res.EndedBy = EndedCancel
	default:
		res.EndedBy = EndedTimeout
	}
	if res.Status >= 200 && res.Status < 300 {
		// The 200 crossed our CANCEL: confirm and hang up.
		cl.hangupAnswered(sess, lg)
	}
	return ctx.Err()
}

// talk runs an answered call: ACK, the media and keys until the call
// ends, and the recording. It fills in the rest of res.
func (cl *caller) talk(ctx context.Context, sess *sipgo.DialogClientSession, start, deadline time.Time, res *Result, lg *slog.Logger) error {
	lg.Debug("answered", "status", res.Status, "setup", res.SetupLatency)
	if err := sess.Ack(ctx); err != nil {
		return fmt.Errorf("simulator: send ACK: %w", err)
	}
	ans, err := parseAnswer(sess.InviteResponse.Body(), cl.cfg.codecs)
	if err != nil {
		cl.bye(sess, lg)
		res.EndedBy, res.Duration = EndedLocalBye, time.Since(start)
		return err
	}
	res.Codec = ans.Codec.String()
	if !ans.HasEvent {
		ans.EventPT = cl.cfg.EventPT
	}
	m := cl.converse(ctx, sess, ans, deadline, lg)
	res.EndedBy, res.KeysSent = m.endedBy, m.keysSent
	res.Heard, res.PromptsHeard, res.RTP = m.in.heard, m.in.vad.segments, m.in.result()
	res.Duration = time.Since(start)
	if cl.cfg.Record != "" {
		if err := writeWAVFile(cl.cfg.Record, res.Heard); err != nil {
			return err
		}
	}
	return m.err
}

// hangupAnswered ACKs a 2xx and sends BYE.
func (cl *caller) hangupAnswered(sess *sipgo.DialogClientSession, lg *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	if err := sess.Ack(ctx); err != nil {
		lg.Warn("ACK after CANCEL", "error", err)
		return
	}
	if err := sess.Bye(ctx); err != nil {
		lg.Warn("BYE after CANCEL", "error", err)
	}
}

// bye sends BYE, bounded by byeTimeout even if the caller's context has ended.
func (cl *caller) bye(sess *sipgo.DialogClientSession, lg *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	if err := sess.Bye(ctx); err != nil {
		lg.Warn("BYE", "error", err)
	}
}

func writeWAVFile(path string, samples []int16) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("simulator: record: %w", err)
	}
	if err := WriteWAV(f, samples); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("simulator: record: %w", err)
	}
	return nil
}

// keyMode reports whether digits go in the RTP stream.
func keyMode(m dtmf.Transport) bool {
	return m == dtmf.TransportRFC4733 || m == dtmf.TransportInband
}
