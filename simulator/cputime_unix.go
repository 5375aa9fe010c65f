//go:build unix

package simulator

import (
	"syscall"
	"time"
)

// cpuTime returns the user+system CPU time of this process (0 if the
// system will not say).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
