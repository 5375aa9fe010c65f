package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
	"time"
)

// Locker takes named locks that exclude every other holder of the same
// name on the same database, in this process or another: PostgreSQL
// advisory locks, file locks beside a SQLite file, or (for a database
// that only this process can see) locks in memory.
type Locker interface {
	// Lock takes the lock named name. With wait it waits until the lock
	// is free or ctx ends; without, it returns nil at once if another
	// holder has it.
	Lock(ctx context.Context, name string, wait bool) (Lock, error)
}

// Lock is a held named lock. Whoever holds it ends it with Release or
// Discard, once.
type Lock interface {
	// Check returns an error when the lock may no longer be held (its
	// database session broke); nil for locks that cannot be lost.
	Check(ctx context.Context) error
	// Release gives the lock up.
	Release()
	// Discard cleans up a lock that Check found lost.
	Discard()
}

// Lock waits for the named lock (e.g. "billing-run") until ctx ends.
func (h *DB) Lock(ctx context.Context, name string) (Lock, error) {
	l, err := h.locks.Lock(ctx, name, true)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return l, nil
}

// TryLock takes the named lock if it is free; nil (and no error) when
// another holder has it.
func (h *DB) TryLock(ctx context.Context, name string) (Lock, error) {
	l, err := h.locks.Lock(ctx, name, false)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return l, nil
}

// lockPoll is how often a waiting lock without a server to wait on (a
// file, memory) tries again.
const lockPoll = 50 * time.Millisecond

// pollLock calls try until it takes the lock or ctx ends.
func pollLock(ctx context.Context, wait bool, try func() (Lock, error)) (Lock, error) {
	for {
		l, err := try()
		if err != nil || l != nil || !wait {
			return l, err
		}
		t := time.NewTimer(lockPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// AdvisoryLocks are PostgreSQL session advisory locks keyed by the name
// and the schema, each held on a dedicated connection of db for as long
// as it is held: if the process dies or the connection breaks, the server
// ends the session and releases the lock.
func AdvisoryLocks(db *sql.DB) Locker { return advisoryLocks{db} }

type advisoryLocks struct{ db *sql.DB }

// advisoryKey is the lock's key: the name within the schema, so that
// databases sharing a server but not a schema (tests) do not collide.
const advisoryKey = `hashtext('dezura-' || $1 || ':' || current_schema())`

func (a advisoryLocks) Lock(ctx context.Context, name string, wait bool) (Lock, error) {
	conn, err := a.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if wait {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+advisoryKey+`)`, name); err != nil {
			// The lock may have been granted before the error: end the
			// session so that a pooled connection cannot keep it.
			discardConn(conn)
			return nil, err
		}
		return &advisoryLock{conn: conn, name: name}, nil
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(`+advisoryKey+`)`, name).Scan(&got); err != nil {
		discardConn(conn)
		return nil, err
	}
	if !got {
		conn.Close()
		return nil, nil
	}
	return &advisoryLock{conn: conn, name: name}, nil
}

type advisoryLock struct {
	conn *sql.Conn
	name string
}

func (l *advisoryLock) Check(ctx context.Context) error {
	if _, err := l.conn.ExecContext(ctx, `SELECT 1`); err != nil {
		return fmt.Errorf("lock %s: connection check: %w", l.name, err)
	}
	return nil
}

// Release unlocks on a fresh context (the holder's may have ended); if
// that fails the connection is discarded, which ends the session and so
// releases the lock as well.
func (l *advisoryLock) Release() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+advisoryKey+`)`, l.name); err != nil {
		discardConn(l.conn)
		return
	}
	l.conn.Close()
}

func (l *advisoryLock) Discard() { discardConn(l.conn) }

// discardConn closes conn and keeps it out of the pool, ending its session.
func discardConn(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // the error is the point: it discards the conn
	conn.Close()
}

// ProcessLocks are locks in this process's memory, for a database no
// other process can open (SQLite's ":memory:").
func ProcessLocks() Locker { return &processLocks{held: map[string]bool{}} }

type processLocks struct {
	mu   sync.Mutex
	held map[string]bool
}

func (p *processLocks) Lock(ctx context.Context, name string, wait bool) (Lock, error) {
	return pollLock(ctx, wait, func() (Lock, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.held[name] {
			return nil, nil
		}
		p.held[name] = true
		return &processLock{p: p, name: name}, nil
	})
}

type processLock struct {
	p    *processLocks
	name string
	once sync.Once
}

func (*processLock) Check(context.Context) error { return nil }

func (l *processLock) Release() {
	l.once.Do(func() {
		l.p.mu.Lock()
		delete(l.p.held, l.name)
		l.p.mu.Unlock()
	})
}

func (l *processLock) Discard() { l.Release() }
