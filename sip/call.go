package sip

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dezura/dezura/dtmf"
	"github.com/dezura/dezura/prompts"
	"github.com/emiago/sipgo"
)

// KeyBuffer is the capacity of a call's key channel. Keys pressed while
// it is full are dropped and counted; the media path never blocks.
const KeyBuffer = 64

// byeTimeout bounds how long Hangup waits for the answer to its BYE.
const byeTimeout = 5 * time.Second

// inbandEcho is how long after an in-band digit an RFC 4733 event for the
// same key is taken as the same key press (auto mode, before in-band
// detection is switched off).
const inbandEcho = 300 * time.Millisecond

// EndReason says how a call ended.
type EndReason uint8

const (
	EndUnknown        EndReason = iota
	EndHangup                   // we hung up (Hangup, or the handler returned)
	EndRemoteBye                // the caller sent BYE
	EndRTPTimeout               // no RTP from the caller for RTPTimeout
	EndShutdown                 // the server stopped
	EndFailed                   // the answer failed (no ACK, transport error)
	EndSessionExpired           // the caller did not refresh the session (RFC 4028 §10)
)

var endReasonNames = [...]string{"unknown", "hangup", "remote_bye", "rtp_timeout", "shutdown", "failed", "session_expired"}

// String returns the name used in logs and call records.
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

// Call is one answered call. It satisfies ivr.Call.
type Call struct {
	id        string
	caller    string
	called    string
	arrived   time.Time
	answered  atomic.Int64 // unix nanoseconds
	media     Media
	sigSource netip.Addr // where the INVITE came from
	mode      DTMFMode
	log       *slog.Logger

	dlg       *sipgo.DialogServerSession
	localSDP  []byte
	conn      *rtpConn
	out       *outbound
	removeOut func()

	keys        chan byte
	keysDropped atomic.Uint64
	transport   atomic.Uint32 // dtmf.Transport of the last key
	digitalSeen atomic.Bool   // an RFC 4733 or INFO digit was seen

	mu           sync.Mutex // guards the answer phase, removeOut, ack and the in-band echo guard
	confirmed    bool       // the answer is over (ACK came, or it failed)
	pendingBye   bool       // terminate asked for BYE before the answer was over
	ack          []byte     // body of the first ACK (the answer to a late offer)
	ackSeen      bool
	lastInband   byte
	lastInbandAt time.Time

	infoMu  sync.Mutex // serialises the INFO sequencer and its deliveries
	infoSeq *dtmf.InfoSequencer

	rxAccepted atomic.Uint64
	rxDropped  atomic.Uint64
	rxExpected atomic.Uint64 // packets the caller's sequence numbers say were sent
	rxLost     atomic.Uint64
	rxJitter   atomic.Int64 // RFC 3550 interarrival jitter, nanoseconds

	stats *serverStats // the server's counters (nil in unit tests)

	ctx    context.Context
	cancel context.CancelFunc

	endOnce sync.Once
	ended   chan struct{} // closed when the call starts ending (media stopped)
	done    chan struct{} // closed when the call has ended (BYE done)
	reason  atomic.Uint32
}

// ID is the SIP Call-ID.
func (c *Call) ID() string { return c.id }

// Caller is the calling number as presented (P-Asserted-Identity or From
// user part).
func (c *Call) Caller() string { return c.caller }

// Called is the Request-URI user part.
func (c *Call) Called() string { return c.called }

// ArrivedAt is when the INVITE arrived.
func (c *Call) ArrivedAt() time.Time { return c.arrived }

