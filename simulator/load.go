package simulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"
)

// LoadOptions describe a load run: many callers in one process, each a real
// SIP dialog with its own SIP and RTP sockets and 20 ms media.
type LoadOptions struct {
	Call        Options            // template for every call (To, Keys, DTMF, ...); Record is not allowed
	Concurrency int                // most calls at once (default 1)
	CPS         float64            // new calls a second; 0 starts a call whenever one ends
	Duration    time.Duration      // stop starting calls after this long (default 10 s)
	From        func(i int) string // caller number of call i (0-based); nil uses Call.From
	// Completed says whether a call went as the scenario expects; nil
	// counts a call answered with 200 and hung up by the service.
	Completed func(Result) bool
	Logger    *slog.Logger
}

// LoadReport is the outcome of a load run. Times are in milliseconds.
type LoadReport struct {
	Attempted int            `json:"attempted"`
	Answered  int            `json:"answered"`
	Completed int            `json:"completed"`
	Failed    int            `json:"failed"`
	FailedBy  map[string]int `json:"failed_by"`
	MaxActive int            `json:"max_active"`
	ElapsedMS float64        `json:"elapsed_ms"`
	// StartedPerSecond is the rate calls were started at: attempted
	// calls over the launch phase (Duration, or longer if launching fell
	// behind).
	StartedPerSecond float64   `json:"started_per_s"`
	SetupMS          Quantiles `json:"setup_ms"` // INVITE sent to 200 OK arrived (kernel stamp), answered calls
	// SetupSeenMS is INVITE to the generator having the 200 OK in hand:
	// SetupMS plus the generator's own wait for a core.
	SetupSeenMS Quantiles `json:"setup_seen_ms"`
	CallMS      Quantiles `json:"completion_ms"` // INVITE to the end, completed calls
	JitterMS    Quantiles `json:"jitter_ms"`     // |D| of every received packet (RFC 3550 §6.4.1)
	Packets     int       `json:"rtp_packets"`   // RTP packets received from the service
	Lost        int       `json:"rtp_lost"`
	LossRatio   float64   `json:"rtp_loss_ratio"`
	CPUSeconds  float64   `json:"generator_cpu_s"` // user+system CPU of this process during the run
	// CPUPerCallMinute is the generator's CPU seconds per minute of answered call.
	CPUPerCallMinute float64 `json:"generator_cpu_s_per_call_minute"`
	// Calls lists every call placed, for checking against the service's
	// own records.
	Calls []CallSummary `json:"-"`
}

// CallSummary is one call of a load run.
type CallSummary struct {
	CallID    string
	Status    int
	EndedBy   string
	KeysSent  string
	Completed bool
}

// Quantiles summarises a distribution.
type Quantiles struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func quantiles(x []float64) Quantiles {
	if len(x) == 0 {
		return Quantiles{}
	}
	slices.Sort(x)
	at := func(q float64) float64 {
		i := int(q*float64(len(x)-1) + 0.5)
		return x[i]
	}
	return Quantiles{N: len(x), P50: at(0.50), P99: at(0.99), Max: x[len(x)-1]}
}

// failureReason names why a call did not complete, for LoadReport.FailedBy.
func failureReason(r Result, err error) string {
	switch {
	case err != nil && r.Status == 0:
		return "error"
	case err != nil:
		return "error-after-" + strconv.Itoa(r.Status)
	case r.EndedBy == EndedRejected:
		return "rejected-" + strconv.Itoa(r.Status)
	case r.EndedBy == EndedTimeout && r.Status == 0:
		return "no-answer"
	case r.EndedBy == "":
		return "unknown"
	default:
		return r.EndedBy
	}
}

// Load runs calls at the given concurrency and rate until Duration has
// passed, waits for the calls in progress (each bounded by
// Call.MaxDuration) and reports. Ending ctx stops new calls and hangs up
// the ones in progress.
func Load(ctx context.Context, o LoadOptions) (LoadReport, error) {
	o, err := o.withDefaults()
	if err != nil {
		return LoadReport{}, err
	}
	pacer := NewPacer()
	o.Call.Pacer = pacer
	pctx, stopPacer := context.WithCancel(context.Background())
	var pwg sync.WaitGroup
	pwg.Go(func() { _ = pacer.Run(pctx) })
	defer pwg.Wait()
	defer stopPacer()

	var (
		t         = loadTally{rep: LoadReport{FailedBy: map[string]int{}}}
		wg        sync.WaitGroup
		sem       = make(chan struct{}, o.Concurrency)
		cpuBefore = cpuTime()
		start     = time.Now()
	)
	runErr := launch(ctx, o, start, sem, func(i int) {
		t.attempted()
		wg.Go(func() {
			defer func() { <-sem }()
			t.place(ctx, o, i)
		})
	})
	launched := max(time.Since(start), o.Duration)
	wg.Wait()
	return t.report(start, launched, cpuBefore), runErr
}

