//go:build !unix && !windows

package simulator

import "time"

// cpuTime is 0 where the process's CPU time cannot be read: a load
// report then shows no CPU figure.
func cpuTime() time.Duration { return 0 }
