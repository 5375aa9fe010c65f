package trunk

import (
	"context"
	"time"
)

// keepAliveMisses unanswered keep-alives in a row, while registered, mean
// the path or the NAT binding is gone: register again at once.
const keepAliveMisses = 3

// loop is Run's state between events; only Run's goroutine uses it.
//
// A registration is renewed at 80 % of the lifetime granted, and found
// lost sooner by the keep-alives (OPTIONS to our own address of record
// through the registrar), which then start a registration at once:
//
//   - an answer 404, 410, 480, 481 or 604: the registrar does not know
//     us (LossNotFound);
//   - the first answer after one or more went unanswered: what answers
//     may be a restarted registrar with an empty table (LossReachableAgain);
//   - keepAliveMisses unanswered in a row (LossKeepAliveMissed);
//
// and so is a 200 to our REGISTER that lists bindings but not ours
// (LossNotListed). After a REGISTER that got no answer the keep-alives go
// on, so that the registrar's return cuts the back-off short; after one
// that was refused they stop, so a wrong password is not retried faster.
type loop struct {
	r     *Registrar
	timer *time.Timer // the next REGISTER

	registered bool      // the registrar holds our binding, as far as we know
	boundUntil time.Time // when the last binding we were granted runs out
	attempt    int       // failed REGISTERs in a row, for the back-off
	// missed counts requests to the registrar in a row that got no
	// answer: keep-alives, or a REGISTER (counted as one).
	missed int
	// due is why the REGISTER due next is sent (LossUnknown: the first or
	// a scheduled one).
	due LossCause
	// codesIgnored: the trunk answered a keep-alive "not found" right
	// after it took the REGISTER that such an answer had started, so its
	// answers do not show our binding (it answers OPTIONS itself); until
	// it answers one otherwise.
	codesIgnored bool
	// listRetried: a 200 without our binding was followed by one more
	// REGISTER at once; another such 200 is taken as it is (a registrar
	// that rewrites Contacts), with one warning.
	listRetried, listWarned bool
}

// register sends the REGISTER that is due and schedules the next one.
func (l *loop) register(ctx context.Context) {
	r := l.r
	refresh := l.registered
	if !refresh {
		r.setState(StateRegistering, nil)
	}
	granted, missing, err := r.register(ctx, r.cfg.Expires)
	if ctx.Err() != nil {
		return // stopping: stop unregisters if we may hold a binding
	}
	if err != nil {
		l.failed(err)
		return
	}
	now := time.Now()
	l.registered, l.boundUntil, l.attempt, l.missed = true, now.Add(granted), 0, 0
	made := l.due
	l.due = LossUnknown
	r.count(func(s *Stats) {
		s.Registrations++
		if refresh {
			s.Refreshes++
		}
		s.Expires, s.LastSuccess = granted, now
	})
	r.setState(StateRegistered, nil)
	switch {
	case missing && !l.listRetried:
		l.listRetried = true
		l.lost(LossNotListed)
		return
	case missing && !l.listWarned:
		l.listWarned = true
		r.log.Warn("trunk registrar lists other bindings but not ours, again: taken as registered")
	case !missing:
		l.listRetried, l.listWarned = false, false
	}
	l.timer.Reset(granted * 8 / 10) // RFC 3261 §10.2.4: refresh before expiry
	if made == LossNotFound {
		l.checkCodes(ctx)
	}
}

// checkCodes sends a keep-alive right after a registration that a "not
// found" answer started. The registrar has just taken our REGISTER, so
// "not found" again means the trunk answers OPTIONS for our number
// itself, whatever it holds: such answers are then not acted on (one
// REGISTER lost, not one per keep-alive). A registrar that restarts again
// later is still found out: this check is made at once, not at the next
// keep-alive.
func (l *loop) checkCodes(ctx context.Context) {
	code := l.r.keepAlive(ctx)
	switch {
	case ctx.Err() != nil || code == 0:
	case bindingGone(code):
		l.codesIgnored = true
		l.r.log.Warn("trunk answers keep-alives for our number with this status right after registering: such answers are not taken as a lost registration", "status", code)
	default:
		l.codesIgnored = false
	}
}

// failed counts a failed REGISTER and schedules a retry after a back-off.
func (l *loop) failed(err error) {
	r := l.r
	reason := failureReason(err)
	l.registered = false
	if reason == FailureNoAnswer {
		l.missed = max(l.missed, 1) // keep probing: an answer cuts the back-off short
	} else {
		l.missed = 0
	}
	wait := backoff(l.attempt, r.cfg.RetryMin, r.cfg.RetryMax, randUint64())
	l.attempt++
	r.count(func(s *Stats) { s.Failures[reason]++ })
	r.setState(StateFailed, err)
	r.log.Info("trunk registration retry", "in", wait.Round(time.Millisecond), "attempt", l.attempt, "reason", reason)
	l.timer.Reset(wait)
}

// keepAlive sends a keep-alive when there is a registration to watch or
// a silence to watch the end of, and acts on its answer.
func (l *loop) keepAlive(ctx context.Context) {
	if !l.registered && l.missed == 0 {
		return
	}
	code := l.r.keepAlive(ctx)
	if ctx.Err() != nil {
		return
	}
	switch {
	case code == 0:
		l.missed++
		if l.registered && l.missed >= keepAliveMisses {
			l.lost(LossKeepAliveMissed, "keepalives_missed", l.missed)
		}
	case l.missed > 0:
		l.missed = 0
		if l.registered {
			l.lost(LossReachableAgain, "status", code)
			return
		}
		l.r.log.Info("trunk answers again: registering now", "status", code)
		l.timer.Reset(0)
	case bindingGone(code):
		if !l.codesIgnored {
			l.lost(LossNotFound, "status", code)
		}
	default:
		l.codesIgnored = false
	}
}

// lost counts a lost registration and registers again at once.
func (l *loop) lost(cause LossCause, args ...any) {
	l.registered, l.due = false, cause
	l.r.count(func(s *Stats) { s.Losses[cause]++ })
	l.r.log.Warn("trunk registration lost: registering again now", append([]any{"cause", cause}, args...)...)
	l.r.setState(StateRegistering, nil)
	l.timer.Reset(0)
}

// stop unregisters when the registrar may still hold a binding of ours.
func (l *loop) stop(ctx context.Context) {
	if l.registered || time.Now().Before(l.boundUntil) {
		l.r.unregister(ctx)
		return
	}
	l.r.setState(StateUnknown, nil)
}

// bindingGone reports an answer to an OPTIONS for our address of record
// that says the registrar has no binding for it: 404 Not Found, 410 Gone,
// 480 Temporarily Unavailable, 481 Call/Transaction Does Not Exist,
// 604 Does Not Exist Anywhere (RFC 3261 §21).
func bindingGone(code int) bool {
	switch code {
	case 404, 410, 480, 481, 604:
		return true
	}
	return false
}
