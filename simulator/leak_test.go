package simulator

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// TestCallLeavesNoGoroutines checks that Call waits for everything it
// starts. Not parallel: it counts the goroutines of the whole process.
func TestCallLeavesNoGoroutines(t *testing.T) {
	u := startUAS(t, uasConfig{steps: []uasStep{{prompt: 200 * time.Millisecond, want: 1}}, final: 100 * time.Millisecond})
	// A rejected call and an answered one.
	if _, err := Call(context.Background(), Options{To: u.addr, Codecs: []string{"G729"}}); err != nil {
		t.Fatal(err)
	}
	u.wait(t)
	before := runtime.NumGoroutine()
	res, err := Call(context.Background(), Options{To: u.addr, Keys: []string{"1"}, Silence: 200 * time.Millisecond, MaxDuration: 10 * time.Second})
	if err != nil || res.EndedBy != EndedRemoteBye {
		t.Fatalf("call: %v %+v", err, res.EndedBy)
	}
	u.wait(t)
	// sipgo ends its transaction timers shortly after Close; allow them
	// to drain, bounded.
	var n int
	for range 100 {
		if n = runtime.NumGoroutine(); n <= before {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Errorf("%d goroutines after the call, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
}
