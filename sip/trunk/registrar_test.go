package trunk_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	dsip "github.com/dezura/dezura/sip"
	"github.com/dezura/dezura/sip/trunk"
)

var quiet = slog.New(slog.DiscardHandler)

// sipServer runs a dezura sip.Server, whose client the registrar uses
// (REGISTERs leave from the SIP port, as in production).
func sipServer(t *testing.T) *dsip.Server {
	t.Helper()
	s, err := dsip.NewServer(dsip.Config{Listen: "127.0.0.1:0", Logger: quiet}, func(context.Context, *dsip.Call) {})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx) }()
	select {
	case <-s.Ready():
	case err := <-errc:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-errc
	})
	return s
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitForWithin(t, what, 10*time.Second, cond)
}

func waitForWithin(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRegistersAndRefreshes(t *testing.T) {
	reg := startRegistrar(t, "0501234567", "s3cret", 1, 0)
	srv := sipServer(t)
	r, err := trunk.New(trunk.Config{
		AOR:      fmt.Sprintf("sip:0501234567@%s", reg.addr),
		Password: "s3cret", Contact: srv.ContactURI(),
		Expires: 60 * time.Second, KeepAlive: time.Second, Logger: quiet, // a keep-alive waits up to 1 s: no miss under load
	}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if r.State() != trunk.StateUnknown {
		t.Errorf("state before Run: %v", r.State())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	// Granted 1 s: re-registered every 0.8 s.
	waitFor(t, "three registrations", func() bool { return r.Stats().Registrations >= 3 })
	waitFor(t, "a keep-alive", func() bool { return len(reg.options) > 0 })
	st := r.Stats()
	if st.State != trunk.StateRegistered || st.Expires != time.Second || st.Registrations < 3 || st.Refreshes < 2 ||
		st.FailureCount() != 0 || st.KeepAlives == 0 || st.LastSuccess.IsZero() {
		t.Errorf("stats %+v", st)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	acc, _, unregs, callIDs := reg.snapshot()
	if unregs != 1 {
		t.Errorf("unregistrations = %d, want 1", unregs)
	}
	if callIDs != 1 {
		t.Errorf("REGISTERs used %d Call-IDs, want 1 (RFC 3261 §10.2)", callIDs)
	}
	for i := 1; i < len(acc); i++ {
		if acc[i].cseq <= acc[i-1].cseq || acc[i].expires != 60 {
			t.Errorf("REGISTER %d: CSeq %d after %d, Expires %d", i, acc[i].cseq, acc[i-1].cseq, acc[i].expires)
		}
	}
	if r.State() != trunk.StateUnknown {
		t.Errorf("state after Stop: %v", r.State())
	}
	// REGISTER and OPTIONS name dezura and ask for rport (RFC 3581).
	if agents, noRport := reg.userAgents(); len(agents) != 1 || !agents[dsip.UserAgent()] || noRport != 0 {
		t.Errorf("User-Agents %v (want only %q), %d requests without rport", agents, dsip.UserAgent(), noRport)
	}
}

// A registrar that restarts with an empty location table, at once or
// after being down a while, is found out by the keep-alives and
// registered with again within a keep-alive or two, long before the
// refresh (due at 48 s of the 60 s granted).
func TestRegistrarRestartHealed(t *testing.T) {
	for _, tc := range []struct {
		name string
		down time.Duration
	}{
		{"restarted at once", 0},
		{"down for two keep-alives", 500 * time.Millisecond},
		{"down for six keep-alives", 1500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := startRegistrar(t, "0501234567", "s3cret", 60, 0)
			srv := sipServer(t)
			keep := 250 * time.Millisecond
			r, err := trunk.New(trunk.Config{
				AOR: fmt.Sprintf("sip:0501234567@%s", reg.addr), Password: "s3cret", Contact: srv.ContactURI(),
				KeepAlive: keep, Timeout: time.Second, RetryMin: time.Minute, RetryMax: time.Minute, Logger: quiet,
			}, srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- r.Run(ctx) }()
			defer func() {
				cancel()
				<-done
			}()
			waitFor(t, "the registration", reg.isBound)
			waitFor(t, "a keep-alive answered", func() bool { return len(reg.options) > 0 })
			reg.restart(tc.down)
			back := time.Now()
			waitFor(t, "the registration after the restart", func() bool { return reg.isBound() && r.State() == trunk.StateRegistered })
			took := time.Since(back)
			st := r.Stats()
			t.Logf("registered again %v after the registrar listened again (keep-alive every %v); losses %v, failures %v",
				took.Round(time.Millisecond), keep, st.Losses, st.Failures)
			lost := st.Losses[trunk.LossNotFound] + st.Losses[trunk.LossReachableAgain] + st.Losses[trunk.LossKeepAliveMissed]
			if lost == 0 || st.Refreshes != 0 || st.Registrations < 2 {
				t.Errorf("stats %+v: want a loss found and a registration that was no refresh", st)
			}
		})
	}
}

func TestRegistrationFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		grant  int
		fail   int
		pass   string
		reason trunk.FailureReason
	}{
		{"registrar unavailable", 0, 503, "s3cret", trunk.FailureRejected},
		{"wrong password", 1, 0, "wrong", trunk.FailureAuth},
		{"forbidden", 0, 403, "s3cret", trunk.FailureRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := startRegistrar(t, "0501234567", "s3cret", tc.grant, tc.fail)
			srv := sipServer(t)
			lo, hi := 100*time.Millisecond, 400*time.Millisecond
			r, err := trunk.New(trunk.Config{
				AOR: fmt.Sprintf("sip:0501234567@%s", reg.addr), Password: tc.pass, Contact: srv.ContactURI(),
				RetryMin: lo, RetryMax: hi, KeepAlive: -1, Logger: quiet,
			}, srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- r.Run(ctx) }()
			// A challenged attempt is two REGISTERs; count attempts by failures.
			waitFor(t, "five failures", func() bool { return r.Stats().FailureCount() >= 5 })
			st := r.Stats()
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if st.State != trunk.StateFailed || st.Registrations != 0 || st.Failures[tc.reason] != st.FailureCount() || st.KeepAlives != 0 {
				t.Errorf("stats %+v, want every failure %v and no keep-alive", st, tc.reason)
			}
			if r.State() != trunk.StateUnknown {
				t.Errorf("state after Run: %v", r.State())
			}
			acc, arrivals, unregs, _ := reg.snapshot()
			if len(acc) != 0 || unregs != 0 {
				t.Errorf("accepted %d, unregistered %d", len(acc), unregs)
			}
			// Back-off: attempt n waits at least half of min(lo<<n, hi).
			per := 1
			if tc.grant != 0 {
				per = 2 // challenge, then our credentials
			}
			for n := 1; n*per < len(arrivals); n++ {
				gap := arrivals[n*per].Sub(arrivals[(n-1)*per+per-1])
				floor := min(lo<<(n-1), hi) / 2
				if gap < floor {
					t.Errorf("retry %d after %v, want at least %v", n, gap, floor)
				}
			}
		})
	}
}

