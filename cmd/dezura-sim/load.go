package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/simulator"
)

// scenarios are the call flows a load run can place.
var scenarios = []string{"checkin", "checkout", "one-call", "foreman"}

// Callers of the scenarios, in the national form a carrier sends: the demo
// technician (ledger.DemoPhone) and the demo contractor's foreman
// (ledger.DemoForemanPhone).
const (
	defaultFrom        = "09012345678"
	defaultForemanFrom = "09012340000"
)

// loadConfig is the "load" command line.
type loadConfig struct {
	To          string
	From        string
	Site        string
	Scenario    string
	Crew        int // foreman: how many of ledger.DemoCrew to key; 0 all
	Callers     int // spread the calls over this many numbers from From on
	DTMF        string
	Concurrency int
	CPS         float64
	Duration    time.Duration
	Hold        time.Duration
	Timeout     time.Duration
	DB          string
	JSON        bool
	Verbose     bool
	Procs       int
}

func parseLoad(args []string, stderr io.Writer) (loadConfig, error) {
	var c loadConfig
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.To, "to", "", "SIP URI to call, e.g. sip:ivr@127.0.0.1:5060 (required)")
	fs.StringVar(&c.From, "from", defaultFrom, "caller number of every call (foreman scenario: "+defaultForemanFrom+", the demo foreman)")
	fs.IntVar(&c.Callers, "callers", 1, "spread the calls over N caller numbers: --from and the N-1 numbers after it (register them first, as simulator/bench.sh does)")
	fs.StringVar(&c.Site, "site", "1234", "site code keyed in the checkin, checkout and foreman scenarios")
	fs.StringVar(&c.Scenario, "scenario", "checkin", "call flow: "+strings.Join(scenarios, ", ")+
		" (one-call: answer, listen --hold, hang up; foreman: check in the demo crew, each ID read back, # to finish)")
	fs.IntVar(&c.Crew, "crew", 0, fmt.Sprintf("foreman scenario: key the first N of the %d demo crew IDs (0: all)", len(ledger.DemoCrew())))
	fs.StringVar(&c.DTMF, "dtmf", "rfc4733", "how to key digits: rfc4733, inband or info")
	fs.IntVar(&c.Concurrency, "concurrency", 10, "most calls at once")
	fs.Float64Var(&c.CPS, "cps", 5, "new calls a second (0: start one whenever one ends)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "keep starting calls for this long")
	fs.DurationVar(&c.Hold, "hold", 2*time.Second, "one-call scenario: hang up this long after the answer")
	fs.DurationVar(&c.Timeout, "timeout", simulator.DefaultMaxDuration, "give up on a call after this long")
	fs.StringVar(&c.DB, "db", "", "the service's store (sqlite:PATH or postgres://...): check its call records against what was keyed")
	fs.BoolVar(&c.JSON, "json", false, "print the report as JSON")
	fs.BoolVar(&c.Verbose, "v", false, "log failed calls to stderr")
	fs.IntVar(&c.Procs, "procs", 0, "Go processors (GOMAXPROCS); 0: twice the CPUs, unless the GOMAXPROCS variable is set, so that SIP answers are read while the media pacer holds a processor")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: dezura-sim load --to URI [--concurrency N] [--cps R] [--duration D] [--scenario checkin] [flags]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%w: unexpected argument %q (flags start with --)", errUsage, fs.Arg(0))
	}
	fromSet := false
	fs.Visit(func(f *flag.Flag) { fromSet = fromSet || f.Name == "from" })
	if c.Scenario == "foreman" && !fromSet {
		c.From = defaultForemanFrom
	}
	return c, c.Validate()
}

