package sip

import "time"

// WithTimerFloor returns cfg with floor as our Min-SE instead of the 90 s
// of RFC 4028 §4, so session timer tests run in seconds.
func WithTimerFloor(cfg Config, floor time.Duration) Config {
	cfg.timerFloor = floor
	return cfg
}
