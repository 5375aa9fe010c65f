package trunk

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Sender sends a request and waits for its final response; *sipgo.Client
// is one (use sip.Server.Client so REGISTERs leave from the SIP port).
type Sender interface {
	Do(ctx context.Context, req *sip.Request, opts ...sipgo.ClientRequestOption) (*sip.Response, error)
	DoDigestAuth(ctx context.Context, req *sip.Request, res *sip.Response, auth sipgo.DigestAuth) (*sip.Response, error)
}

// Stats is a snapshot of the registration, for /metrics.
type Stats struct {
	State State
	Since time.Time // when State was entered
	// Expires is the lifetime the registrar granted last (0 before).
	Expires time.Duration
	// Registrations counts accepted REGISTERs (re-registrations included);
	// Failures the failed ones.
	Registrations, Failures uint64
	// KeepAlives counts OPTIONS sent; KeepAliveFailures those without an
	// answer (any answer, even 405, proves the path is open).
	KeepAlives, KeepAliveFailures uint64
}

// Registrar keeps us registered with one trunk.
type Registrar struct {
	cfg       Config
	aor       sip.Uri
	registrar sip.Uri
	send      Sender
	log       *slog.Logger

	callID  string
	fromTag string
	cseq    uint32 // only Run's goroutine touches it

	mu    sync.Mutex
	stats Stats
}

// New checks cfg and returns a Registrar that sends with send.
func New(cfg Config, send Sender) (*Registrar, error) {
	cfg, aor, registrar, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if send == nil {
		return nil, fmt.Errorf("%w: nil Sender", ErrBadConfig)
	}
	return &Registrar{
		cfg: cfg, aor: aor, registrar: registrar, send: send,
		log:     cfg.Logger.With("component", "trunk", "aor", aor.User+"@"+aor.HostPort()),
		callID:  sip.GenerateTagN(24) + "@dezura", // one Call-ID for every REGISTER (RFC 3261 §10.2)
		fromTag: sip.GenerateTagN(16),
	}, nil
}

// Stats returns the registration state and counters.
func (r *Registrar) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

// State returns the registration state.
func (r *Registrar) State() State { return r.Stats().State }

// setState records and logs a state change (only changes are logged).
func (r *Registrar) setState(s State, err error) {
	r.mu.Lock()
	old := r.stats.State
	if s != old {
		r.stats.State, r.stats.Since = s, time.Now()
	}
	r.mu.Unlock()
	switch {
	case s == old:
	case err != nil:
		r.log.Warn("trunk registration", "state", s.String(), "was", old.String(), "error", err)
	default:
		r.log.Info("trunk registration", "state", s.String(), "was", old.String())
	}
}

// Run registers and keeps the registration until ctx ends, then
// unregisters (Expires: 0, bounded by the Timeout) and returns nil. It is
// the only goroutine the Registrar uses; call it once.
func (r *Registrar) Run(ctx context.Context) error {
	r.setState(StateRegistering, nil)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var keep <-chan time.Time
	if r.cfg.KeepAlive > 0 {
		t := time.NewTicker(r.cfg.KeepAlive)
		defer t.Stop()
		keep = t.C
	}
	attempt, missed := 0, 0
	registered := false
	for {
		select {
		case <-ctx.Done():
			if registered {
				r.unregister(context.WithoutCancel(ctx))
			}
			return nil
		case <-keep:
			if !registered {
				continue
			}
			if r.keepAlive(ctx) {
				missed = 0
				continue
			}
			if missed++; missed >= keepAliveMisses && ctx.Err() == nil {
				// The path or the NAT binding is gone: register again now
				// rather than wait for the refresh.
				r.log.Warn("trunk unreachable: registering again", "keepalives_missed", missed)
				missed = 0
				timer.Reset(0)
			}
		case <-timer.C:
			if !registered {
				r.setState(StateRegistering, nil)
			}
			granted, err := r.register(ctx, r.cfg.Expires)
			if ctx.Err() != nil {
				continue // stopping: the next loop unregisters if we were registered
			}
			if err != nil {
				registered = false
				wait := backoff(attempt, r.cfg.RetryMin, r.cfg.RetryMax, randUint64())
				attempt++
				r.mu.Lock()
				r.stats.Failures++
				r.mu.Unlock()
				r.setState(StateFailed, err)
				r.log.Info("trunk registration retry", "in", wait.Round(time.Millisecond).String(), "attempt", attempt)
				timer.Reset(wait)
				continue
			}
			attempt, registered = 0, true
			r.mu.Lock()
			r.stats.Registrations++
			r.stats.Expires = granted
			r.mu.Unlock()
			r.setState(StateRegistered, nil)
			timer.Reset(granted * 8 / 10) // RFC 3261 §10.2.4: refresh before expiry
		}
	}
}

