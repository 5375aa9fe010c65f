package simulator

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// idleRead is how long the receiver waits for a packet before telling the
// activity detector that time has passed without sound.
const idleRead = 100 * time.Millisecond

// drainRead is how long the reader waits for more once the call is over:
// packets sent before the BYE are already queued on a loopback or LAN
// socket, so this only bounds the final read.
const drainRead = 5 * time.Millisecond

// drainMax bounds the final reads, however fast the service still sends.
const drainMax = 50 * time.Millisecond

// conversation is the outcome of the answered part of a call.
type conversation struct {
	endedBy  string
	keysSent string
	in       *inStream
	err      error
}

// converse runs the media and the keying logic of an answered call until
// the service hangs up, the simulator hangs up, ctx ends or the deadline
// passes. All media goroutines have ended when it returns.
//
// Keying: group i+1 is sent when a prompt that began after group i was
// started has ended (silence for Options.Silence), or with KeyEarly as soon
// as such a prompt begins. A prompt cut short by our own keys (barge-in)
// began before the group and so does not count. "After" is by the order of
// speech segments, not by clock readings, so a service whose media clock
// drifts from ours cannot make a prompt look older than it is.
func (cl *caller) converse(ctx context.Context, sess *sipgo.DialogClientSession, ans answer, deadline time.Time, lg *slog.Logger) conversation {
	mctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	out := newStyledOutStream(ans.Codec, ans.PT, ans.EventPT, cl.cfg.mode, rand.Uint32(), uint16(rand.Uint32()), rand.Uint32(), cl.cfg.Digits)
	in := newInStream(ans.Codec, ans.PT, cl.cfg.Silence)
	in.keep = !cl.cfg.DiscardAudio
	groups := make(chan string, 1)
	done := make(chan struct{}, 1)
	vadCh := make(chan vadEvent, 64)
	var (
		infoMu   sync.Mutex
		infoSent []byte // keys acknowledged by SIP INFO
	)
	var paced *pacedStream
	pacerReads := false
	if p := cl.cfg.Pacer; p != nil {
		paced = &pacedStream{conn: cl.rtpConn, raddr: ans.Addr, out: out, groups: groups, done: done, lg: lg}
		pacerReads = p.receives() && paced.prepareRing(in, vadCh)
		p.add(paced)
	} else {
		wg.Go(func() { sendLoop(mctx, cl.rtpConn, ans.Addr, out, groups, done, cl.rtpStopAt(), lg) })
	}
	if !pacerReads {
		wg.Go(func() { recvLoop(mctx, cl.rtpConn, in, vadCh) })
	}

	var (
		conv     = conversation{in: in}
		keys     = cl.cfg.Keys
		next     int
		keying   bool
		pending  bool
		lastSeg  int // highest speech segment reported
		groupSeg int // lastSeg when the last group was started
	)
	trigger := func() {
		if next >= len(keys) || keying {
			return
		}
		g := keys[next]
		next++
		keying, pending, groupSeg = true, false, lastSeg
		lg.Debug("keying group", "group", next, "digits", len(g))
		if keyMode(cl.cfg.mode) {
			groups <- g // never blocks: one group at a time, buffer of one
			return
		}
		target := cl.recipient
		if c := sess.InviteResponse.Contact(); c != nil {
			target = c.Address
		}
		wg.Go(func() {
			sendInfo(mctx, sess, target, g, done, lg, func(k byte) {
				infoMu.Lock()
				infoSent = append(infoSent, k)
				infoMu.Unlock()
			})
		})
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var hangup <-chan time.Time
	if cl.cfg.HangupAfter > 0 {
		t := time.NewTimer(cl.cfg.HangupAfter)
		defer t.Stop()
		hangup = t.C
	}
loop:
	for {
		select {
		case <-cl.byeCh:
			conv.endedBy = EndedRemoteBye
			break loop
		case <-ctx.Done():
			conv.endedBy, conv.err = EndedLocalBye, ctx.Err()
			cl.bye(sess, lg)
			break loop
		case <-hangup:
			conv.endedBy = EndedLocalBye
			cl.bye(sess, lg)
			break loop
		case <-timer.C:
			conv.endedBy = EndedTimeout
			cl.bye(sess, lg)
			break loop
		case ev := <-vadCh:
			lastSeg = max(lastSeg, ev.Seg)
			if ev.Seg <= groupSeg {
				continue // began before our last group: an interrupted prompt
			}
			if (ev.Kind == vadStart) == cl.cfg.KeyEarly {
				if keying {
					pending = true
				} else {
					trigger()
				}
			}
		case <-done:
			keying = false
			if cl.cfg.HangupAfterGroup > 0 && next == cl.cfg.HangupAfterGroup {
				conv.endedBy = EndedLocalBye
				cl.bye(sess, lg)
				break loop
			}
			if pending {
				trigger()
			}
		}
	}
	stop()
	if paced != nil {
		cl.cfg.Pacer.remove(paced) // the pacer no longer touches out
	}
	wg.Wait()
	in.vad.flush()
	infoMu.Lock()
	conv.keysSent = string(out.sent) + string(infoSent)
	infoMu.Unlock()
	return conv
}

// rtpStopAt is when the call stops sending RTP (Options.RTPStopAfter from
// now), zero for never.
func (cl *caller) rtpStopAt() time.Time {
	if cl.cfg.RTPStopAfter <= 0 {
		return time.Time{}
	}
	return time.Now().Add(cl.cfg.RTPStopAfter)
}

// sendLoop sends one packet every 20 ms, paced from a monotonic start time
// so that late wake-ups do not accumulate into drift. From stopAt on (if
// set) it sends nothing more, as a caller whose network has failed.
func sendLoop(ctx context.Context, conn *net.UDPConn, raddr netip.AddrPort, out *outStream, groups <-chan string, done chan<- struct{},
	stopAt time.Time, lg *slog.Logger) {
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	buf := make([]byte, 0, 256)
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if !out.busy() {
			select {
			case g := <-groups:
				if err := out.startGroup(g); err != nil {
					lg.Warn("key group", "error", err)
				}
			default:
			}
		}
		if !stopAt.IsZero() && !time.Now().Before(stopAt) {
			<-ctx.Done() // silent until the call ends
			return
		}
		var res slotResult
		var err error
		buf, res, err = out.next(buf[:0])
		if err != nil {
			lg.Warn("build RTP", "error", err)
		} else if _, err := conn.WriteToUDPAddrPort(buf, raddr); err != nil && !errors.Is(err, net.ErrClosed) {
			// The service may already be gone (ICMP port unreachable);
			// the call's end is decided by SIP, not by RTP errors.
			lg.Debug("send RTP", "error", err)
		}
		if res.GroupDone {
			select {
			case done <- struct{}{}:
			case <-ctx.Done():
				return
			}
		}
		timer.Reset(time.Until(start.Add(time.Duration(n) * ptime * time.Millisecond)))
	}
}

