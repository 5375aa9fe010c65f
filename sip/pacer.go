package sip

import "time"

// FramePeriod is the packetisation interval: 20 ms of 8 kHz G.711
// (160 samples) per RTP packet, as the SDP answer says (a=ptime:20).
const FramePeriod = 20 * time.Millisecond

// SamplesPerFrame is the RTP timestamp increment per frame at 8000 Hz
// (RFC 3551 §4.5.14: G.711 timestamps count samples).
const SamplesPerFrame = 160

// pacer turns a monotonic clock into 20 ms ticks without drift: tick n is
// due at start + n*period, whatever the lateness of earlier wake-ups, so
// sleep errors never accumulate. It does no I/O and never reads the clock;
// callers pass now in.
type pacer struct {
	start  time.Time
	period time.Duration
	next   int64 // index of the next tick not yet run
}

func newPacer(start time.Time, period time.Duration) pacer {
	return pacer{start: start, period: period}
}

// deadline returns when tick n is due.
func (p *pacer) deadline(n int64) time.Time {
	return p.start.Add(time.Duration(n) * p.period)
}

// advance returns how many ticks are due at now and have not run yet, at
// most maxBurst of them; ticks beyond maxBurst are skipped (returned as
// skipped, so the caller can count them and keep RTP timestamps in step
// with the clock). After advance, p.deadline(p.next) is the next wake-up.
func (p *pacer) advance(now time.Time, maxBurst int) (run, skipped int) {
	if now.Before(p.deadline(p.next)) {
		return 0, 0
	}
	last := int64(now.Sub(p.start) / p.period) // index of the latest due tick
	due := last - p.next + 1
	p.next = last + 1
	if due > int64(maxBurst) {
		return maxBurst, int(due - int64(maxBurst))
	}
	return int(due), 0
}
