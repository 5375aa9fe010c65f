package trunk

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// fakeSender answers REGISTERs and OPTIONS from a script, recording when
// they came. Status 0 is no answer (the transaction times out).
type fakeSender struct {
	mu     sync.Mutex
	status []int // per REGISTER; the last repeats
	grant  string
	// listed is the Contact value a 200 to REGISTER lists ("": none).
	listed string
	// ka gives the status of the n-th OPTIONS (from 0); nil: 200.
	ka      func(n int) int
	times   []time.Time // of the REGISTERs
	exp     []string
	kaTimes []time.Time
	kaURIs  []string
}

func (f *fakeSender) Do(_ context.Context, req *sip.Request, _ ...sipgo.ClientRequestOption) (*sip.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	code := 200
	if req.Method != sip.REGISTER {
		if f.ka != nil {
			code = f.ka(len(f.kaTimes))
		}
		f.kaTimes = append(f.kaTimes, time.Now())
		f.kaURIs = append(f.kaURIs, req.Recipient.String())
	} else {
		f.times = append(f.times, time.Now())
		f.exp = append(f.exp, req.GetHeader("Expires").Value())
		code = f.status[min(len(f.times)-1, len(f.status)-1)]
	}
	if code == 0 {
		return nil, errors.New("transaction timed out")
	}
	res := sip.NewResponseFromRequest(req, code, "Scripted", nil)
	switch {
	case req.Method != sip.REGISTER:
	case code == 200:
		res.AppendHeader(sip.NewHeader("Expires", f.grant))
		if f.listed != "" {
			res.AppendHeader(sip.NewHeader("Contact", f.listed))
		}
	case code == 423:
		res.AppendHeader(sip.NewHeader("Min-Expires", "7200"))
	}
	return res, nil
}

func (f *fakeSender) DoDigestAuth(context.Context, *sip.Request, *sip.Response, sipgo.DigestAuth) (*sip.Response, error) {
	return nil, errors.New("not challenged in this test")
}

// registers returns when each REGISTER came, relative to start.
func (f *fakeSender) registers(start time.Time) []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]time.Duration, len(f.times))
	for i, at := range f.times {
		out[i] = at.Sub(start)
	}
	return out
}

// runFor runs a Registrar with cfg against f for d of synctest's fake
// time, stops it, and returns its stats before the stop and the start.
func runFor(t *testing.T, f *fakeSender, cfg Config, d time.Duration) (Stats, time.Time) {
	t.Helper()
	cfg.AOR = "sip:050@trunk.example"
	cfg.Contact = sip.Uri{Scheme: "sip", Host: "192.0.2.1", Port: 5060}
	r, err := New(cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- r.Run(ctx) }()
	time.Sleep(d)
	synctest.Wait()
	st := r.Stats()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return st, start
}

// With time as an input (synctest's fake clock), a day of registrations
// runs in microseconds: refresh at 80 % of the grant, back-off doubling
// up to its cap after failures, Expires: 0 at the end.
func TestScheduleSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{status: []int{200, 500, 500, 500, 500, 500, 200}, grant: "100"}
		st, start := runFor(t, f, Config{RetryMin: 10 * time.Second, RetryMax: 40 * time.Second, KeepAlive: -1}, 10*time.Minute)
		// The first registration, the one after the failures, and the
		// refreshes of that one (how many depends on the back-off's jitter).
		if st.State != StateRegistered || st.FailureCount() != 5 || st.Failures[FailureRejected] != 5 || st.Registrations < 6 || st.Refreshes != st.Registrations-2 {
			t.Errorf("stats %+v", st)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		at := func(i int) time.Duration { return f.times[i].Sub(start) }
		if at(0) != 0 || at(1) != 80*time.Second {
			t.Errorf("first at %v, refresh at %v (want 0, 80s)", at(0), at(1))
		}
		// Failures 1..5 (REGISTERs 1..5): retry n waits in [d/2, d], d = min(10s<<n, 40s).
		for n := 0; n < 5; n++ {
			gap := f.times[n+2].Sub(f.times[n+1])
			d := min(10*time.Second<<n, 40*time.Second)
			if gap < d/2 || gap > d {
				t.Errorf("retry %d after %v, want %v..%v", n, gap, d/2, d)
			}
		}
		if last := f.exp[len(f.exp)-1]; last != "0" {
			t.Errorf("last REGISTER Expires %q, want 0", last)
		}
		if len(f.kaTimes) != 0 {
			t.Errorf("%d keep-alives with them off", len(f.kaTimes))
		}
	})
}

