package main

import (
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
		_, err := parseServe("--procs", v)
		if err == nil || !strings.Contains(err.Error(), "--procs "+v) || exitCode(err) != 2 {
			t.Errorf("--procs %s: %v, want a usage error naming it", v, err)
		}
	}
}