// AnsweredAt is when the 200 OK was sent (zero before).
func (c *Call) AnsweredAt() time.Time {
	n := c.answered.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Media is the negotiated codec, telephone-event format and remote address.
func (c *Call) Media() Media { return c.media }

// Play starts playing clips one after another, replacing whatever was
// playing. The channel is closed when the playlist has been sent or was
// stopped (or the call ended). Between playlists the call sends silence.
// Keys do not stop playback: the flow calls StopPlayback.
func (c *Call) Play(clips []*prompts.Clip) <-chan struct{} {
	return c.out.setPlaylist(clips)
}

// StopPlayback stops the current playlist at the next frame boundary.
func (c *Call) StopPlayback() { c.out.stop() }

// Keys delivers key presses in order, however they arrived.
func (c *Call) Keys() <-chan byte { return c.keys }

// DTMFTransport names the transport of the last key ("rfc4733", "inband",
// "info"), or "" if no key has arrived.
func (c *Call) DTMFTransport() string {
	t := dtmf.Transport(c.transport.Load())
	if t == dtmf.TransportUnknown {
		return ""
	}
	return t.String()
}

// Done is closed when the call has ended, by either side.
func (c *Call) Done() <-chan struct{} { return c.done }

// EndReason says how the call ended (EndUnknown while it is up).
func (c *Call) EndReason() EndReason { return EndReason(c.reason.Load()) }

// EndCause is EndReason's name ("hangup", "remote_bye", "rtp_timeout",
// "shutdown", "failed", "session_expired"), or "" while the call is up.
// It is set before the handler's context is cancelled and before Done is
// closed, so a flow that sees either can tell why the call ended.
func (c *Call) EndCause() string {
	if r := c.EndReason(); r != EndUnknown {
		return r.String()
	}
	return ""
}

// KeysDropped counts key presses lost because nobody read Keys.
func (c *Call) KeysDropped() uint64 { return c.keysDropped.Load() }

// Hangup ends the call: it waits until the playlist in progress has been
// sent, stops the media and sends BYE (RFC 3261 §15.1.1). It returns the
// BYE's error, or nil if the call had already ended.
func (c *Call) Hangup() error {
	if ch := c.out.current(); ch != nil {
		select {
		case <-ch:
		case <-c.ended:
		}
	}
	return c.terminate(EndHangup, true)
}

// terminate ends the call once: stop media, close the RTP socket, send
// BYE if bye, close Done. Later calls wait for the first to finish.
func (c *Call) terminate(reason EndReason, bye bool) error {
	first := false
	c.endOnce.Do(func() {
		first = true
		c.reason.Store(uint32(reason))
		close(c.ended)
		c.cancel()
		c.mu.Lock()
		if c.removeOut != nil {
			c.removeOut()
		}
		c.mu.Unlock()
		c.out.close()
		_ = c.conn.Close() // unblocks the reader; a close error changes nothing
	})
	if !first {
		<-c.done
		return nil
	}
	c.mu.Lock()
	if !c.confirmed && bye {
		c.pendingBye, bye = true, false // sent by confirm: no BYE before the ACK (RFC 3261 §15)
	}
	c.mu.Unlock()
	var err error
	if bye {
		ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
		err = c.dlg.Bye(ctx)
		cancel()
		if err != nil {
			c.log.Warn("BYE failed", "error", err)
		}
	}
	c.log.Info("call ended", "reason", reason.String(),
		"rtp_sent", c.out.sent.Load(), "rtp_send_errors", c.out.sendErrs.Load(),
		"rtp_received", c.rxAccepted.Load(), "rtp_dropped", c.rxDropped.Load(),
		"rtp_lost", c.rxLost.Load(), "rtp_jitter", time.Duration(c.rxJitter.Load()).Round(time.Microsecond).String(),
		"keys_dropped", c.keysDropped.Load())
	c.stats.callEnded(reason, c.RTPStats(), c.keysDropped.Load())
	close(c.done)
	if err != nil {
		return errors.Join(ErrByeFailed, err)
	}
	return nil
}

// deliver queues one key press; it never blocks.
func (c *Call) deliver(ev dtmf.Event, now time.Time) {
	c.mu.Lock()
	switch ev.Transport {
	case dtmf.TransportInband:
		c.lastInband, c.lastInbandAt = ev.Key, now
	default:
		echo := c.lastInband == ev.Key && now.Sub(c.lastInbandAt) < inbandEcho
		c.lastInband = 0
		c.digitalSeen.Store(true)
		if echo {
			c.mu.Unlock()
			c.transport.Store(uint32(ev.Transport))
			return
		}
	}
	c.mu.Unlock()
	c.transport.Store(uint32(ev.Transport))
	c.stats.digit(ev.Transport)
	select {
	case c.keys <- ev.Key:
	default:
		c.keysDropped.Add(1)
		c.log.Warn("key dropped: buffer full")
	}
}

// inbandOn reports whether in-band detection runs for this call now.
func (c *Call) inbandOn() bool {
	switch c.mode {
	case DTMFInband:
		return true
	case DTMFAuto:
		return !c.digitalSeen.Load()
	}
	return false
}

// acceptsEvents reports whether RFC 4733 events are taken.
func (c *Call) acceptsEvents() bool { return c.mode == DTMFAuto || c.mode == DTMFRFC4733 }

// acceptsInfo reports whether SIP INFO digits are taken.
func (c *Call) acceptsInfo() bool { return c.mode == DTMFAuto || c.mode == DTMFInfo }

// confirm ends the answer phase; a BYE asked for meanwhile is sent now if
// the answer succeeded.
func (c *Call) confirm(ok bool) {
	if ok {
		c.stats.answer(c.AnsweredAt().Sub(c.arrived))
	}
	c.mu.Lock()
	c.confirmed = true
	bye := c.pendingBye && ok
	c.pendingBye = false
	c.mu.Unlock()
	if !bye {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	if err := c.dlg.Bye(ctx); err != nil {
		c.log.Warn("BYE failed", "error", err)
	}
}

// infoDigit takes the digit of the INFO with the given CSeq and delivers
// the digits now in CSeq order (sipgo handles requests concurrently, so
// INFOs sent back to back can reach us out of order; RFC 3261 §12.2.2).
func (c *Call) infoDigit(cseq uint32, ev dtmf.Event, now time.Time) {
	c.infoMu.Lock()
	defer c.infoMu.Unlock()
	evs, err := c.infoSeq.Add(cseq, ev, now)
	if err != nil {
		return // a retransmission or a late INFO: answered 200, not delivered twice
	}
	c.deliverInfo(evs, now)
}

// infoSkip records an in-dialog request without a digit.
func (c *Call) infoSkip(cseq uint32, now time.Time) {
	c.infoMu.Lock()
	defer c.infoMu.Unlock()
	c.deliverInfo(c.infoSeq.Skip(cseq, now), now)
}

// infoTick releases held INFO digits whose wait is over; the reader calls
// it for every packet (every 20 ms while the caller sends audio).
func (c *Call) infoTick(now time.Time) {
	c.infoMu.Lock()
	defer c.infoMu.Unlock()
	if d, ok := c.infoSeq.Deadline(); ok && !now.Before(d) {
		c.deliverInfo(c.infoSeq.Tick(now), now)
	}
}

func (c *Call) deliverInfo(evs []dtmf.Event, now time.Time) {
	for _, ev := range evs {
		if !c.acceptsInfo() {
			continue
		}
		ev.Transport = dtmf.TransportSIPInfo
		c.deliver(ev, now)
	}
}

// RTPStats are a call's media counters.
type RTPStats struct {
	Sent, SendErrors, Skipped uint64 // packets we sent, failed sends, frames skipped after a stall
	Received, Dropped         uint64 // caller packets accepted, and dropped (wrong type, source, size)
	// Expected and Lost count the caller's packets by their sequence
	// numbers (RFC 3550 §6.4.1, A.3); Jitter is the interarrival jitter of
	// its audio (A.8), from kernel arrival stamps where available.
	Expected, Lost uint64
	Jitter         time.Duration
}

// RTPStats returns the call's media counters so far.
func (c *Call) RTPStats() RTPStats {
	return RTPStats{
		Sent: c.out.sent.Load(), SendErrors: c.out.sendErrs.Load(), Skipped: c.out.skipped.Load(),
		Received: c.rxAccepted.Load(), Dropped: c.rxDropped.Load(),
		Expected: c.rxExpected.Load(), Lost: c.rxLost.Load(), Jitter: time.Duration(c.rxJitter.Load()),
	}
}

// startMedia puts the call on the scheduler and starts its reader, unless
// it has already ended.
func (c *Call) startMedia(add func(*outbound) (remove func()), startReader func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.ended:
		return
	default:
	}
	c.removeOut = add(c.out)
	startReader()
}

// setAckBody keeps the body of the first ACK.
func (c *Call) setAckBody(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ackSeen {
		c.ackSeen, c.ack = true, b
	}
}

func (c *Call) ackBody() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ack
}
