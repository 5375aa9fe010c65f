package billing

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// RunFunc runs billing as of a date (Billing.Run with fixed options).
type RunFunc func(ctx context.Context, asOf Date) (RunResult, error)

// Scheduler runs billing once at start-up and then on a cron schedule in
// Asia/Tokyo. Each run is logged with its counts and totals; a failed run
// is logged at ERROR and retried with back-off, and if every retry fails it
// is counted in Stats and logged again — the next scheduled run catches up
// on whatever was missed, because runs are idempotent.
type Scheduler struct {
	cron    *cron.Cron
	run     RunFunc
	logger  *slog.Logger
	now     func() time.Time
	delays  []time.Duration
	stop    chan struct{}
	stopped sync.Once
	busy    sync.Mutex
	wg      sync.WaitGroup
	ctx     context.Context

	mu    sync.Mutex
	stats SchedulerStats

	attendance AttendanceCounter
}

// SchedulerStats counts what a scheduler did.
type SchedulerStats struct {
	Runs, Failures, GaveUp, Skipped int
	Invoices                        int
	Total                           Yen
	LastSuccess                     time.Time
	LastError                       string
}

// SchedulerOption configures a Scheduler.
type SchedulerOption func(*Scheduler)

// WithSchedulerClock sets the clock that decides each run's as-of date.
func WithSchedulerClock(now func() time.Time) SchedulerOption {
	return func(s *Scheduler) { s.now = now }
}

// WithRetryDelays sets the waits between attempts of a failed run (default
// 1, 5, 15 and 60 minutes).
func WithRetryDelays(d ...time.Duration) SchedulerOption {
	return func(s *Scheduler) { s.delays = d }
}

// WithAttendance passes an AttendanceCounter to every run.
func WithAttendance(a AttendanceCounter) SchedulerOption {
	return func(s *Scheduler) { s.attendance = a }
}

// Scheduler returns a scheduler that runs b.Run on spec (five cron
// fields, Asia/Tokyo, e.g. "0 3 * * *"). issuer is normally zero: each run
// takes the stored issuer settings (RunOptions.Issuer).
func (b *Billing) Scheduler(spec string, logger *slog.Logger, issuer Issuer, opts ...SchedulerOption) (*Scheduler, error) {
	if issuer != (Issuer{}) {
		if err := issuer.Validate(); err != nil {
			return nil, err
		}
	}
	var s *Scheduler
	run := func(ctx context.Context, asOf Date) (RunResult, error) {
		return b.Run(ctx, RunOptions{AsOf: asOf, Issuer: issuer, Attendance: s.attendance})
	}
	var err error
	s, err = NewScheduler(spec, logger, run, opts...)
	return s, err
}

// NewScheduler is Billing.Scheduler with any RunFunc.
func NewScheduler(spec string, logger *slog.Logger, run RunFunc, opts ...SchedulerOption) (*Scheduler, error) {
	s := &Scheduler{
		run: run, logger: logger, now: time.Now, stop: make(chan struct{}),
		delays: []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour},
	}
	for _, o := range opts {
		o(s)
	}
	s.cron = cron.New(cron.WithLocation(tokyo))
	if _, err := s.cron.AddFunc(spec, func() { s.job("schedule") }); err != nil {
		return nil, fmt.Errorf("billing: schedule %q: %w", spec, err)
	}
	return s, nil
}

// Start runs billing once now (in the background) and then on the
// schedule, until Stop. ctx is passed to every run.
func (s *Scheduler) Start(ctx context.Context) {
	s.ctx = ctx
	s.wg.Go(func() { s.job("start-up") })
	s.cron.Start()
}

// Stop stops scheduling, abandons pending retries, and waits for a running
// billing run to finish (or for ctx to end; the run then still finishes in
// the background, as a cancelled Start context would end it).
func (s *Scheduler) Stop(ctx context.Context) error {
	s.stopped.Do(func() { close(s.stop) })
	cronDone := s.cron.Stop()
	done := make(chan struct{})
	go func() {
		<-cronDone.Done()
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("billing: scheduler stop: %w", ctx.Err())
	}
}

// Stats returns a snapshot of what the scheduler did.
func (s *Scheduler) Stats() SchedulerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func (s *Scheduler) job(trigger string) {
	if !s.busy.TryLock() {
		s.logger.Warn("billing run skipped: previous run still going", "trigger", trigger)
		s.mu.Lock()
		s.stats.Skipped++
		s.mu.Unlock()
		return
	}
	defer s.busy.Unlock()
	for attempt := 1; ; attempt++ {
		asOf := DateOf(s.now())
		res, err := s.run(s.ctx, asOf)
		s.mu.Lock()
		s.stats.Runs++
		if err == nil {
			s.stats.Invoices += res.Count()
			s.stats.Total += res.Total
			s.stats.LastSuccess = s.now()
		} else {
			s.stats.Failures++
			s.stats.LastError = err.Error()
		}
		s.mu.Unlock()
		if err == nil {
			s.logger.Info("billing run", "trigger", trigger, "as_of", asOf.String(), "attempt", attempt,
				"invoices", res.Count(), "subtotal_yen", int64(res.Subtotal), "tax_yen", int64(res.Tax), "total_yen", int64(res.Total))
			return
		}
		// Invoices committed before the failure are reported too.
		s.logger.Error("billing run failed", "trigger", trigger, "as_of", asOf.String(), "attempt", attempt,
			"issued_before_failure", res.Count(), "err", err)
		if attempt > len(s.delays) || s.ctx.Err() != nil {
			s.mu.Lock()
			s.stats.GaveUp++
			s.mu.Unlock()
			s.logger.Error("billing run gave up; the next scheduled run will catch up", "trigger", trigger, "as_of", asOf.String(), "attempts", attempt)
			return
		}
		t := time.NewTimer(s.delays[attempt-1])
		select {
		case <-t.C:
		case <-s.stop:
			t.Stop()
			s.logger.Error("billing run retry abandoned: scheduler stopping", "as_of", asOf.String(), "attempts", attempt)
			return
		case <-s.ctx.Done():
			t.Stop()
			return
		}
	}
}
