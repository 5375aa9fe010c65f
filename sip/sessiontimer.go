package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Session timers (RFC 4028). A session with a timer is refreshed by a
// re-INVITE or UPDATE at least once per interval; the side named by the
// refresher parameter sends the refreshes, at half the interval (§10).
//
// dezura's policy, chosen so that a carrier's call is never cut because of
// a refresh that went wrong:
//   - When the caller names the refresher we honour it; when it supports
//     timers but leaves the choice to us, we refresh ourselves (uas): then
//     a failed refresh is ours to forgive.
//   - Our refresh is an UPDATE without a body when the INVITE allowed
//     UPDATE, else a re-INVITE with our unchanged SDP. A 501 or 405 to the
//     UPDATE switches to re-INVITE; 422 raises the interval to the Min-SE
//     asked for; 491 retries after 2 to 4 s (RFC 3261 §14.1); a response
//     without Session-Expires turns the timer off (§7.2). Only 481 (the
//     dialog is gone at the far end) ends the call; a timeout or any other
//     error is logged and the call stays up (the RTP timeout still ends a
//     call whose caller is gone).
//   - When the caller is the refresher and no refresh arrives, the call
//     ends with BYE after the full interval (not the earlier BYE of §10's
//     "minimum of 32 s and a third"): never early.

// DefaultSessionExpires is the session interval dezura asks for when the
// caller leaves it open (RFC 4028 §4 recommends 1800 s).
const DefaultSessionExpires = 1800 * time.Second

// MinSessionExpires is the smallest interval RFC 4028 §4 allows (the
// Min-SE floor of 90 s); smaller Session-Expires are refused with 422.
const MinSessionExpires = 90 * time.Second

// Refresher names the side that refreshes a session (RFC 4028 §4: the
// refresher parameter of Session-Expires).
type Refresher uint8

const (
	RefresherUnknown Refresher = iota
	RefresherUAC               // the caller (the INVITE's sender) refreshes
	RefresherUAS               // we refresh
)

var refresherNames = [...]string{"unknown", "uac", "uas"}

// String returns the parameter value ("uac", "uas") or "unknown".
func (r Refresher) String() string {
	if int(r) < len(refresherNames) {
		return refresherNames[r]
	}
	return "unknown"
}

// ParseRefresher is the inverse of String (case-insensitive, RFC 3261
// §7.3.1 parameter values are tokens).
func ParseRefresher(s string) (Refresher, error) {
	for i, n := range refresherNames {
		if i > 0 && strings.EqualFold(n, strings.TrimSpace(s)) {
			return Refresher(i), nil
		}
	}
	return RefresherUnknown, fmt.Errorf("%w: refresher %q", ErrBadSessionTimer, s)
}

// sessionExpires is a parsed Session-Expires value (RFC 4028 §4):
// delta-seconds, optionally ";refresher=uac|uas".
type sessionExpires struct {
	interval  time.Duration
	refresher Refresher
}

// maxDeltaSeconds bounds delta-seconds (RFC 3261 §25.1 allows 2^32-1);
// anything above is clamped, so no overflow comes from the wire.
const maxDeltaSeconds = 1<<32 - 1

func parseDeltaSeconds(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 20 {
		return 0, fmt.Errorf("%w: delta-seconds %q", ErrBadSessionTimer, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: delta-seconds %q", ErrBadSessionTimer, s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > maxDeltaSeconds {
		n = maxDeltaSeconds
	}
	return time.Duration(n) * time.Second, nil
}

// parseSessionExpires reads a Session-Expires header value. Unknown
// parameters are ignored (RFC 4028 §4 allows generic parameters).
func parseSessionExpires(v string) (sessionExpires, error) {
	parts := strings.Split(v, ";")
	d, err := parseDeltaSeconds(parts[0])
	if err != nil {
		return sessionExpires{}, err
	}
	se := sessionExpires{interval: d}
	for _, p := range parts[1:] {
		name, val, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "refresher") {
			continue
		}
		r, err := ParseRefresher(val)
		if err != nil {
			return sessionExpires{}, err
		}
		se.refresher = r
	}
	return se, nil
}

// String formats the header value.
func (se sessionExpires) String() string {
	s := strconv.FormatInt(int64(se.interval/time.Second), 10)
	if se.refresher != RefresherUnknown {
		s += ";refresher=" + se.refresher.String()
	}
	return s
}

// headers is what requests and responses share for reading headers.
type headers interface {
	GetHeader(name string) sip.Header
	GetHeaders(name string) []sip.Header
}

