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
func (cl *caller) converse(ctx context.Context, sess *sipgo.DialogClientSession, ans answer, deadline time.Time, lg *slog.Logger) conversation {
	m := cl.startMedia(ans, lg)
	conv := conversation{in: m.in}
	conv.endedBy, conv.err = cl.keyUntilEnd(ctx, sess, m, deadline, lg)
	conv.keysSent = cl.stopMedia(m)
	return conv
}

// media is an answered call's RTP streams and the goroutines that move
// them and key by SIP INFO.
type media struct {
	ctx      context.Context // ends the goroutines
	stop     context.CancelFunc
	wg       sync.WaitGroup
	out      *outStream
	in       *inStream
	paced    *pacedStream  // the call's stream on the shared Pacer; nil if it sends alone
	groups   chan string   // key groups for the RTP sender, one at a time
	done     chan struct{} // a key group has been sent
	vad      chan vadEvent // speech starts and ends heard
	infoMu   sync.Mutex    // guards infoSent
	infoSent []byte        // keys acknowledged by SIP INFO
}

// startMedia starts sending to and receiving from the answer's address:
// on the shared Pacer (which may also receive) or on goroutines of the
// call's own.
func (cl *caller) startMedia(ans answer, lg *slog.Logger) *media {
	mctx, stop := context.WithCancel(context.Background())
	m := &media{
		ctx:    mctx,
		stop:   stop,
		out:    newStyledOutStream(ans.Codec, ans.PT, ans.EventPT, cl.cfg.mode, rand.Uint32(), uint16(rand.Uint32()), rand.Uint32(), cl.cfg.Digits),
		in:     newInStream(ans.Codec, ans.PT, cl.cfg.Silence),
		groups: make(chan string, 1),
		done:   make(chan struct{}, 1),
		vad:    make(chan vadEvent, 64),
	}
	m.in.keep = !cl.cfg.DiscardAudio
	pacerReads := false
	if p := cl.cfg.Pacer; p != nil {
		m.paced = &pacedStream{conn: cl.rtpConn, raddr: ans.Addr, out: m.out, groups: m.groups, done: m.done, lg: lg}
		pacerReads = p.receives() && m.paced.prepareRing(m.in, m.vad)
		p.add(m.paced)
	} else {
		m.wg.Go(func() { sendLoop(mctx, cl.rtpConn, ans.Addr, m.out, m.groups, m.done, cl.rtpStopAt(), lg) })
	}
	if !pacerReads {
		m.wg.Go(func() { recvLoop(mctx, cl.rtpConn, m.in, m.vad) })
	}
	return m
}

// stopMedia stops the media goroutines, waits for them and returns the
// keys sent, in RTP or by SIP INFO.
func (cl *caller) stopMedia(m *media) string {
	m.stop()
	if m.paced != nil {
		cl.cfg.Pacer.remove(m.paced) // the pacer no longer touches out
	}
	m.wg.Wait()
	m.in.vad.flush()
	m.infoMu.Lock()
	defer m.infoMu.Unlock()
	return string(m.out.sent) + string(m.infoSent)
}

// keyUntilEnd keys the groups as the prompts are heard (see keyPlan) until
// the call ends, and says how it ended; it sends BYE when the simulator
// ends the call.
func (cl *caller) keyUntilEnd(ctx context.Context, sess *sipgo.DialogClientSession, m *media, deadline time.Time, lg *slog.Logger) (endedBy string, err error) {
	k := keyPlan{keys: cl.cfg.Keys}
	keyNext := func() {
		if g, ok := k.nextGroup(); ok {
			lg.Debug("keying group", "group", k.next, "digits", len(g))
			cl.sendGroup(sess, m, g, lg)
		}
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var hangup <-chan time.Time
	if cl.cfg.HangupAfter > 0 {
		t := time.NewTimer(cl.cfg.HangupAfter)
		defer t.Stop()
		hangup = t.C
	}
	for {
		select {
		case <-cl.byeCh:
			return EndedRemoteBye, nil
		case <-ctx.Done():
			err := ctx.Err()
			cl.bye(sess, lg)
			return EndedLocalBye, err
		case <-hangup:
			cl.bye(sess, lg)
			return EndedLocalBye, nil
		case <-timer.C:
			cl.bye(sess, lg)
			return EndedTimeout, nil
		case ev := <-m.vad:
			if k.heard(ev, cl.cfg.KeyEarly) {
				keyNext()
			}
		case <-m.done:
			k.groupDone()
			if cl.cfg.HangupAfterGroup > 0 && k.next == cl.cfg.HangupAfterGroup {
				cl.bye(sess, lg)
				return EndedLocalBye, nil
			}
			if k.pending {
				keyNext()
			}
		}
	}
}

// rtpStopAt is when the call stops sending RTP (Options.RTPStopAfter from
// now), zero for never.
func (cl *caller) rtpStopAt() time.Time {
	if cl.cfg.RTPStopAfter <= 0 {
		return time.Time{}
	}
	return time.Now().Add(cl.cfg.RTPStopAfter)
}

// sendGroup hands a key group to the RTP sender or keys it by SIP INFO to
// the service's Contact.
func (cl *caller) sendGroup(sess *sipgo.DialogClientSession, m *media, g string, lg *slog.Logger) {
	if keyMode(cl.cfg.mode) {
		m.groups <- g // never blocks: one group at a time, buffer of one
		return
	}
	target := cl.recipient
	if c := sess.InviteResponse.Contact(); c != nil {
		target = c.Address
	}
	m.wg.Go(func() {
		sendInfo(m.ctx, sess, target, g, m.done, lg, func(k byte) {
			m.infoMu.Lock()
			m.infoSent = append(m.infoSent, k)
			m.infoMu.Unlock()
		})
	})
}

// keyPlan decides when each key group is sent. Group i+1 is sent when a
// prompt that began after group i was started has ended (silence for
// Options.Silence), or with KeyEarly as soon as such a prompt begins. A
// prompt cut short by our own keys (barge-in) began before the group and
// so does not count. "After" is by the order of speech segments, not by
// clock readings, so a service whose media clock drifts from ours cannot
// make a prompt look older than it is.
type keyPlan struct {
	keys     []string
	next     int  // groups started so far
	keying   bool // a group is being sent
	pending  bool // a prompt that counts was heard while keying
	lastSeg  int  // highest speech segment reported
	groupSeg int  // lastSeg when the last group was started
}

// heard takes a speech start or end and reports whether the next group
// should be started now.
func (k *keyPlan) heard(ev vadEvent, early bool) bool {
	k.lastSeg = max(k.lastSeg, ev.Seg)
	if ev.Seg <= k.groupSeg {
		return false // began before our last group: an interrupted prompt
	}
	if (ev.Kind == vadStart) != early {
		return false
	}
	if k.keying {
		k.pending = true
		return false
	}
	return true
}

// nextGroup starts the next group, if there is one and none is being sent.
func (k *keyPlan) nextGroup() (string, bool) {
	if k.next >= len(k.keys) || k.keying {
		return "", false
	}
	g := k.keys[k.next]
	k.next++
	k.keying, k.pending, k.groupSeg = true, false, k.lastSeg
	return g, true
}

// groupDone notes that the group being sent has been sent.
func (k *keyPlan) groupDone() { k.keying = false }

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