// 423 Interval Too Brief: the next REGISTER asks for Min-Expires.
func TestIntervalTooBrief(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{status: []int{423, 200}, grant: "7200"}
		st, _ := runFor(t, f, Config{Expires: 60 * time.Second, KeepAlive: -1}, time.Second)
		if st.State != StateRegistered || st.Expires != 2*time.Hour {
			t.Errorf("stats %+v", st)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.exp) < 2 || f.exp[0] != "60" || f.exp[1] != "7200" {
			t.Errorf("Expires asked: %v", f.exp)
		}
	})
}

// The default lifetime asked for is a few minutes; a refresh is counted
// as one; keep-alives go to our own address of record.
func TestDefaultsAndRefreshes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{status: []int{200}, grant: "300"}
		st, _ := runFor(t, f, Config{}, 10*time.Minute)
		if st.Registrations != 3 || st.Refreshes != 2 || st.LastSuccess.IsZero() || st.KeepAlives != 40 || st.KeepAliveMisses != 0 {
			t.Errorf("stats %+v, want 3 registrations (at 0, 4 and 8 min), 2 refreshes, 40 keep-alives", st)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.exp[0] != "300" || f.kaURIs[0] != "sip:050@trunk.example" {
			t.Errorf("Expires asked %q, keep-alive to %q", f.exp[0], f.kaURIs[0])
		}
	})
}

// A lost registration is found by the keep-alives and registered again
// at the next one, long before the refresh (due at 240 s) would.
func TestLossFoundByKeepAlive(t *testing.T) {
	answered := func(n int) int { return 200 }
	for _, tc := range []struct {
		name string
		ka   func(n int) int // keep-alives every 10 s from 10 s
		// listed is the 200's Contact (ours: <sip:050@192.0.2.1:5060>)
		listed    string
		status    []int
		want      []time.Duration // REGISTERs before the refresh
		cause     LossCause
		wantState State
	}{
		{"answered 404 (registrar restarted)", func(n int) int { return map[bool]int{true: 404, false: 200}[n == 2] },
			"", []int{200}, []time.Duration{0, 30 * time.Second}, LossNotFound, StateRegistered},
		{"answered 481", func(n int) int { return map[bool]int{true: 481, false: 200}[n == 1] },
			"", []int{200}, []time.Duration{0, 20 * time.Second}, LossNotFound, StateRegistered},
		{"first answer after a missed one", func(n int) int { return map[bool]int{true: 0, false: 200}[n == 1 || n == 2] },
			"", []int{200}, []time.Duration{0, 40 * time.Second}, LossReachableAgain, StateRegistered},
		{"three missed in a row", func(n int) int { return map[bool]int{true: 0, false: 200}[n >= 1] },
			"", []int{200, 0}, []time.Duration{0, 40 * time.Second}, LossKeepAliveMissed, StateFailed},
		{"200 that lists others only: once more at once", answered,
			"<sip:050@198.51.100.7:5060>;expires=300", []int{200}, []time.Duration{0, 0}, LossNotListed, StateRegistered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeSender{status: tc.status, grant: "300", listed: tc.listed, ka: tc.ka}
				cfg := Config{KeepAlive: 10 * time.Second, RetryMin: 100 * time.Second, RetryMax: 100 * time.Second}
				st, start := runFor(t, f, cfg, 45*time.Second)
				got := f.registers(start)
				got = got[:len(got)-1] // the unregistration at the stop
				if len(got) != len(tc.want) {
					t.Fatalf("REGISTERs at %v, want %v", got, tc.want)
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Errorf("REGISTERs at %v, want %v", got, tc.want)
					}
				}
				if st.Losses[tc.cause] != 1 || st.State != tc.wantState {
					t.Errorf("stats %+v, want one loss %v, state %v", st, tc.cause, tc.wantState)
				}
			})
		})
	}
}

// A trunk that answers every OPTIONS for our number 404 itself (it does
// not route them to its registrations) costs one REGISTER, not one per
// keep-alive.
func TestTrunkThatAlwaysAnswers404(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{status: []int{200}, grant: "300", ka: func(int) int { return 404 }}
		st, start := runFor(t, f, Config{KeepAlive: 10 * time.Second}, 200*time.Second)
		got := f.registers(start)
		if len(got) != 3 || got[1] != 10*time.Second { // + the unregistration
			t.Errorf("REGISTERs at %v, want at 0 and 10s only", got)
		}
		if st.Losses[LossNotFound] != 1 || st.State != StateRegistered {
			t.Errorf("stats %+v", st)
		}
	})
}

