package trunk_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/sip/trunk"
	"github.com/dezura/dezura/sip/trunk/carriertest"
)

// logWriter sends log lines to the test's log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestKamailioRestartHealed runs the registration against Debian's
// Kamailio as the carrier (digest authentication, the location table in
// memory, 120 s granted) and restarts it, at once and after 3 s down:
// each restart loses our binding, so calls for the number get 404 from
// the carrier, until a keep-alive finds it out and dezura registers again.
// A call for the number (an OPTIONS to it through the carrier, which our
// own server answers) reaches us again long before the refresh (at 96 s).
func TestKamailioRestartHealed(t *testing.T) {
	carrier := carriertest.Start(t, carriertest.Config{User: "0501234567", Password: "s3cret"})
	srv := sipServer(t)
	// The README's recovery figures: DEZURA_TEST_TRUNK_KEEPALIVE=15s (the
	// default) gives the worst case of a real deployment.
	keep := time.Second
	if v := os.Getenv("DEZURA_TEST_TRUNK_KEEPALIVE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("DEZURA_TEST_TRUNK_KEEPALIVE=%q: give a duration such as 15s", v)
		}
		keep = d
	}
	within := 4*keep + 5*time.Second // three keep-alives missed, one answered
	r, err := trunk.New(trunk.Config{
		AOR: carrier.AOR(), Password: "s3cret", Contact: srv.ContactURI(),
		KeepAlive: keep, Timeout: 500 * time.Millisecond, RetryMin: time.Minute, RetryMax: time.Minute,
		Logger: slog.New(slog.NewTextHandler(logWriter{t}, nil)),
	}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	reachable := func() bool { return carriertest.Options(carrier.Addr(), carrier.AOR(), 300*time.Millisecond) == 200 }
	waitFor(t, "calls to reach us through the carrier", reachable)
	if st := r.Stats(); st.State != trunk.StateRegistered || st.Expires != 120*time.Second {
		t.Fatalf("stats %+v, want registered for the 120 s Kamailio grants", st)
	}
	for _, down := range []time.Duration{0, 3 * time.Second} {
		carrier.Restart(down)
		back := time.Now()
		if code := carriertest.Options(carrier.Addr(), carrier.AOR(), time.Second); code != 404 && !reachable() {
			t.Fatalf("the restarted carrier answers %d for the number, want 404 (no registrations)", code)
		}
		waitForWithin(t, "calls to reach us again", within, reachable)
		took := time.Since(back)
		waitFor(t, "our side of the registration", func() bool { return r.State() == trunk.StateRegistered })
		t.Logf("down %v: calls reach dezura again %v after Kamailio answered again (keep-alive every %v)",
			down, took.Round(time.Millisecond), keep)
	}
	st := r.Stats()
	if st.Refreshes != 0 || st.Registrations < 3 {
		t.Errorf("stats %+v: want each restart healed by a registration that was no refresh", st)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code := carriertest.Options(carrier.Addr(), carrier.AOR(), time.Second); code != 404 {
		t.Errorf("after Run: the carrier answers %d for the number, want 404 (unregistered)", code)
	}
}
