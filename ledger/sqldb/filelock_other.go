//go:build !unix && !windows

package sqldb

import (
	"fmt"
	"os"
	"runtime"
)

// lockFile has no file lock to take on this system (js, wasip1, plan9):
// a lock that excludes nothing would let two processes issue the same
// invoices, so it refuses. Use PostgreSQL, or SQLite on Unix or Windows.
func lockFile(f *os.File) error {
	return fmt.Errorf("file locks are not available on %s; %s cannot be locked", runtime.GOOS, f.Name())
}

func unlockFile(*os.File) error { return nil }
