//go:build !linux

package simulator

import (
	"net"
	"time"
)

// enableRxTimestamps is not available here: arrival times are read in the
// process.
func enableRxTimestamps(*net.UDPConn) bool { return false }

func rxTimestamp([]byte) (time.Time, bool) { return time.Time{}, false }
