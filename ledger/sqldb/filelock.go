package sqldb

import (
	"context"
	"errors"
	"os"
	"sync"
)

// FileLocks are locks on files beside a database file: the lock named
// NAME is PATH.NAME (e.g. dezura.db.billing-run), locked with flock(2) on
// Unix and LockFileEx on Windows. The kernel releases a lock when its
// process dies. Two handles, even in one process, exclude each other.
func FileLocks(dbPath string) Locker { return fileLocks{dbPath} }

type fileLocks struct{ path string }

// errLocked is what lockFile returns when another holder has the lock.
var errLocked = errors.New("locked by another holder")

func (f fileLocks) Lock(ctx context.Context, name string, wait bool) (Lock, error) {
	path := f.path + "." + name
	return pollLock(ctx, wait, func() (Lock, error) {
		file, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, err
		}
		if err := lockFile(file); err != nil {
			file.Close()
			if errors.Is(err, errLocked) {
				return nil, nil
			}
			return nil, err
		}
		return &fileLock{f: file}, nil
	})
}

// fileLock is the open file that holds the lock; the kernel keeps it
// until it is unlocked or closed, so there is nothing to check.
type fileLock struct {
	f    *os.File
	once sync.Once
}

func (*fileLock) Check(context.Context) error { return nil }

func (l *fileLock) Release() {
	l.once.Do(func() {
		unlockFile(l.f) //nolint:errcheck // closing releases it too
		l.f.Close()
	})
}

func (l *fileLock) Discard() { l.Release() }
