package sip

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/dezura/dezura/sip/guard"
)

// DTMFMode selects which digit transports a call listens to.
type DTMFMode uint8

const (
	DTMFUnknown DTMFMode = iota
	// DTMFAuto takes RFC 4733 events, SIP INFO and in-band tones; in-band
	// detection stops for a call once an event or an INFO digit is seen, so a
	// key is not counted twice.
	DTMFAuto
	// DTMFRFC4733 takes only RFC 4733 telephone-events.
	DTMFRFC4733
	// DTMFInband takes only in-band tones (telephone-event is not offered).
	DTMFInband
	// DTMFInfo takes only SIP INFO bodies (telephone-event is not offered).
	DTMFInfo
)

var dtmfModeNames = [...]string{"unknown", "auto", "rfc4733", "inband", "info"}

// String returns the name used in flags and logs.
func (m DTMFMode) String() string {
	if int(m) < len(dtmfModeNames) {
		return dtmfModeNames[m]
	}
	return "unknown"
}

// ParseDTMFMode is the inverse of String; "" means auto.
func ParseDTMFMode(s string) (DTMFMode, error) {
	if s == "" {
		return DTMFAuto, nil
	}
	for i, n := range dtmfModeNames {
		if i > 0 && n == s {
			return DTMFMode(i), nil
		}
	}
	return DTMFUnknown, fmt.Errorf("%w: DTMF mode %q (want auto, rfc4733, inband or info)", ErrBadConfig, s)
}

// Config configures a Server.
type Config struct {
	// Listen is the UDP address for SIP, e.g. "127.0.0.1:5060" or "127.0.0.1:0".
	Listen string
	// RTPPortMin and RTPPortMax bound the RTP ports (even ports are used);
	// 0/0 takes any free port.
	RTPPortMin, RTPPortMax int
	// ExternalIP is the address put in SDP c= and Contact; default: the
	// listen IP (or 127.0.0.1 for an unspecified listen IP).
	ExternalIP string
	// DTMFMode is "auto" (default), "rfc4733", "inband" or "info".
	DTMFMode string
	// AnswerDelay, when > 0, sends 180 Ringing and waits this long before
	// 200 OK (a CANCEL in that time gets 487).
	AnswerDelay time.Duration
	// RTPTimeout ends a call when the caller has sent no RTP this long
	// (default 30 s).
	RTPTimeout time.Duration
	// MaxCalls limits calls at once; past it new INVITEs get 503 with
	// Retry-After. 0 means unlimited.
	MaxCalls int
	// Logger receives the server's and the calls' logs (default: discard).
	Logger *slog.Logger
	// LogFullNumbers logs caller numbers whole; by default only their last
	// 4 digits appear in logs (personal data).
	LogFullNumbers bool
	// OnRefused, when set, is told of each INVITE refused with 503 because
	// MaxCalls were up or the server was draining (after the 503 was
	// sent), so the refusal can be recorded. It runs on the INVITE's
	// goroutine and should not block for long.
	OnRefused func(Refusal)
	// Guard decides which requests are served (trust list, digest
	// authentication, rate limits, bans; see sip/guard). nil serves all.
	Guard *guard.Guard
	// SessionExpires is the session interval we ask for and the longest
	// we accept (RFC 4028; default DefaultSessionExpires, at least
	// MinSessionExpires). See sessiontimer.go for the refresh policy.
	SessionExpires time.Duration
	// SendWithSendto sends each RTP packet with its own sendto(2) instead
	// of one io_uring submission per 20 ms tick for all of a shard's
	// calls. The ring is used only where the kernel allows it; this is
	// for comparing the two and for kernels whose io_uring misbehaves.
	SendWithSendto bool
	// Version is dezura's version, sent as User-Agent: dezura/VERSION on
	// every request and response (default: see UserAgent).
	Version string

	// timerFloor replaces MinSessionExpires as our Min-SE (tests only,
	// set through export_test.go, so a session expires in seconds).
	timerFloor time.Duration
}

// settings is a validated Config.
type settings struct {
	listen      string
	portMin     int
	portMax     int
	externalIP  string
	dtmfMode    DTMFMode
	answerDelay time.Duration
	rtpTimeout  time.Duration
	maxCalls    int
	log         *slog.Logger
	timers      timerPolicy
	sendRing    bool
	userAgent   string
	onRefused   func(Refusal)
}

// DefaultRTPTimeout is used when Config.RTPTimeout is 0.
const DefaultRTPTimeout = 30 * time.Second

func (c Config) validate() (settings, error) {
	s := settings{
		listen:      c.Listen,
		portMin:     c.RTPPortMin,
		portMax:     c.RTPPortMax,
		externalIP:  c.ExternalIP,
		answerDelay: c.AnswerDelay,
		rtpTimeout:  c.RTPTimeout,
		maxCalls:    c.MaxCalls,
		log:         c.Logger,
		sendRing:    !c.SendWithSendto,
		userAgent:   UserAgent(),
		onRefused:   c.OnRefused,
	}
	if c.Version != "" {
		s.userAgent = UserAgentFor(c.Version)
	}
	if s.listen == "" {
		return s, fmt.Errorf("%w: empty Listen address", ErrBadConfig)
	}
	m, err := ParseDTMFMode(c.DTMFMode)
	if err != nil {
		return s, err
	}
	s.dtmfMode = m
	switch {
	case s.portMin == 0 && s.portMax == 0:
	case s.portMin < 1024 || s.portMax > 65534 || s.portMax < s.portMin+1:
		return s, fmt.Errorf("%w: RTP port range %d-%d (want 1024 <= min < max <= 65534)", ErrBadConfig, s.portMin, s.portMax)
	}
	if s.externalIP != "" {
		a, err := netip.ParseAddr(s.externalIP)
		if err != nil || !a.Is4() {
			return s, fmt.Errorf("%w: external IP %q is not an IPv4 address", ErrBadConfig, s.externalIP)
		}
	}
	if s.answerDelay < 0 || s.rtpTimeout < 0 || s.maxCalls < 0 {
		return s, fmt.Errorf("%w: negative AnswerDelay, RTPTimeout or MaxCalls", ErrBadConfig)
	}
	if s.rtpTimeout == 0 {
		s.rtpTimeout = DefaultRTPTimeout
	}
	s.timers = timerPolicy{expires: c.SessionExpires, minSE: MinSessionExpires}
	if c.timerFloor > 0 {
		s.timers.minSE = c.timerFloor
	}
	if s.timers.expires == 0 {
		s.timers.expires = DefaultSessionExpires
	}
	if s.timers.expires < s.timers.minSE {
		return s, fmt.Errorf("%w: SessionExpires %v is below the Min-SE of %v (RFC 4028 §4)", ErrBadConfig, c.SessionExpires, s.timers.minSE)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}
