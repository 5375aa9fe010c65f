package sip

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLimitedHandler(t *testing.T) {
	var buf bytes.Buffer
	h := newLimitedHandler(slog.NewTextHandler(&buf, nil), 3, time.Second)
	lg := slog.New(h).With("component", "sipgo")
	t0 := time.Date(2026, 11, 27, 7, 30, 0, 0, time.UTC)
	log := func(at time.Time, msg string) {
		r := slog.NewRecord(at, slog.LevelError, msg, 0)
		if err := lg.Handler().Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		log(t0.Add(time.Duration(i)*time.Millisecond), "junk packet")
	}
	log(t0.Add(2*time.Second), "later")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines passed, want 3 in the first second and 1 after:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[3], "log_lines_dropped=97") || !strings.Contains(lines[3], "component=sipgo") {
		t.Errorf("last line %q does not count the 97 dropped", lines[3])
	}
}