// errSender fails every request, for New's checks.
type errSender struct{}

func (errSender) Do(context.Context, *sip.Request, ...sipgo.ClientRequestOption) (*sip.Response, error) {
	return nil, errors.New("no network")
}

func (errSender) DoDigestAuth(context.Context, *sip.Request, *sip.Response, sipgo.DigestAuth) (*sip.Response, error) {
	return nil, errors.New("no network")
}

func TestNewRejects(t *testing.T) {
	contact := sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: 5060}
	for _, tc := range []struct {
		name string
		cfg  trunk.Config
		send trunk.Sender
	}{
		{"no user", trunk.Config{AOR: "sip:trunk.example", Contact: contact}, errSender{}},
		{"tel uri", trunk.Config{AOR: "tel:+81501234567", Contact: contact}, errSender{}},
		{"garbage", trunk.Config{AOR: "::", Contact: contact}, errSender{}},
		{"no contact", trunk.Config{AOR: "sip:050@trunk.example"}, errSender{}},
		{"retry range", trunk.Config{AOR: "sip:050@trunk.example", Contact: contact, RetryMin: time.Minute, RetryMax: time.Second}, errSender{}},
		{"no sender", trunk.Config{AOR: "sip:050@trunk.example", Contact: contact}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := trunk.New(tc.cfg, tc.send); !errors.Is(err, trunk.ErrBadConfig) {
				t.Errorf("New = %v, want ErrBadConfig", err)
			}
		})
	}
	if _, err := trunk.New(trunk.Config{AOR: "sip:050@trunk.example:5070", Contact: contact}, errSender{}); err != nil {
		t.Errorf("valid config: %v", err)
	}
}

func TestState(t *testing.T) {
	for _, s := range trunk.States() {
		got, err := trunk.ParseState(s.String())
		if err != nil || got != s {
			t.Errorf("ParseState(%q) = %v, %v", s, got, err)
		}
	}
	if trunk.State(99).String() != "unknown" {
		t.Error("out-of-range state name")
	}
	if _, err := trunk.ParseState("bogus"); err == nil {
		t.Error("ParseState(bogus) did not fail")
	}
}
