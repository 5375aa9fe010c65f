package trunk

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
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
	// LastSuccess is when a REGISTER was last accepted (zero: never).
	LastSuccess time.Time
	// Registrations counts accepted REGISTERs; Refreshes those among them
	// that renewed a live registration when it was due.
	Registrations, Refreshes uint64
	// Failures counts failed REGISTERs by FailureReason (index).
	Failures [numFailureReasons]uint64
	// Losses counts registrations found lost by LossCause (index); each
	// started a registration at once.
	Losses [numLossCauses]uint64
	// KeepAlives counts OPTIONS sent; KeepAliveMisses those that got no
	// answer at all.
	KeepAlives, KeepAliveMisses uint64
}

// FailureCount is the number of failed REGISTERs, whatever the reason.
func (s Stats) FailureCount() uint64 {
	var n uint64
	for _, v := range s.Failures {
		n += v
	}
	return n
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
		r.log.Warn("trunk registration", "state", s, "was", old, "error", err)
	default:
		r.log.Info("trunk registration", "state", s, "was", old)
	}
}

// count updates the counters under the lock.
func (r *Registrar) count(f func(*Stats)) {
	r.mu.Lock()
	f(&r.stats)
	r.mu.Unlock()
}

// Run registers and keeps the registration until ctx ends, then
// unregisters (Expires: 0, bounded by the Timeout) and returns nil. It is
// the only goroutine the Registrar uses; call it once.
func (r *Registrar) Run(ctx context.Context) error {
	r.setState(StateRegistering, nil)
	l := &loop{r: r, timer: time.NewTimer(0)}
	defer l.timer.Stop()
	var keep <-chan time.Time
	if r.cfg.KeepAlive > 0 {
		t := time.NewTicker(r.cfg.KeepAlive)
		defer t.Stop()
		keep = t.C
	}
	for {
		select {
		case <-ctx.Done():
			l.stop(context.WithoutCancel(ctx))
			return nil
		case <-keep:
			l.keepAlive(ctx)
		case <-l.timer.C:
			l.register(ctx)
		}
	}
}

// failureReason classifies an error of register.
func failureReason(err error) FailureReason {
	switch {
	case errors.Is(err, ErrAuthFailed):
		return FailureAuth
	case errors.Is(err, ErrRejected):
		return FailureRejected
	default:
		return FailureNoAnswer
	}
}

// register sends one REGISTER asking for expires, answering a digest
// challenge, and returns the lifetime granted (RFC 3261 §10.2.4) and
// whether the 2xx listed bindings without ours.
func (r *Registrar) register(ctx context.Context, expires time.Duration) (granted time.Duration, missing bool, err error) {
	for range 2 { // a 423 raises expires once
		res, err := r.do(ctx, expires)
		if err != nil {
			return 0, false, err
		}
		switch {
		case res.IsSuccess():
			g, m := grantedExpires(res, r.cfg.Contact, expires)
			return g, m, nil
		case res.StatusCode == 423: // Interval Too Brief: Min-Expires says what is allowed
			h := res.GetHeader("Min-Expires")
			if h == nil {
				return 0, false, fmt.Errorf("%w: 423 without Min-Expires", ErrRejected)
			}
			n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32)
			if err != nil || time.Duration(n)*time.Second <= expires {
				return 0, false, fmt.Errorf("%w: 423 with Min-Expires %q", ErrRejected, h.Value())
			}
			expires = time.Duration(n) * time.Second
		default:
			return 0, false, fmt.Errorf("%w: %d %s", ErrRejected, res.StatusCode, res.Reason)
		}
	}
	return 0, false, fmt.Errorf("%w: 423 twice", ErrRejected)
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

// keepAlive sends one OPTIONS to our own address of record through the
// registrar and returns the status of its answer (0: none). A registrar
// that holds our binding routes it to us and our own 200 comes back;
// one that lost it answers 404 (see LossNotFound). Either answer shows
// the path and the NAT binding are open. It waits at most the Timeout or
// the keep-alive interval, whichever is shorter.
func (r *Registrar) keepAlive(ctx context.Context) int {
	req := r.request(sip.OPTIONS, r.aor)
	// No answer within the interval is a miss: keep-alives never pile up.
	tctx, cancel := context.WithTimeout(ctx, min(r.cfg.Timeout, r.cfg.KeepAlive))
	defer cancel()
	res, err := r.send.Do(tctx, req)
	r.count(func(s *Stats) {
		s.KeepAlives++
		if err != nil {
			s.KeepAliveMisses++
		}
	})
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("trunk keep-alive unanswered", "error", err)
		}
		return 0
	}
	return res.StatusCode
}

func randUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return binary.BigEndian.Uint64(b[:])
}
