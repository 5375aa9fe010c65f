package billing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

type fakeRuns struct {
	mu       sync.Mutex
	asOf     []string
	failures int // fail this many attempts first
	block    chan struct{}
}

func (f *fakeRuns) run(ctx context.Context, asOf Date) (RunResult, error) {
	f.mu.Lock()
	f.asOf = append(f.asOf, asOf.String()+"@"+time.Now().In(tokyo).Format("15:04"))
	fail := f.failures > 0
	if fail {
		f.failures--
	}
	block := f.block
	f.mu.Unlock()
	if block != nil {
		<-block
	}
	if fail {
		return RunResult{}, errors.New("database down")
	}
	return RunResult{AsOf: asOf, Invoices: make([]Issued, 2), Total: 33000}, nil
}

func (f *fakeRuns) got() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprint(f.asOf)
}

func TestSchedulerRunsAtStartAndDaily(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The bubble's clock starts at 2000-01-01 00:00 UTC = 09:00 in Tokyo.
		var logs bytes.Buffer
		f := &fakeRuns{}
		s, err := NewScheduler("0 3 * * *", slog.New(slog.NewTextHandler(&logs, nil)), f.run)
		if err != nil {
			t.Fatal(err)
		}
		s.Start(t.Context())
		synctest.Wait()
		if got := f.got(); got != "[2000-01-01@09:00]" {
			t.Errorf("after start-up: %s", got)
		}
		time.Sleep(3 * 24 * time.Hour)
		synctest.Wait()
		if got := f.got(); got != "[2000-01-01@09:00 2000-01-02@03:00 2000-01-03@03:00 2000-01-04@03:00]" {
			t.Errorf("after three days: %s", got)
		}
		if err := s.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		st := s.Stats()
		if st.Runs != 4 || st.Invoices != 8 || st.Total != 4*33000 || st.Failures != 0 {
			t.Errorf("stats %+v", st)
		}
		if !strings.Contains(logs.String(), "invoices=2") || !strings.Contains(logs.String(), "total_yen=33000") {
			t.Errorf("logs lack counts and totals:\n%s", logs.String())
		}
	})
}

func TestSchedulerRetriesWithBackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		f := &fakeRuns{failures: 2}
		s, err := NewScheduler("0 3 * * *", slog.New(slog.NewTextHandler(&logs, nil)), f.run, WithRetryDelays(time.Minute, 10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		s.Start(t.Context())
		time.Sleep(time.Hour)
		synctest.Wait()
		if got := f.got(); got != "[2000-01-01@09:00 2000-01-01@09:01 2000-01-01@09:11]" {
			t.Errorf("attempts: %s", got)
		}
		// Now every attempt fails: it gives up, loudly, and tomorrow's run comes anyway.
		f.mu.Lock()
		f.failures = 100
		f.mu.Unlock()
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		s.Stop(context.Background())
		st := s.Stats()
		if st.Failures != 2+3 || st.GaveUp != 1 || st.LastError != "database down" {
			t.Errorf("stats %+v", st)
		}
		if !strings.Contains(logs.String(), "gave up") || strings.Count(logs.String(), "level=ERROR") != 6 {
			t.Errorf("logs:\n%s", logs.String())
		}
	})
}

func TestSchedulerStopWaitsForRunningJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeRuns{block: make(chan struct{})}
		s, err := NewScheduler("0 3 * * *", slog.New(slog.DiscardHandler), f.run)
		if err != nil {
			t.Fatal(err)
		}
		s.Start(t.Context())
		synctest.Wait()
		stopped := make(chan error)
		go func() { stopped <- s.Stop(context.Background()) }()
		synctest.Wait()
		select {
		case <-stopped:
			t.Fatal("Stop returned while a run was still going")
		default:
		}
		close(f.block)
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		if s.Stats().Runs != 1 {
			t.Errorf("stats %+v", s.Stats())
		}
	})
}

func TestSchedulerRejectsBadSpec(t *testing.T) {
	if _, err := NewScheduler("every day", slog.New(slog.DiscardHandler), (&fakeRuns{}).run); err == nil {
		t.Error("bad spec accepted")
	}
}

// TestBillingSchedulerOnSQLite wires the scheduler to a real store: the
// start-up run issues the first year.
func TestBillingSchedulerOnSQLite(t *testing.T) {
	b := openTest(t, backends[0].url(t))
	subscribe(t, b, "C1", "campaign-2023", "2023-10-16")
	clock := func() time.Time { return time.Date(2024, 10, 16, 3, 0, 0, 0, tokyo) }
	s, err := b.Scheduler("0 3 * * *", slog.New(slog.DiscardHandler), testIssuer, WithSchedulerClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	s.Start(t.Context())
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Invoices != 2 || st.Total != 33000 {
		t.Errorf("stats %+v", st)
	}
	if _, err := b.Scheduler("0 3 * * *", slog.New(slog.DiscardHandler), Issuer{Name: "x", Registration: "T1"}); !errors.Is(err, ErrInvalidIssuer) {
		t.Errorf("bad issuer = %v", err)
	}
}