// recvLoop reads the service's RTP and reports speech starts and ends.
func recvLoop(ctx context.Context, conn *net.UDPConn, in *inStream, events chan<- vadEvent) {
	buf := make([]byte, 1500)
	var oob []byte
	if enableRxTimestamps(conn) {
		oob = make([]byte, 128)
	}
	for ctx.Err() == nil {
		_ = conn.SetReadDeadline(time.Now().Add(idleRead))
		n, oobn, _, _, err := conn.ReadMsgUDPAddrPort(buf, oob)
		at := time.Now()
		var ev vadEvent
		var ok bool
		switch {
		case err == nil:
			rx, _ := rxTimestamp(oob[:oobn])
			ev, ok = in.packet(buf[:n], at, rx)
		case errors.Is(err, net.ErrClosed):
			return
		default:
			// Timeout, or an ICMP error surfaced on the socket.
			ev, ok = in.vad.idle(at)
		}
		if ok {
			select {
			case events <- ev:
			case <-ctx.Done():
			}
		}
	}
	// The service sends a prompt's last frame just before its BYE, and the
	// BYE can be handled before this reader has caught up: what the caller
	// heard includes what is already in the socket.
	for end := time.Now().Add(drainMax); time.Now().Before(end); {
		_ = conn.SetReadDeadline(time.Now().Add(drainRead))
		n, oobn, _, _, err := conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			return
		}
		rx, _ := rxTimestamp(oob[:oobn])
		in.packet(buf[:n], time.Now(), rx)
	}
}

// sendInfo keys digits as SIP INFO requests with an application/dtmf-relay
// body inside the dialog (the de-facto format; RFC 6086 §2 frames INFO),
// one every 200 ms (100 ms key, 100 ms gap). It returns the keys that were
// acknowledged with 2xx to sent and signals done when the group is finished.
func sendInfo(ctx context.Context, sess *sipgo.DialogClientSession, target sip.Uri, keys string, done chan<- struct{}, lg *slog.Logger, sent func(byte)) {
	for i := 0; i < len(keys); i++ {
		started := time.Now()
		req := sip.NewRequest(sip.INFO, target)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/dtmf-relay"))
		req.SetBody([]byte("Signal=" + string(keys[i]) + "\r\nDuration=" + strconv.Itoa(keyToneSlots*ptime) + "\r\n"))
		rctx, cancel := context.WithTimeout(ctx, byeTimeout)
		res, err := sess.Do(rctx, req)
		cancel()
		switch {
		case err != nil:
			lg.Warn("INFO", "error", err)
		case !res.IsSuccess():
			lg.Warn("INFO rejected", "status", res.StatusCode)
		default:
			sent(keys[i])
		}
		if ctx.Err() != nil {
			return
		}
		t := time.NewTimer(time.Until(started.Add(keySlots * ptime * time.Millisecond)))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
	select {
	case done <- struct{}{}:
	case <-ctx.Done():
	}
}
