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
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.CPS < 0 {
		return LoadReport{}, fmt.Errorf("%w: negative calls per second", ErrInvalidOptions)
	}
	if o.Call.Record != "" {
		return LoadReport{}, fmt.Errorf("%w: no recording in a load run", ErrInvalidOptions)
	}
	o.Call.DiscardAudio = true
	pacer := NewPacer()
	o.Call.Pacer = pacer
	pctx, stopPacer := context.WithCancel(context.Background())
	var pwg sync.WaitGroup
	pwg.Go(func() { _ = pacer.Run(pctx) })
	defer pwg.Wait()
	defer stopPacer()
	if _, err := o.Call.check(); err != nil {
		return LoadReport{}, err
	}
	if o.Completed == nil {
		o.Completed = func(r Result) bool { return r.Status == 200 && r.EndedBy == EndedRemoteBye }
	}
	lg := o.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}

	var (
		mu        sync.Mutex
		rep       = LoadReport{FailedBy: map[string]int{}}
		setups    []float64
		seen      []float64
		calls     []float64
		jitter    []float64
		active    int
		wg        sync.WaitGroup
		sem       = make(chan struct{}, o.Concurrency)
		cpuBefore = cpuTime()
		start     = time.Now()
		answered  time.Duration
	)
	runOne := func(i int) {
		defer func() { <-sem }()
		co := o.Call
		if o.From != nil {
			co.From = o.From(i)
		}
		mu.Lock()
		active++
		rep.MaxActive = max(rep.MaxActive, active)
		mu.Unlock()
		res, err := Call(ctx, co)
		mu.Lock()
		defer mu.Unlock()
		active--
		if res.Status >= 200 && res.Status < 300 {
			rep.Answered++
			setups = append(setups, ms(res.SetupLatency))
			seen = append(seen, ms(res.SetupSeen))
			answered += res.Duration - res.SetupLatency
		}
		rep.Packets += res.RTP.Packets
		rep.Lost += res.RTP.Lost
		jitter = append(jitter, res.RTP.Deviations...)
		ok := err == nil && o.Completed(res)
		rep.Calls = append(rep.Calls, CallSummary{CallID: res.CallID, Status: res.Status, EndedBy: res.EndedBy, KeysSent: res.KeysSent, Completed: ok})
		if ok {
			rep.Completed++
			calls = append(calls, ms(res.Duration))
			return
		}
		rep.Failed++
		reason := failureReason(res, err)
		rep.FailedBy[reason]++
		if err != nil && !errors.Is(err, context.Canceled) {
			lg.Warn("call failed", "call", i, "reason", reason, "error", err)
		}
	}

	end := time.NewTimer(o.Duration)
	defer end.Stop()
	// With --cps, call i is due at start + i/cps: a launch that falls
	// behind (the generator waiting for a core) catches up at once rather
	// than dropping calls, as a ticker would, so the rate asked is the
	// rate attempted while the machine keeps up.
	due := time.NewTimer(time.Hour)
	defer due.Stop()
	var runErr error
launch:
	for i := 0; ; i++ {
		if o.CPS > 0 {
			at := start.Add(time.Duration(float64(i) * float64(time.Second) / o.CPS))
			if at.Sub(start) >= o.Duration {
				break launch
			}
			if wait := time.Until(at); wait > 0 {
				due.Reset(wait)
				select {
				case <-due.C:
				case <-end.C:
					break launch
				case <-ctx.Done():
					runErr = ctx.Err()
					break launch
				}
			}
		}
		select {
		case sem <- struct{}{}: // a call that is due goes first
		default:
			select {
			case sem <- struct{}{}:
			case <-end.C:
				break launch
			case <-ctx.Done():
				runErr = ctx.Err()
				break launch
			}
		}
		mu.Lock()
		rep.Attempted++
		mu.Unlock()
		wg.Go(func() { runOne(i) })
	}
	if launched := max(time.Since(start), o.Duration); launched > 0 {
		rep.StartedPerSecond = float64(rep.Attempted) / launched.Seconds()
	}
	wg.Wait()
	rep.ElapsedMS = ms(time.Since(start))
	rep.CPUSeconds = (cpuTime() - cpuBefore).Seconds()
	if answered > 0 {
		rep.CPUPerCallMinute = rep.CPUSeconds / answered.Minutes()
	}
	rep.SetupMS, rep.SetupSeenMS, rep.CallMS, rep.JitterMS = quantiles(setups), quantiles(seen), quantiles(calls), quantiles(jitter)
	if total := rep.Packets + rep.Lost; total > 0 {
		rep.LossRatio = float64(rep.Lost) / float64(total)
	}
	return rep, runErr
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