// Validate says what is wrong with the command line and how to fix it.
func (c loadConfig) Validate() error {
	base := callConfig{To: c.To, From: c.From, DTMF: c.DTMF, Codecs: []string{"PCMU"}, Timeout: c.Timeout, Silence: time.Second, EventPT: 101}
	if err := base.Validate(); err != nil {
		return err
	}
	if !slices.Contains(scenarios, c.Scenario) {
		return fmt.Errorf("%w: --scenario %q: use one of %s", errUsage, c.Scenario, strings.Join(scenarios, ", "))
	}
	if c.Site == "" || strings.Trim(c.Site, "0123456789") != "" {
		return fmt.Errorf("%w: --site %q: a site code is digits, e.g. 1234", errUsage, c.Site)
	}
	if c.Concurrency < 1 {
		return fmt.Errorf("%w: --concurrency %d: at least 1", errUsage, c.Concurrency)
	}
	if c.CPS < 0 {
		return fmt.Errorf("%w: --cps %g: use 0 or more calls a second", errUsage, c.CPS)
	}
	if c.DB != "" && c.Scenario == "one-call" {
		return fmt.Errorf("%w: --db checks what the calls keyed; the one-call scenario keys nothing", errUsage)
	}
	if n := len(ledger.DemoCrew()); c.Crew < 0 || c.Crew > n {
		return fmt.Errorf("%w: --crew %d: the demo crew has %d technicians; use 1 to %d, or 0 for all", errUsage, c.Crew, n, n)
	}
	if c.Procs < 0 || c.Procs > 1024 {
		return fmt.Errorf("%w: --procs %d: give 1 to 1024, or 0 for twice the CPUs", errUsage, c.Procs)
	}
	if c.Callers < 1 {
		return fmt.Errorf("%w: --callers %d: at least 1", errUsage, c.Callers)
	}
	if _, ok := nthNumber(c.From, c.Callers-1); !ok {
		return fmt.Errorf("%w: --from %s --callers %d: the numbers must be digits and stay %d digits long", errUsage, c.From, c.Callers, len(c.From))
	}
	if c.Crew != 0 && c.Scenario != "foreman" {
		return fmt.Errorf("%w: --crew is for --scenario foreman", errUsage)
	}
	if c.Duration <= 0 || c.Hold <= 0 {
		return fmt.Errorf("%w: --duration and --hold must be positive durations such as 60s", errUsage)
	}
	return nil
}

func (c loadConfig) options(lg *slog.Logger) simulator.LoadOptions {
	call := simulator.Options{To: c.To, From: c.From, DTMF: c.DTMF, MaxDuration: c.Timeout, Logger: lg}
	completed := func(r simulator.Result) bool {
		return r.Status == 200 && r.EndedBy == simulator.EndedRemoteBye
	}
	switch c.Scenario {
	case "checkin":
		call.Keys = []string{c.Site + "#", "1"}
	case "checkout":
		call.Keys = []string{c.Site + "#", "2"}
	case "foreman":
		// Site and check-in, then each ID alone: 14 digits end an entry,
		// so a # after one would be taken as the next entry, "# alone:
		// done". A foreman knows the drill: he keys each group as its
		// prompt starts, over the read-back of the one before (barge-in);
		// waiting out every read-back takes some 16 s a technician. Site
		// and check-in go in one group: the service stops the action
		// prompt at the 1 and starts the next without a pause, which the
		// simulator would not hear as a new prompt.
		call.Keys = append([]string{c.Site + "#1"}, c.crew()...)
		call.Keys = append(call.Keys, "#")
		call.KeyEarly = true
	case "one-call":
		call.HangupAfter = c.Hold
		completed = func(r simulator.Result) bool {
			return r.Status == 200 && (r.EndedBy == simulator.EndedLocalBye || r.EndedBy == simulator.EndedRemoteBye)
		}
	}
	o := simulator.LoadOptions{Call: call, Concurrency: c.Concurrency, CPS: c.CPS, Duration: c.Duration, Completed: completed, Logger: lg}
	if c.Callers > 1 {
		o.From = func(i int) string {
			n, _ := nthNumber(c.From, i%c.Callers) // checked by Validate
			return n
		}
	}
	return o
}

// nthNumber is the phone number k after from, as many digits long (leading
// zeros kept); ok is false if from is not digits or the sum is longer.
func nthNumber(from string, k int) (string, bool) {
	if from == "" || strings.Trim(from, "0123456789") != "" || len(from) > 18 {
		return "", false
	}
	n, err := strconv.ParseUint(from, 10, 64)
	if err != nil {
		return "", false
	}
	s := strconv.FormatUint(n+uint64(k), 10)
	if len(s) > len(from) {
		return "", false
	}
	return strings.Repeat("0", len(from)-len(s)) + s, true
}

// crew is the technician IDs the foreman scenario keys.
func (c loadConfig) crew() []string {
	crew := ledger.DemoCrew()
	if c.Crew > 0 {
		crew = crew[:c.Crew]
	}
	return crew
}

// expect is what the service's records must show for each completed call.
func (c loadConfig) expect() expectation {
	e := expectation{Site: c.Site}
	if c.Scenario == "foreman" {
		e.Crew = c.crew()
	}
	return e
}

// loadOutput is the JSON form of a load run.
type loadOutput struct {
	simulator.LoadReport
	Records *verification `json:"records,omitempty"`
}

