package trunk

import "time"

// backoff is the wait before retry number attempt (0 for the first retry
// after a failure): lo doubled per attempt, capped at hi, then "equal
// jitter": half of it fixed and half random (r is a uniform random
// number), so a fleet restarted together does not retry in step.
func backoff(attempt int, lo, hi time.Duration, r uint64) time.Duration {
	d := lo
	for i := 0; i < attempt && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	half := d / 2
	return half + time.Duration(r%uint64(half+1))
}