// withDefaults checks o and fills in its defaults; every call keeps no
// audio.
func (o LoadOptions) withDefaults() (LoadOptions, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.CPS < 0 {
		return o, fmt.Errorf("%w: negative calls per second", ErrInvalidOptions)
	}
	if o.Call.Record != "" {
		return o, fmt.Errorf("%w: no recording in a load run", ErrInvalidOptions)
	}
	o.Call.DiscardAudio = true
	if _, err := o.Call.check(); err != nil {
		return o, err
	}
	if o.Completed == nil {
		o.Completed = func(r Result) bool { return r.Status == 200 && r.EndedBy == EndedRemoteBye }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// launch calls start(i) for i = 0, 1, ... as each call is due (with CPS)
// and a place in sem is free, until Duration has passed. It returns
// ctx's error if ctx ended the launch.
func launch(ctx context.Context, o LoadOptions, start time.Time, sem chan<- struct{}, call func(i int)) error {
	end := time.NewTimer(o.Duration)
	defer end.Stop()
	// With --cps, call i is due at start + i/cps: a launch that falls
	// behind (the generator waiting for a core) catches up at once rather
	// than dropping calls, as a ticker would, so the rate asked is the
	// rate attempted while the machine keeps up.
	due := time.NewTimer(time.Hour)
	defer due.Stop()
	for i := 0; ; i++ {
		if o.CPS > 0 {
			at := start.Add(time.Duration(float64(i) * float64(time.Second) / o.CPS))
			if at.Sub(start) >= o.Duration {
				return nil
			}
			if wait := time.Until(at); wait > 0 {
				due.Reset(wait)
				select {
				case <-due.C:
				case <-end.C:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		select {
		case sem <- struct{}{}: // a call that is due goes first
		default:
			select {
			case sem <- struct{}{}:
			case <-end.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		call(i)
	}
}

// loadTally gathers the report of a load run as its calls end.
type loadTally struct {
	mu       sync.Mutex
	rep      LoadReport
	active   int           // calls in progress
	setups   []float64     // ms, answered calls
	seen     []float64     // ms, answered calls
	calls    []float64     // ms, completed calls
	jitter   []float64     // ms, every packet received
	answered time.Duration // time in answered calls
}

func (t *loadTally) attempted() {
	t.mu.Lock()
	t.rep.Attempted++
	t.mu.Unlock()
}

// place places call i of the run and counts how it went.
func (t *loadTally) place(ctx context.Context, o LoadOptions, i int) {
	co := o.Call
	if o.From != nil {
		co.From = o.From(i)
	}
	t.mu.Lock()
	t.active++
	t.rep.MaxActive = max(t.rep.MaxActive, t.active)
	t.mu.Unlock()
	res, err := Call(ctx, co)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.active--
	if res.Status >= 200 && res.Status < 300 {
		t.rep.Answered++
		t.setups = append(t.setups, ms(res.SetupLatency))
		t.seen = append(t.seen, ms(res.SetupSeen))
		t.answered += res.Duration - res.SetupLatency
	}
	t.rep.Packets += res.RTP.Packets
	t.rep.Lost += res.RTP.Lost
	t.jitter = append(t.jitter, res.RTP.Deviations...)
	ok := err == nil && o.Completed(res)
	t.rep.Calls = append(t.rep.Calls, CallSummary{CallID: res.CallID, Status: res.Status, EndedBy: res.EndedBy, KeysSent: res.KeysSent, Completed: ok})
	if ok {
		t.rep.Completed++
		t.calls = append(t.calls, ms(res.Duration))
		return
	}
	t.rep.Failed++
	reason := failureReason(res, err)
	t.rep.FailedBy[reason]++
	if err != nil && !errors.Is(err, context.Canceled) {
		o.Logger.Warn("call failed", "call", i, "reason", reason, "error", err)
	}
}

// report completes the report once every call has ended; launched is
// how long the launch phase took.
func (t *loadTally) report(start time.Time, launched, cpuBefore time.Duration) LoadReport {
	t.mu.Lock()
	defer t.mu.Unlock()
	rep := t.rep
	if launched > 0 {
		rep.StartedPerSecond = float64(rep.Attempted) / launched.Seconds()
	}
	rep.ElapsedMS = ms(time.Since(start))
	rep.CPUSeconds = (cpuTime() - cpuBefore).Seconds()
	if t.answered > 0 {
		rep.CPUPerCallMinute = rep.CPUSeconds / t.answered.Minutes()
	}
	rep.SetupMS, rep.SetupSeenMS, rep.CallMS, rep.JitterMS = quantiles(t.setups), quantiles(t.seen), quantiles(t.calls), quantiles(t.jitter)
	if total := rep.Packets + rep.Lost; total > 0 {
		rep.LossRatio = float64(rep.Lost) / float64(total)
	}
	return rep
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
