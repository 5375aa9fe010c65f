package billing

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/dezura/dezura/ledger/sqldb"
)

// DefaultLeaderInterval is how often a node tries for billing leadership,
// and how often the leader checks that it still holds it, when
// Billing.Leadership is given no interval.
const DefaultLeaderInterval = 5 * time.Second

// Leadership elects one billing leader among the nodes on one database:
// the node that runs the billing scheduler.
//
// On PostgreSQL the leader holds a session advisory lock keyed by the
// schema (pg_try_advisory_lock) on a dedicated connection that it keeps for
// as long as it leads, and checks that connection every interval. When the
// session ends — the process died (the server sees the socket close), the
// connection was terminated, the network broke — the server releases the
// lock and another node takes it at its next try; the old leader notices
// at its next check (or when the check times out) and stops leading.
// On SQLite the leader holds a file lock (flock(2), LockFileEx on Windows)
// on PATH.billing-leader beside the database file, which the kernel
// releases if the process dies; on sqlite::memory: the lock is in the
// process.
//
// Leadership is not a fence: between the moment the server drops a lost
// leader's session and the moment that node's check notices, both nodes
// may run billing. That is safe because every run also takes the run lock
// (lockRun) and runs are idempotent per subscription, period and kind;
// leadership only keeps the scheduler, its cron and its catch-up on one
// node.
type Leadership struct {
	b        *Billing
	interval time.Duration
	timeout  time.Duration // for one try or one check
	logger   *slog.Logger
	leader   atomic.Bool
}

// Leadership returns an election for this database. interval is how often
// a node that does not lead tries for the lock and how often the leader
// checks its hold (0: DefaultLeaderInterval). Nothing happens until Run.
func (b *Billing) Leadership(interval time.Duration, logger *slog.Logger) *Leadership {
	if interval <= 0 {
		interval = DefaultLeaderInterval
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// A check must not give up on a slow but live server too soon (a
	// spurious loss hands the lead around), nor take long to see a dead one.
	timeout := min(max(interval, time.Second), 5*time.Second)
	return &Leadership{b: b, interval: interval, timeout: timeout, logger: logger}
}

// Leader reports whether this node leads now. It turns false as soon as a
// lost hold is noticed, before lead has returned.
func (l *Leadership) Leader() bool { return l.leader.Load() }

// Run takes part in the election until ctx ends. Each time this node is
// elected it calls lead with a context that is cancelled when leadership
// is lost or ctx ends, and waits for lead to return before it releases the
// lock (on a clean stop) and tries again. If lead returns on its own, the
// lock is released and the node tries again after an interval. A node
// that lost its hold waits two intervals before trying again, so that a
// healthy node takes over first. Run returns after lead has returned and
// the lock is released.
func (l *Leadership) Run(ctx context.Context, lead func(ctx context.Context)) {
	standby, failing := false, false
	for ctx.Err() == nil {
		h, err := l.try(ctx)
		wait := l.interval
		switch {
		case err != nil && ctx.Err() == nil:
			// Logged, not returned: the database may come back, and Run
			// must keep trying until ctx ends. Once per streak of failures.
			if !failing {
				l.logger.Warn("billing leadership: cannot try for the lock; trying again", "every", l.interval, "err", err)
			}
			failing = true
		case err != nil:
		case h == nil:
			if !standby || failing {
				l.logger.Info("billing leadership held by another node; standing by", "try_every", l.interval)
			}
			standby, failing = true, false
		default:
			standby, failing = false, false
			if lost := l.hold(ctx, h, lead); lost {
				wait = 2 * l.interval
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
}

// hold leads while h is held: it runs lead, checks h every interval, and
// when the check fails or ctx ends (or lead returns) it stops lead, waits
// for it and releases h. It reports whether the hold was lost.
func (l *Leadership) hold(ctx context.Context, h sqldb.Lock, lead func(context.Context)) (lost bool) {
	l.leader.Store(true)
	l.logger.Info("billing leadership acquired", "check_every", l.interval)
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		lead(lctx)
	}()
	var why string
loop:
	for {
		t := time.NewTimer(l.interval)
		select {
		case <-ctx.Done():
			t.Stop()
			why = "shutting down"
			break loop
		case <-done:
			t.Stop()
			why = "the scheduler stopped by itself"
			break loop
		case <-t.C:
			if err := l.check(ctx, h); err != nil {
				if ctx.Err() != nil { // the check was cut short by the stop
					why = "shutting down"
					break loop
				}
				// Whatever ended the check, the hold can no longer be
				// trusted: the session (and so the lock) may be gone.
				l.leader.Store(false)
				lost = true
				l.logger.Warn("billing leadership lost: stopping the scheduler", "err", err)
				break loop
			}
		}
	}
	cancel()
	<-done
	l.leader.Store(false)
	if lost {
		h.Discard()
	} else {
		h.Release()
	}
	if !lost {
		l.logger.Info("billing leadership released", "why", why)
	}
	return lost
}

// leaderLock is the named lock (sqldb.DB.TryLock) the leader holds: a
// different name from the run lock's, since a leader takes the run lock
// for its own runs. On PostgreSQL a session advisory lock keyed by the
// schema; on SQLite the file PATH.billing-leader.
const leaderLock = "billing-leader"

// try takes the lock if it is free: the held lock, or nil when another
// node has it.
func (l *Leadership) try(ctx context.Context) (sqldb.Lock, error) {
	tctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	h, err := l.b.h.TryLock(tctx, leaderLock)
	if err != nil {
		return nil, fmt.Errorf("billing: leadership: %w", err)
	}
	return h, nil
}

// check reports an error when h may no longer be held.
func (l *Leadership) check(ctx context.Context, h sqldb.Lock) error {
	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	if err := h.Check(cctx); err != nil {
		return fmt.Errorf("billing: leadership: %w", err)
	}
	return nil
}
