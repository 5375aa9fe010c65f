package guard

import "math"

// bucket is a token bucket (rate tokens a second, at most burst) whose
// clock is passed in as Unix nanoseconds. The zero bucket is full on first
// use. A clock that goes backwards adds no tokens.
type bucket struct {
	tokens float64
	last   int64
	used   bool
}

// take removes one token if there is one.
func (b *bucket) take(now int64, rate, burst float64) bool {
	if math.IsInf(rate, 1) {
		return true
	}
	if !b.used {
		b.used, b.tokens, b.last = true, burst, now
	} else if now > b.last {
		b.tokens = min(burst, b.tokens+float64(now-b.last)*rate/1e9)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}