// register sends one REGISTER asking for expires, answering a digest
// challenge, and returns the lifetime granted (RFC 3261 §10.2.4).
func (r *Registrar) register(ctx context.Context, expires time.Duration) (time.Duration, error) {
	for range 2 { // a 423 raises expires once
		res, err := r.do(ctx, expires)
		if err != nil {
			return 0, err
		}
		switch {
		case res.IsSuccess():
			return grantedExpires(res, r.cfg.Contact, expires), nil
		case res.StatusCode == 423: // Interval Too Brief: Min-Expires says what is allowed
			h := res.GetHeader("Min-Expires")
			if h == nil {
				return 0, fmt.Errorf("%w: 423 without Min-Expires", ErrRejected)
			}
			n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32)
			if err != nil || time.Duration(n)*time.Second <= expires {
				return 0, fmt.Errorf("%w: 423 with Min-Expires %q", ErrRejected, h.Value())
			}
			expires = time.Duration(n) * time.Second
		default:
			return 0, fmt.Errorf("%w: %d %s", ErrRejected, res.StatusCode, res.Reason)
		}
	}
	return 0, fmt.Errorf("%w: 423 twice", ErrRejected)
}

// do sends a REGISTER with the given Expires and answers one 401/407.
func (r *Registrar) do(ctx context.Context, expires time.Duration) (*sip.Response, error) {
	req := r.request(sip.REGISTER, r.registrar)
	contact := &sip.ContactHeader{Address: r.cfg.Contact}
	req.AppendHeader(contact)
	req.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(int(expires/time.Second))))
	tctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	res, err := r.send.Do(tctx, req)
	if err != nil {
		return nil, fmt.Errorf("trunk: REGISTER: %w", err)
	}
	if res.StatusCode == 401 || res.StatusCode == 407 {
		res, err = r.send.DoDigestAuth(tctx, req, res, sipgo.DigestAuth{Username: r.cfg.Username, Password: r.cfg.Password})
		r.cseq = req.CSeq().SeqNo // DoDigestAuth sent the next CSeq
		if err != nil {
			return nil, fmt.Errorf("trunk: REGISTER with credentials: %w", err)
		}
		if res.StatusCode == 401 || res.StatusCode == 407 {
			return nil, fmt.Errorf("%w: %d after credentials for %s", ErrAuthFailed, res.StatusCode, r.cfg.Username)
		}
	}
	return res, nil
}

// request builds a request of our registration dialog-less "session":
// the same Call-ID and From tag, CSeq one higher each time (§10.2).
func (r *Registrar) request(m sip.RequestMethod, target sip.Uri) *sip.Request {
	req := sip.NewRequest(m, target)
	from := &sip.FromHeader{Address: r.aor, Params: sip.NewParams()}
	from.Params.Add("tag", r.fromTag)
	to := &sip.ToHeader{Address: r.aor, Params: sip.NewParams()}
	r.cseq++
	callID := sip.CallIDHeader(r.callID)
	if m != sip.REGISTER {
		callID = sip.CallIDHeader(sip.GenerateTagN(24) + "@dezura")
	}
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: r.cseq, MethodName: m})
	mf := sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	return req
}

// unregister removes our binding (RFC 3261 §10.2.2: Expires: 0).
func (r *Registrar) unregister(ctx context.Context) {
	res, err := r.do(ctx, 0)
	switch {
	case err != nil:
		r.log.Warn("trunk unregistration failed", "error", err)
	case !res.IsSuccess():
		r.log.Warn("trunk unregistration refused", "status", res.StatusCode)
	default:
		r.log.Info("trunk unregistered")
	}
	r.setState(StateUnknown, nil)
}

// keepAliveMisses unanswered keep-alives in a row start a registration.
const keepAliveMisses = 3

// keepAlive sends one OPTIONS to the trunk and reports whether it was
// answered: any status shows the path and the NAT binding are open.
func (r *Registrar) keepAlive(ctx context.Context) bool {
	req := r.request(sip.OPTIONS, r.registrar)
	tctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	_, err := r.send.Do(tctx, req)
	r.mu.Lock()
	r.stats.KeepAlives++
	if err != nil {
		r.stats.KeepAliveFailures++
	}
	r.mu.Unlock()
	if err != nil && ctx.Err() == nil {
		r.log.Warn("trunk keep-alive unanswered", "error", err)
	}
	return err == nil
}

// grantedExpires is the lifetime of our binding in a 2xx to REGISTER:
// the expires parameter of our Contact, else the Expires header, else
// what we asked for (RFC 3261 §10.2.4).
func grantedExpires(res *sip.Response, contact sip.Uri, asked time.Duration) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		for _, v := range splitContacts(h.Value()) {
			var ch sip.ContactHeader
			if _, err := sip.ParseAddressValue(v, &ch.Address, &ch.Params); err != nil {
				continue
			}
			if !sameBinding(ch.Address, contact) {
				continue
			}
			if e, ok := ch.Params.Get("expires"); ok {
				if n, err := strconv.ParseUint(strings.TrimSpace(e), 10, 32); err == nil && n > 0 {
					return time.Duration(n) * time.Second
				}
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	return asked
}

// splitContacts splits a Contact value at commas outside <> and quotes.
func splitContacts(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			depth++
		case c == '>':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(v[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(v[start:]))
}

func sameBinding(a, b sip.Uri) bool {
	return a.User == b.User && strings.EqualFold(a.Host, b.Host) && portOr5060(a.Port) == portOr5060(b.Port)
}

func portOr5060(p int) int {
	if p == 0 {
		return 5060
	}
	return p
}

func randUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return binary.BigEndian.Uint64(b[:])
}
