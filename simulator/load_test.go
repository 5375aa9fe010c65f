package simulator

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	u := startUAS(t, uasConfig{steps: []uasStep{{prompt: 200 * time.Millisecond, term: true}}, final: 200 * time.Millisecond})
	rep, err := Load(context.Background(), LoadOptions{
		Call:        Options{To: u.addr, Keys: []string{"12#"}, Silence: 300 * time.Millisecond, MaxDuration: 15 * time.Second},
		Concurrency: 4,
		CPS:         10,
		Duration:    600 * time.Millisecond,
		From:        func(i int) string { return fmt.Sprintf("0901234%04d", i) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Attempted < 2 || rep.Completed != rep.Attempted || rep.Answered != rep.Attempted || rep.Failed != 0 {
		t.Fatalf("report %+v", rep)
	}
	if len(rep.Calls) != rep.Attempted || rep.Calls[0].CallID == "" || rep.Calls[0].KeysSent != "12#" || !rep.Calls[0].Completed {
		t.Errorf("calls %+v", rep.Calls)
	}
	if rep.SetupMS.N != rep.Answered || rep.CallMS.N != rep.Completed || rep.JitterMS.N == 0 || rep.Packets == 0 || rep.MaxActive < 1 {
		t.Errorf("report %+v", rep)
	}
	// Set-up is stamped where the 200 OK arrived, before the generator
	// had it in hand.
	if rep.SetupSeenMS.N != rep.Answered || rep.SetupMS.Max > rep.SetupSeenMS.Max ||
		runtime.GOOS == "linux" && rep.SetupMS.P50 >= rep.SetupSeenMS.P50 {
		t.Errorf("setup %+v, seen %+v", rep.SetupMS, rep.SetupSeenMS)
	}
	for range rep.Attempted {
		if c := u.wait(t); len(c.digits) != 3 {
			t.Errorf("service got %d digits", len(c.digits))
		}
	}
}

func TestLoadFailures(t *testing.T) {
	t.Parallel()
	u := startUAS(t, uasConfig{})
	rep, err := Load(context.Background(), LoadOptions{
		Call:        Options{To: u.addr, Codecs: []string{"G729"}, MaxDuration: 5 * time.Second},
		Concurrency: 2,
		Duration:    300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Attempted == 0 || rep.Failed != rep.Attempted || rep.FailedBy["rejected-488"] != rep.Attempted || rep.Answered != 0 {
		t.Fatalf("report %+v", rep)
	}
	if _, err := Load(context.Background(), LoadOptions{Call: Options{To: u.addr, Record: "x.wav"}}); err == nil {
		t.Error("load with a recording accepted")
	}
}

// TestLoadRate: with --cps every call due within the duration is started,
// even when the launcher wakes late (it catches up; a ticker would drop
// the ticks it missed), and none after it.
func TestLoadRate(t *testing.T) {
	t.Parallel()
	u := startUAS(t, uasConfig{})
	rep, err := Load(context.Background(), LoadOptions{
		Call:        Options{To: u.addr, Codecs: []string{"G729"}, MaxDuration: 5 * time.Second},
		Concurrency: 60,
		CPS:         200,
		Duration:    250 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Attempted != 50 || rep.StartedPerSecond < 150 || rep.StartedPerSecond > 201 {
		t.Errorf("attempted %d at %.0f a second, want 50 at up to 200", rep.Attempted, rep.StartedPerSecond)
	}
}

func TestQuantiles(t *testing.T) {
	tests := []struct {
		in   []float64
		want Quantiles
	}{
		{nil, Quantiles{}},
		{[]float64{5}, Quantiles{1, 5, 5, 5}},
		{[]float64{3, 1, 2}, Quantiles{3, 2, 3, 3}},
	}
	x := make([]float64, 1000)
	for i := range x {
		x[i] = float64(999 - i)
	}
	tests = append(tests, struct {
		in   []float64
		want Quantiles
	}{x, Quantiles{1000, 500, 989, 999}})
	for _, tt := range tests {
		if got := quantiles(tt.in); got != tt.want {
			t.Errorf("quantiles(%d values) = %+v, want %+v", len(tt.in), got, tt.want)
		}
	}
}
