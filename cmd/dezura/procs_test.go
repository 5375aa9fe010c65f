package main

import (
	"flag"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"testing"
)

// TestSetProcs: 0 doubles the processors unless GOMAXPROCS is set; N sets N.
func TestSetProcs(t *testing.T) {
	old := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(old)
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Setenv("GOMAXPROCS", "")
	setProcs(0, discard)
	if got := runtime.GOMAXPROCS(0); got != 2*old {
		t.Errorf("--procs 0: GOMAXPROCS %d, want %d", got, 2*old)
	}
	runtime.GOMAXPROCS(old)
	setProcs(3, discard)
	if got := runtime.GOMAXPROCS(0); got != 3 {
		t.Errorf("--procs 3: GOMAXPROCS %d", got)
	}
	runtime.GOMAXPROCS(old)
	t.Setenv("GOMAXPROCS", "1")
	setProcs(0, discard)
	if got := runtime.GOMAXPROCS(0); got != old {
		t.Errorf("--procs 0 with GOMAXPROCS set: %d, want it left at %d", got, old)
	}
}

func TestProcsFlagChecked(t *testing.T) {
	for _, v := range []string{"-1", "5000"} {
		var c serveConfig
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c.flags(fs)
		if err := fs.Parse([]string{"--procs", v}); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--procs "+v) {
			t.Errorf("--procs %s: Validate() = %v", v, err)
		}
	}
}