// headerValue returns the first value of a header by its long or compact
// name, and whether there was one.
func headerValue(msg headers, long, compact string) (string, bool) {
	if h := msg.GetHeader(long); h != nil {
		return h.Value(), true
	}
	if compact != "" {
		if h := msg.GetHeader(compact); h != nil {
			return h.Value(), true
		}
	}
	return "", false
}

// optionTags lists the option tags of every header with the given names
// (Supported, Require; RFC 3261 §20.32, §20.37), lower-cased.
func optionTags(msg headers, names ...string) []string {
	var tags []string
	for _, n := range names {
		for _, h := range msg.GetHeaders(n) {
			for _, t := range strings.Split(h.Value(), ",") {
				if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
					tags = append(tags, t)
				}
			}
		}
	}
	return tags
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

// supportedExtensions are the option tags a caller may Require of us.
// 100rel is accepted because we never send a provisional response other
// than 100 Trying when it is required (RFC 3262 §3 asks reliability only
// of the 1xx we send; 100 is never reliable), so PRACK never arises.
var supportedExtensions = []string{"timer", "100rel"}

// unsupportedRequired returns the Require option tags we do not support
// (the request then gets 420 Bad Extension with them in Unsupported,
// RFC 3261 §8.2.2.3).
func unsupportedRequired(req *sip.Request) []string {
	var bad []string
	for _, t := range optionTags(req, "Require") {
		if !hasTag(supportedExtensions, t) {
			bad = append(bad, t)
		}
	}
	return bad
}

// requires100rel reports whether the caller requires reliable provisional
// responses (RFC 3262): we then send none but 100 Trying.
func requires100rel(req *sip.Request) bool {
	return hasTag(optionTags(req, "Require"), "100rel")
}

// timerPolicy is the server's session timer configuration.
type timerPolicy struct {
	expires time.Duration // the interval we ask for (Config.SessionExpires)
	minSE   time.Duration // the smallest we accept (our Min-SE)
}

// timerDecision is what a request that starts or refreshes a session
// (INVITE, re-INVITE, UPDATE) gets from us as its UAS (RFC 4028 §9).
type timerDecision struct {
	tooSmall  bool          // answer 422 with Min-SE: minSE
	minSE     time.Duration // our Min-SE, for the 422
	active    bool          // the session has a timer
	interval  time.Duration
	refresher Refresher
	peerTimer bool // the caller supports timer (Require: timer goes in the 2xx)
}

// weRefresh reports whether we send the refreshes.
func (d timerDecision) weRefresh() bool { return d.active && d.refresher == RefresherUAS }

// headers are the session timer headers of our 2xx.
func (d timerDecision) headers() []sip.Header {
	hs := []sip.Header{sip.NewHeader("Supported", "timer")}
	if !d.active {
		return hs
	}
	hs = append(hs, sip.NewHeader("Session-Expires", sessionExpires{d.interval, d.refresher}.String()))
	if d.peerTimer {
		hs = append(hs, sip.NewHeader("Require", "timer"))
	}
	return hs
}

// negotiate decides the session timer for a request we answer (RFC 4028
// §9). A malformed Session-Expires is treated as absent: a call is never
// refused over a header we could do without.
func (p timerPolicy) negotiate(req *sip.Request) timerDecision {
	d := timerDecision{minSE: p.minSE}
	d.peerTimer = hasTag(optionTags(req, "Supported", "k"), "timer") || hasTag(optionTags(req, "Require"), "timer")
	peerMin := time.Duration(0)
	if v, ok := headerValue(req, "Min-SE", ""); ok {
		if m, err := parseDeltaSeconds(v); err == nil {
			peerMin = m
		}
	}
	var se sessionExpires
	if v, ok := headerValue(req, "Session-Expires", "x"); ok {
		if s, err := parseSessionExpires(v); err == nil {
			se = s
		}
	}
	if se.interval == 0 && !d.peerTimer {
		return d // no timer: the RTP timeout alone watches the call
	}
	interval := p.expires
	if se.interval > 0 {
		if se.interval < p.minSE {
			if d.peerTimer {
				d.tooSmall = true // §9: 422, the caller retries with our Min-SE
				return d
			}
			se.interval = p.minSE // a proxy asked, not the caller: we refresh
		}
		// §9: the UAS may shorten the interval, never below a Min-SE.
		interval = min(se.interval, p.expires)
	}
	d.active = true
	d.interval = max(interval, peerMin, p.minSE)
	switch {
	case !d.peerTimer:
		d.refresher = RefresherUAS // §9: the caller cannot refresh
	case se.refresher != RefresherUnknown:
		d.refresher = se.refresher
	default:
		d.refresher = RefresherUAS // our choice: see the policy above
	}
	return d
}