// A registrar that restarts again right after we registered with it
// anew is found out again: the check that the trunk's 404s mean anything
// is made at once after the new registration, not at the next keep-alive.
func TestRegistrarRestartingTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 404 at 10 s and 20 s; the checks right after each REGISTER get 200.
		f := &fakeSender{status: []int{200}, grant: "300", ka: func(n int) int { return map[bool]int{true: 404, false: 200}[n == 0 || n == 2] }}
		st, start := runFor(t, f, Config{KeepAlive: 10 * time.Second}, 35*time.Second)
		if got := f.registers(start); len(got) != 4 || got[1] != 10*time.Second || got[2] != 20*time.Second {
			t.Errorf("REGISTERs at %v, want at 0, 10s and 20s (and the unregistration)", got)
		}
		if st.Losses[LossNotFound] != 2 || st.KeepAlives != 5 {
			t.Errorf("stats %+v", st)
		}
	})
}

// A registrar that does not answer REGISTER is probed with keep-alives
// while the back-off runs; its first answer starts a REGISTER at once. A
// refused REGISTER is not probed: a wrong password waits its back-off.
func TestProbesWhileUnanswered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Down for the first two keep-alive periods, then back.
		f := &fakeSender{status: []int{0, 200}, grant: "300", ka: func(n int) int { return map[bool]int{true: 0, false: 200}[n == 0] }}
		st, start := runFor(t, f, Config{KeepAlive: 10 * time.Second, RetryMin: 5 * time.Minute, RetryMax: 5 * time.Minute}, 25*time.Second)
		if got := f.registers(start); len(got) < 2 || got[1] != 20*time.Second {
			t.Errorf("REGISTERs at %v, want the second at 20s (first keep-alive answered)", got)
		}
		if st.State != StateRegistered || st.Failures[FailureNoAnswer] != 1 || st.KeepAliveMisses != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{status: []int{403}, grant: "300"}
		st, start := runFor(t, f, Config{KeepAlive: 10 * time.Second, RetryMin: 5 * time.Minute, RetryMax: 5 * time.Minute}, time.Minute)
		if got := f.registers(start); len(got) != 1 || st.KeepAlives != 0 || st.Failures[FailureRejected] != 1 {
			t.Errorf("REGISTERs at %v, stats %+v: want one REGISTER, no keep-alive", got, st)
		}
	})
}

// Keep-alives unanswered three times in a row start a registration at
// once, long before the refresh is due.
func TestDeadKeepAliveReregisters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{status: []int{200}, grant: "3600", ka: func(int) int { return 0 }}
		st, start := runFor(t, f, Config{KeepAlive: 30 * time.Second}, 100*time.Second) // keep-alives at 30, 60, 90 s
		if got := f.registers(start); len(f.kaTimes) != 3 || len(got) < 2 || got[1] != 90*time.Second {
			t.Errorf("%d OPTIONS, REGISTERs at %v (want the second at 90s)", len(f.kaTimes), got)
		}
		if st.KeepAliveMisses != 3 || st.Losses[LossKeepAliveMissed] != 1 {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestEnums(t *testing.T) {
	check := func(name string, n int, str func(i int) string, parse func(string) (int, error), text func(i int) string) {
		t.Helper()
		for i := range n {
			got, err := parse(str(i))
			if err != nil || got != i {
				t.Errorf("%s: parse(%q) = %d, %v", name, str(i), got, err)
			}
			if text(i) != str(i) {
				t.Errorf("%s %d: MarshalText %q, String %q", name, i, text(i), str(i))
			}
		}
		if str(250) != "unknown" {
			t.Errorf("%s: out-of-range name %q", name, str(250))
		}
		if _, err := parse("bogus"); err == nil {
			t.Errorf("%s: parse(bogus) did not fail", name)
		}
	}
	mt := func(m interface{ MarshalText() ([]byte, error) }) string { b, _ := m.MarshalText(); return string(b) }
	check("State", len(States()), func(i int) string { return State(i).String() },
		func(s string) (int, error) { v, err := ParseState(s); return int(v), err }, func(i int) string { return mt(State(i)) })
	check("FailureReason", len(FailureReasons()), func(i int) string { return FailureReason(i).String() },
		func(s string) (int, error) { v, err := ParseFailureReason(s); return int(v), err }, func(i int) string { return mt(FailureReason(i)) })
	check("LossCause", len(LossCauses()), func(i int) string { return LossCause(i).String() },
		func(s string) (int, error) { v, err := ParseLossCause(s); return int(v), err }, func(i int) string { return mt(LossCause(i)) })
	if len(FailureReasons()) != numFailureReasons || len(LossCauses()) != numLossCauses {
		t.Error("Stats' arrays do not match the enums")
	}
}
