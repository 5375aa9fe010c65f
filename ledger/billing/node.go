package billing

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dezura/dezura/ledger"
)

// NodeConfig is what a node needs to run billing on its own.
type NodeConfig struct {
	// Spec is when the daily run starts: five cron fields in Asia/Tokyo,
	// e.g. "0 3 * * *".
	Spec string
	// Issuer is normally zero: runs take the stored issuer settings.
	Issuer Issuer
	// LeaderInterval is how often the node tries to lead billing and the
	// leader checks its hold (0: DefaultLeaderInterval).
	LeaderInterval time.Duration
	Logger         *slog.Logger // nil: discard
	// Scheduler options for every scheduler the node starts (a clock,
	// retry delays).
	Scheduler []SchedulerOption
	// Mail, if set, makes the leader mail invoices too: every interval it
	// queues what is new and sends what is due (retries included).
	Mail *MailConfig
}

// MailConfig is how the leading node mails invoices.
type MailConfig struct {
	Mailer   Mailer
	Font     *Font
	Interval time.Duration // 0: 5 minutes
	Options  SendOptions
}

// Node is one process's part in billing: it takes part in the leadership
// election (one leader among the nodes on one database) and, each time it
// is elected, starts a fresh scheduler — which runs once at start-up,
// catching up on whatever is due, and then on its cron schedule — and
// stops it when leadership is lost or the node stops. Its counters are
// summed over every scheduler it ran.
type Node struct {
	b      *Billing
	mail   *MailConfig
	l      *Leadership
	cancel context.CancelFunc
	done   chan struct{} // closed when the election has ended

	mu   sync.Mutex
	past SchedulerStats // summed over the schedulers already stopped
	cur  *Scheduler     // while leading
}

// NodeActor is the actor of the changes a node makes on its own: the
// scheduled runs and the mail passes.
var NodeActor = ledger.Actor{Kind: "system", Name: "billing"}

// StartNode starts billing for this process: the election runs until
// Stop (or ctx ends). A bad spec or issuer is an error here, not when the
// node is elected.
func (b *Billing) StartNode(ctx context.Context, cfg NodeConfig) (*Node, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	newScheduler := func() (*Scheduler, error) {
		return b.Scheduler(cfg.Spec, logger, cfg.Issuer, cfg.Scheduler...)
	}
	if _, err := newScheduler(); err != nil { // never started: only checks spec and issuer
		return nil, err
	}
	n := &Node{l: b.Leadership(cfg.LeaderInterval, logger), done: make(chan struct{}), b: b, mail: cfg.Mail}
	// What the node does on its own is the system's in the audit log, not
	// that of whoever started the process.
	ectx, cancel := context.WithCancel(ledger.WithActor(ctx, NodeActor))
	n.cancel = cancel
	go func() {
		defer close(n.done)
		n.l.Run(ectx, func(ctx context.Context) { n.lead(ctx, newScheduler, logger) })
	}()
	return n, nil
}

// lead runs a scheduler until ctx ends (leadership lost, or the node
// stopping). Runs take ctx too: a run in progress is cancelled, its
// uncommitted batch rolled back, and the next leader's start-up run issues
// it.
func (n *Node) lead(ctx context.Context, newScheduler func() (*Scheduler, error), logger *slog.Logger) {
	s, err := newScheduler()
	if err != nil { // checked by StartNode; only a change in billing could get here
		logger.Error("billing scheduler not started", "err", err)
		return
	}
	n.mu.Lock()
	n.cur = s
	n.mu.Unlock()
	s.Start(ctx)
	if n.mail != nil {
		var wg sync.WaitGroup
		defer wg.Wait()
		wg.Go(func() { n.mailLoop(ctx, logger) })
	}
	<-ctx.Done()
	// The run's context has ended, so Stop returns as soon as it has.
	if err := s.Stop(context.Background()); err != nil {
		logger.Error("billing scheduler stop", "err", err)
	}
	n.mu.Lock()
	n.past = n.past.add(s.Stats())
	n.cur = nil
	n.mu.Unlock()
}

// Stop leaves the election: it stops the scheduler if this node leads and
// waits for it (a run in progress is cancelled) and for the lock to be
// released, up to ctx.
func (n *Node) Stop(ctx context.Context) error {
	n.cancel()
	select {
	case <-n.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("billing: stop: %w", ctx.Err())
	}
}

// Leader reports whether this node leads billing now.
func (n *Node) Leader() bool { return n.l.Leader() }

// Stats sums the counters of every scheduler this node has run, so that
// they only grow across changes of leader (for /metrics).
func (n *Node) Stats() SchedulerStats {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cur == nil {
		return n.past
	}
	return n.past.add(n.cur.Stats())
}

// add adds the counters of b (a later scheduler) to a.
func (a SchedulerStats) add(b SchedulerStats) SchedulerStats {
	a.Runs += b.Runs
	a.Failures += b.Failures
	a.GaveUp += b.GaveUp
	a.Skipped += b.Skipped
	a.Invoices += b.Invoices
	a.Total += b.Total
	if b.LastSuccess.After(a.LastSuccess) {
		a.LastSuccess = b.LastSuccess
	}
	if b.LastError != "" {
		a.LastError = b.LastError
	}
	return a
}

// mailLoop mails invoices while the node leads: a pass at once and then
// every interval, until ctx ends. A pass that fails is logged; the next
// one tries again (the queue keeps what was not sent).
func (n *Node) mailLoop(ctx context.Context, logger *slog.Logger) {
	every := n.mail.Interval
	if every <= 0 {
		every = 5 * time.Minute
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		queued, err := n.b.QueueMail(ctx)
		if err == nil {
			var res SendResult
			res, err = n.b.SendQueued(ctx, n.mail.Mailer, n.mail.Font, n.mail.Options)
			if res.Sent+res.Retrying+res.Failed+queued > 0 {
				logger.Info("billing mail", "queued", queued, "sent", res.Sent, "retrying", res.Retrying, "failed", res.Failed)
			}
			for _, e := range res.Errors {
				logger.Warn("billing mail not sent", "err", e)
			}
		}
		if err != nil && ctx.Err() == nil {
			logger.Error("billing mail pass failed", "err", err)
		}
		t.Reset(every)
	}
}