// sessionTimers holds the running timer of every call that has one.
type sessionTimers struct {
	mu     sync.Mutex
	byCall map[*Call]chan timerDecision
}

// refreshed hands a new decision to the call's timer (a refresh from the
// caller, RFC 4028 §10). It never blocks: a newer decision replaces an
// unread one.
func (ts *sessionTimers) refreshed(c *Call, d timerDecision) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ch, ok := ts.byCall[c]
	if !ok {
		return
	}
	select {
	case <-ch:
	default:
	}
	ch <- d
}

func (ts *sessionTimers) add(c *Call) chan timerDecision {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.byCall == nil {
		ts.byCall = make(map[*Call]chan timerDecision)
	}
	ch := make(chan timerDecision, 1)
	ts.byCall[c] = ch
	return ch
}

func (ts *sessionTimers) remove(c *Call) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	delete(ts.byCall, c)
}

// refreshTimeout bounds one refresh transaction (RFC 3261 Timer F/B is
// 32 s; we wait as long).
const refreshTimeout = 32 * time.Second

// refreshMethod is how we refresh a session.
type refreshMethod uint8

const (
	refreshUpdate refreshMethod = iota // UPDATE without a body (RFC 3311)
	refreshInvite                      // re-INVITE with our unchanged SDP
)

// errDialogGone is a 481 to our refresh: the far end has no such call.
var errDialogGone = errors.New("sip: dialog gone at the far end")

// runSessionTimer runs a call's session timer (RFC 4028 §10) until the
// call ends: refreshing at half the interval when we are the refresher,
// else ending the call when the interval passes without a refresh.
// refreshes carries decisions from the caller's re-INVITEs and UPDATEs,
// which may also start a timer on a call that began without one.
func (s *Server) runSessionTimer(c *Call, d timerDecision, refreshes <-chan timerDecision, method refreshMethod) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	arm := func() {
		if d.weRefresh() {
			t.Reset(d.interval / 2)
		} else {
			t.Reset(d.interval)
		}
	}
	if d.active {
		arm()
		c.log.Info("session timer", "interval_s", int(d.interval/time.Second), "refresher", d.refresher.String())
	}
	for {
		select {
		case <-c.ended:
			return
		case nd := <-refreshes:
			if !nd.active {
				if d.active {
					// The caller dropped the timer: RTP timeout alone.
					c.log.Info("session timer off")
				}
				t.Stop()
				d = nd
				continue
			}
			if !d.active {
				c.log.Info("session timer", "interval_s", int(nd.interval/time.Second), "refresher", nd.refresher.String())
			}
			d = nd
			arm()
		case <-t.C:
			if !d.active {
				continue
			}
			if !d.weRefresh() {
				c.log.Info("session expired: no refresh from the caller", "interval_s", int(d.interval/time.Second))
				s.timerStats.expired.Add(1)
				_ = c.terminate(EndSessionExpired, true) // logged inside
				return
			}
			nd, m, err := s.refresh(c, d, method)
			method = m
			switch {
			case errors.Is(err, errDialogGone):
				c.log.Info("session refresh: 481, the call is gone")
				_ = c.terminate(EndHangup, false) // without BYE it cannot fail
				return
			case errors.Is(err, errGlare):
				t.Reset(glareDelay())
				continue
			case err != nil:
				// Never drop the call for an unanswered refresh: try again
				// at the next half interval.
				s.timerStats.refreshFailed.Add(1)
				c.log.Warn("session refresh failed; the call stays up", "error", err)
			default:
				s.timerStats.refreshed.Add(1)
				d = nd
				if !d.active {
					c.log.Info("session timer off: the caller's answer had no Session-Expires")
					continue
				}
			}
			arm()
		}
	}
}

// errGlare is a 491 to our refresh (RFC 3261 §14.1).
var errGlare = errors.New("sip: request pending (491)")

// glareDelay is the random wait of RFC 3261 §14.1 before retrying after
// 491, for a UAC that did not generate the Call-ID: 0 to 2 s (the caller
// generated it, and waits 2.1 to 4 s).
func glareDelay() time.Duration {
	return time.Duration(randUint64()%2000) * time.Millisecond
}