// tuneLoadRuntime gives the generator more Go processors than CPUs and a
// lazier collector: its media pacer holds a processor for each 20 ms slot
// and every call allocates a dialog, so at 1,000 new calls a second on 2
// cores the default settings left INVITE answers waiting to be read (p99
// set-up as the generator saw it 80-206 ms, against 25-71 ms with 4
// processors and GOGC 400, same runs). GOMAXPROCS and GOGC in the
// environment win.
func tuneLoadRuntime(procs int) {
	if procs == 0 && os.Getenv("GOMAXPROCS") == "" {
		procs = 2 * runtime.GOMAXPROCS(0)
	}
	if procs > 0 {
		runtime.GOMAXPROCS(procs)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// tuneRuntime is set by main: tests that run the load command in their
// own process keep its settings.
var tuneRuntime bool

func runLoad(ctx context.Context, c loadConfig, stdout io.Writer, lg *slog.Logger) error {
	if tuneRuntime {
		tuneLoadRuntime(c.Procs)
	}
	start := time.Now()
	rep, err := simulator.Load(ctx, c.options(lg))
	if err != nil && rep.Attempted == 0 {
		return fmt.Errorf("load run failed: %w", err)
	}
	out := loadOutput{LoadReport: rep}
	var verr error
	if c.DB != "" && err == nil {
		v, e := verifyCalls(ctx, c.DB, start, rep.Calls, c.expect(), 3*time.Second)
		if e != nil {
			verr = e
		} else {
			out.Records = &v
		}
	}
	if c.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	} else {
		fmt.Fprint(stdout, loadSummary(rep))
		if v := out.Records; v != nil {
			fmt.Fprintf(stdout, "records:    %d checked, %d match what was keyed, %d mismatched, %d missing\n", v.Checked, v.Matched, v.Mismatch, v.Missing)
			if cr := v.Crew; cr != nil {
				fmt.Fprintf(stdout, "crew:       %d of %d entries recorded once (%s), %d missing, %d doubled\n",
					cr.Recorded, cr.Expected, strings.Join(cr.WorkDates, ", "), cr.Missing, cr.Doubled)
			}
			for _, e := range v.Examples {
				fmt.Fprintf(stdout, "  %s\n", e)
			}
		}
	}
	switch {
	case err != nil:
		return fmt.Errorf("load run interrupted: %w", err)
	case verr != nil:
		return verr
	case rep.Failed > 0:
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(rep.FailedBy)) {
			parts = append(parts, fmt.Sprintf("%s %d", k, rep.FailedBy[k]))
		}
		return fmt.Errorf("%d of %d calls failed (%s)", rep.Failed, rep.Attempted, strings.Join(parts, ", "))
	case rep.Attempted == 0:
		return fmt.Errorf("no call was started; raise --duration or --cps")
	case out.Records != nil && !out.Records.Passed:
		v := out.Records
		msg := fmt.Sprintf("the service's records disagree with what was keyed: %d mismatched, %d missing", v.Mismatch, v.Missing)
		if v.Crew != nil {
			msg += fmt.Sprintf("; crew entries: %d missing, %d doubled", v.Crew.Missing, v.Crew.Doubled)
		}
		return errors.New(msg)
	}
	return nil
}

func loadSummary(r simulator.LoadReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "calls:      attempted %d, answered %d, completed %d, failed %d (at most %d at once, %.0f started a second, %.1f s)\n",
		r.Attempted, r.Answered, r.Completed, r.Failed, r.MaxActive, r.StartedPerSecond, r.ElapsedMS/1000)
	for _, k := range slices.Sorted(maps.Keys(r.FailedBy)) {
		fmt.Fprintf(&b, "  failed:   %s %d\n", k, r.FailedBy[k])
	}
	fmt.Fprintf(&b, "setup:      p50 %.2f ms, p99 %.2f ms, max %.2f ms (INVITE sent to 200 OK at the caller's socket)\n", r.SetupMS.P50, r.SetupMS.P99, r.SetupMS.Max)
	fmt.Fprintf(&b, "  seen:     p50 %.2f ms, p99 %.2f ms, max %.2f ms (until the generator had it in hand)\n", r.SetupSeenMS.P50, r.SetupSeenMS.P99, r.SetupSeenMS.Max)
	fmt.Fprintf(&b, "completion: p50 %.2f s, p99 %.2f s\n", r.CallMS.P50/1000, r.CallMS.P99/1000)
	fmt.Fprintf(&b, "jitter:     p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d packets)\n", r.JitterMS.P50, r.JitterMS.P99, r.JitterMS.Max, r.JitterMS.N)
	fmt.Fprintf(&b, "loss:       %d of %d packets (%.3f%%)\n", r.Lost, r.Packets+r.Lost, 100*r.LossRatio)
	fmt.Fprintf(&b, "generator:  %.2f CPU-s (%.4f per call-minute)\n", r.CPUSeconds, r.CPUPerCallMinute)
	return b.String()
}
