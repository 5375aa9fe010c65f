package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dezura/dezura/simulator"
)

// styleFlags are the flags that press keys the awkward ways real phones
// and carriers do.
type styleFlags struct {
	hold, gap time.Duration
	rfc4733   string
	level     string
	shift     float64
	noise     float64
}

func (f *styleFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.hold, "key-hold", 100*time.Millisecond, "how long each key is held (2s: a long press)")
	fs.DurationVar(&f.gap, "key-gap", 100*time.Millisecond, "pause after each key")
	fs.StringVar(&f.rfc4733, "rfc4733", "", "RFC 4733 variants, comma-separated: no-marker, lost-first=N, single-end, retimestamp")
	fs.StringVar(&f.level, "level", "-10,-10", "in-band tone levels in dBm0, LOW,HIGH (twist = HIGH-LOW)")
	fs.Float64Var(&f.shift, "shift", 0, "in-band frequency error, e.g. 0.015 for +1.5 %")
	fs.Float64Var(&f.noise, "noise", 0, "white noise over the caller's audio at this level in dBm0, e.g. -40 (0: none)")
}

// style turns the flags into a simulator.DigitStyle, or says what is wrong.
func (f *styleFlags) style() (simulator.DigitStyle, error) {
	st := simulator.DigitStyle{Tone: f.hold, Gap: f.gap, Shift: f.shift, NoiseDBm0: f.noise}
	if f.hold < 20*time.Millisecond || f.gap < 20*time.Millisecond {
		return st, fmt.Errorf("%w: --key-hold and --key-gap must be at least 20ms", errUsage)
	}
	for _, v := range splitList(f.rfc4733) {
		name, arg, _ := strings.Cut(v, "=")
		switch name {
		case "no-marker":
			st.NoMarker = true
		case "single-end":
			st.SingleEnd = true
		case "retimestamp":
			st.RetimestampedEnds = true
		case "lost-first":
			n, err := strconv.Atoi(arg)
			if err != nil || n < 1 {
				return st, fmt.Errorf("%w: --rfc4733 lost-first=%q: give a count, e.g. lost-first=2", errUsage, arg)
			}
			st.LostFirst = n
		default:
			return st, fmt.Errorf("%w: --rfc4733 %q: use no-marker, lost-first=N, single-end or retimestamp", errUsage, v)
		}
	}
	lo, hi, ok := strings.Cut(f.level, ",")
	l, err1 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	h, err2 := strconv.ParseFloat(strings.TrimSpace(hi), 64)
	if !ok || err1 != nil || err2 != nil || l > 0 || h > 0 {
		return st, fmt.Errorf("%w: --level %q: give two levels in dBm0, LOW,HIGH, e.g. -10,-8", errUsage, f.level)
	}
	st.LowDBm0, st.HighDBm0 = l, h
	if f.noise > 0 {
		return st, fmt.Errorf("%w: --noise %g: a level in dBm0 is negative, e.g. -40", errUsage, f.noise)
	}
	return st, nil
}