// refresh sends one refresh (RFC 4028 §7.1 as the refresher) and returns
// the decision its answer makes, and the method to use from now on.
func (s *Server) refresh(c *Call, d timerDecision, method refreshMethod) (timerDecision, refreshMethod, error) {
	for range 3 { // at most: UPDATE refused, re-INVITE, 422 once
		ctx, cancel := context.WithTimeout(c.ctx, refreshTimeout)
		res, err := s.sendRefresh(ctx, c, d, method)
		cancel()
		if err != nil {
			return d, method, err
		}
		switch {
		case res.StatusCode == 481:
			return d, method, errDialogGone
		case res.StatusCode == 491:
			return d, method, errGlare
		case (res.StatusCode == 501 || res.StatusCode == 405) && method == refreshUpdate:
			method = refreshInvite
			continue
		case res.StatusCode == 422:
			v, _ := headerValue(res, "Min-SE", "")
			m, err := parseDeltaSeconds(v)
			if err != nil || m <= d.interval {
				return d, method, fmt.Errorf("sip: 422 without a larger Min-SE")
			}
			d.interval = m
			continue
		case res.IsSuccess():
			return answerDecision(d, res), method, nil
		default:
			return d, method, fmt.Errorf("sip: refresh answered %d", res.StatusCode)
		}
	}
	return d, method, fmt.Errorf("sip: refresh not accepted")
}

// answerDecision applies the 2xx to our refresh (RFC 4028 §7.2): its
// Session-Expires gives the interval and refresher; none means no timer.
func answerDecision(d timerDecision, res *sip.Response) timerDecision {
	v, ok := headerValue(res, "Session-Expires", "x")
	if !ok {
		d.active = false
		return d
	}
	se, err := parseSessionExpires(v)
	if err != nil || se.interval == 0 {
		return d // keep what we asked for
	}
	d.interval = max(se.interval, d.minSE)
	// In our request we are the UAC: refresher=uac means us.
	switch se.refresher {
	case RefresherUAC:
		d.refresher = RefresherUAS
	case RefresherUAS:
		d.refresher = RefresherUAC
	}
	return d
}

// sendRefresh sends one UPDATE or re-INVITE in the call's dialog and
// waits for its final response; a 2xx to a re-INVITE is ACKed.
func (s *Server) sendRefresh(ctx context.Context, c *Call, d timerDecision, method refreshMethod) (*sip.Response, error) {
	target := c.dlg.InviteRequest.Contact()
	if target == nil {
		return nil, fmt.Errorf("sip: INVITE without Contact")
	}
	m := sip.UPDATE
	if method == refreshInvite {
		m = sip.INVITE
	}
	req := sip.NewRequest(m, target.Address)
	// In this request we are the UAC, and we refresh: refresher=uac.
	req.AppendHeader(sip.NewHeader("Session-Expires", sessionExpires{d.interval, RefresherUAC}.String()))
	req.AppendHeader(sip.NewHeader("Min-SE", strconv.FormatInt(int64(d.minSE/time.Second), 10)))
	req.AppendHeader(sip.NewHeader("Supported", "timer"))
	if method == refreshInvite {
		// RFC 3264 §8: the same session version, as nothing changed.
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(c.localSDP)
	}
	res, err := c.dlg.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if method == refreshInvite && res.IsSuccess() {
		ack := sip.NewRequest(sip.ACK, target.Address)
		ack.AppendHeader(&sip.CSeqHeader{SeqNo: req.CSeq().SeqNo, MethodName: sip.ACK})
		if err := c.dlg.WriteRequest(ack); err != nil {
			c.log.Warn("ACK to our re-INVITE failed", "error", err)
		}
	}
	return res, nil
}

// SessionTimerStats counts session timer events since the server started.
type SessionTimerStats struct {
	Refreshed     uint64 // refreshes we sent that were accepted
	RefreshFailed uint64 // refreshes we sent that failed (the call stayed up)
	Expired       uint64 // calls ended because the caller did not refresh
}

// SessionTimerStats returns the session timer counters.
func (s *Server) SessionTimerStats() SessionTimerStats {
	return SessionTimerStats{
		Refreshed:     s.timerStats.refreshed.Load(),
		RefreshFailed: s.timerStats.refreshFailed.Load(),
		Expired:       s.timerStats.expired.Load(),
	}
}

// timerCounters are the counters behind SessionTimerStats.
type timerCounters struct {
	refreshed, refreshFailed, expired atomic.Uint64
}

// ErrBadSessionTimer is returned for a malformed Session-Expires, Min-SE
// or refresher value (RFC 4028 §4).
var ErrBadSessionTimer = errors.New("sip: malformed session timer header")
