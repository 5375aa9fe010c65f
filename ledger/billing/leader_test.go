package billing

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// testInterval is short so that hand-overs take milliseconds; nothing
// below asserts a duration, only an order of events within deadlines.
const testInterval = 50 * time.Millisecond

// candidate is one node taking part in the election.
type candidate struct {
	name    string
	l       *Leadership
	cancel  context.CancelFunc
	done    chan struct{}
	leading atomic.Int32 // lead calls in progress
	elected atomic.Int32 // lead calls so far
	// leaderAtCancel: Leader() when a lead's context was last cancelled.
	leaderAtCancel atomic.Bool
	logs           *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startCandidate opens its own Billing on url (as a separate node would)
// and runs its election until the test ends or stop is called. leadingAll
// counts lead calls in progress across all candidates.
func startCandidate(t *testing.T, name, url string, leadingAll *atomic.Int32, maxLeading *atomic.Int32) *candidate {
	t.Helper()
	b := openTest(t, url)
	logs := &syncBuffer{}
	c := &candidate{name: name, done: make(chan struct{}), logs: logs,
		l: b.Leadership(testInterval, slog.New(slog.NewTextHandler(logs, nil)))}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go func() {
		defer close(c.done)
		c.l.Run(ctx, func(ctx context.Context) {
			c.elected.Add(1)
			c.leading.Add(1)
			n := leadingAll.Add(1)
			for {
				m := maxLeading.Load()
				if n <= m || maxLeading.CompareAndSwap(m, n) {
					break
				}
			}
			<-ctx.Done()
			c.leaderAtCancel.Store(c.l.Leader())
			leadingAll.Add(-1)
			c.leading.Add(-1)
		})
	}()
	t.Cleanup(c.stop)
	return c
}

// stop ends the candidate's Run and waits for it.
func (c *candidate) stop() {
	c.cancel()
	<-c.done
}

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// leaders returns the candidates that report leading.
func leaders(cs ...*candidate) []string {
	var names []string
	for _, c := range cs {
		if c.l.Leader() {
			names = append(names, c.name)
		}
	}
	return names
}

// TestLeadershipOneLeaderHandsOverOnStop: two nodes on one database elect
// exactly one leader, which stays the only one; when the leader stops
// (clean shutdown) it releases the lock after its lead has returned, and
// the other node is elected. At no moment do two leads run.
func TestLeadershipOneLeaderHandsOverOnStop(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			url := be.url(t)
			var leadingAll, maxLeading atomic.Int32
			a := startCandidate(t, "a", url, &leadingAll, &maxLeading)
			b := startCandidate(t, "b", url, &leadingAll, &maxLeading)
			waitFor(t, "one node leads", func() bool { return len(leaders(a, b)) == 1 })
			first, other := a, b
			if b.l.Leader() {
				first, other = b, a
			}
			// Many try intervals pass; the leader keeps the lead and the
			// other never gets it.
			for range 20 {
				if got := leaders(a, b); len(got) != 1 || got[0] != first.name {
					t.Fatalf("leaders %v, want only %s", got, first.name)
				}
				time.Sleep(testInterval / 2)
			}
			if other.elected.Load() != 0 || first.elected.Load() != 1 {
				t.Fatalf("elected: %s %d times, %s %d times; want only %s, once", first.name, first.elected.Load(), other.name, other.elected.Load(), first.name)
			}
			first.stop()
			if first.l.Leader() || first.leading.Load() != 0 {
				t.Fatalf("%s still leads after its Run returned", first.name)
			}
			waitFor(t, other.name+" leads after "+first.name+" stopped", other.l.Leader)
			waitFor(t, other.name+"'s lead runs", func() bool { return other.leading.Load() == 1 })
			if got := maxLeading.Load(); got != 1 {
				t.Errorf("at one moment %d leads ran at once, want 1", got)
			}
			if !strings.Contains(first.logs.String(), "billing leadership acquired") || !strings.Contains(first.logs.String(), "billing leadership released") {
				t.Errorf("%s logs:\n%s", first.name, first.logs.String())
			}
			if !strings.Contains(other.logs.String(), "standing by") || !strings.Contains(other.logs.String(), "billing leadership acquired") {
				t.Errorf("%s logs:\n%s", other.name, other.logs.String())
			}
		})
	}
}

// TestLeadershipLostWhenSessionKilled: the leader's PostgreSQL session is
// terminated from outside (as when the server or the network drops it).
// The lock goes with the session; the old leader notices at its next check,
// stops its lead and reports not leading; the other node takes over. Once
// the old leader has noticed, the two never both report leading.
func TestLeadershipLostWhenSessionKilled(t *testing.T) {
	url := newPGSchema(t)
	var leadingAll, maxLeading atomic.Int32
	a := startCandidate(t, "a", url, &leadingAll, &maxLeading)
	b := startCandidate(t, "b", url, &leadingAll, &maxLeading)
	waitFor(t, "one node leads", func() bool { return len(leaders(a, b)) == 1 })
	old, next := a, b
	if b.l.Leader() {
		old, next = b, a
	}
	waitFor(t, "the leader's lead runs", func() bool { return old.leading.Load() == 1 })

	pids := leaderBackends(t, url)
	if len(pids) != 1 {
		t.Fatalf("backends holding the leadership lock: %v, want one", pids)
	}
	admin := pgConnect(t, url)
	var ok bool
	if err := admin.QueryRow(context.Background(), `SELECT pg_terminate_backend($1)`, pids[0]).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminate backend %d: %v %v", pids[0], ok, err)
	}

	both := func() {
		t.Helper()
		if got := leaders(a, b); len(got) > 1 {
			t.Fatalf("after the loss was noticed both lead: %v", got)
		}
	}
	waitFor(t, old.name+" notices it lost the lead", func() bool { return !old.l.Leader() })
	waitFor(t, next.name+" takes over", func() bool { both(); return next.l.Leader() })
	waitFor(t, old.name+"'s lead stops", func() bool { both(); return old.leading.Load() == 0 })
	if old.leaderAtCancel.Load() {
		t.Errorf("%s still reported leading when its lead was told to stop", old.name)
	}
	// The old leader tries again and again; the lock stays with next.
	for range 20 {
		both()
		if !next.l.Leader() {
			t.Fatalf("%s lost the lead it took over", next.name)
		}
		time.Sleep(testInterval / 2)
	}
	if got := leaderBackends(t, url); len(got) != 1 || got[0] == pids[0] {
		t.Errorf("backends holding the lock after the take-over: %v (killed %d)", got, pids[0])
	}
	if !strings.Contains(old.logs.String(), "billing leadership lost") {
		t.Errorf("%s logs:\n%s", old.name, old.logs.String())
	}
	if !strings.Contains(next.logs.String(), "billing leadership acquired") {
		t.Errorf("%s logs:\n%s", next.name, next.logs.String())
	}
}

func pgConnect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// leaderBackends returns the PostgreSQL backends holding the leadership
// lock of url's schema (pg_locks keeps a bigint key's low 32 bits in objid).
func leaderBackends(t *testing.T, rawURL string) []int32 {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	conn := pgConnect(t, rawURL)
	rows, err := conn.Query(context.Background(), `
		SELECT pid FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND objid::bigint = (hashtext('dezura-billing-leader:' || $1)::bigint & 4294967295)
		ORDER BY pid`, schema)
	if err != nil {
		t.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	return pids
}
