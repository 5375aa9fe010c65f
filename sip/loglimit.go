package sip

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// limitedHandler passes at most burst records per interval to next and
// drops the rest, saying how many it dropped with the next record it
// passes. sipgo logs every unparsable packet at ERROR with its bytes: a
// scanner's flood must not become a flood of attacker-written log lines.
type limitedHandler struct {
	next     slog.Handler
	burst    int
	interval time.Duration
	st       *limitState // shared by the handlers WithAttrs/WithGroup derive
}

type limitState struct {
	mu      sync.Mutex
	start   time.Time
	n       int
	dropped int
}

func newLimitedHandler(next slog.Handler, burst int, interval time.Duration) *limitedHandler {
	return &limitedHandler{next: next, burst: burst, interval: interval, st: &limitState{}}
}

func (h *limitedHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *limitedHandler) Handle(ctx context.Context, r slog.Record) error {
	st := h.st
	st.mu.Lock()
	if r.Time.Sub(st.start) >= h.interval {
		st.start, st.n = r.Time, 0
	}
	st.n++
	if st.n > h.burst {
		st.dropped++
		st.mu.Unlock()
		return nil
	}
	dropped := st.dropped
	st.dropped = 0
	st.mu.Unlock()
	if dropped > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("log_lines_dropped", dropped))
	}
	return h.next.Handle(ctx, r)
}

func (h *limitedHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &limitedHandler{next: h.next.WithAttrs(as), burst: h.burst, interval: h.interval, st: h.st}
}

func (h *limitedHandler) WithGroup(name string) slog.Handler {
	return &limitedHandler{next: h.next.WithGroup(name), burst: h.burst, interval: h.interval, st: h.st}
}
