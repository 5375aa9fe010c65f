package sip_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	dsip "github.com/dezura/dezura/sip"
	"github.com/dezura/dezura/sip/guard"
)

// The guard in front of the server (only the trunk and authenticated
// peers may call): these tests call from 127.0.0.1, which each server
// trusts or not as its guard says.

func newGuard(t *testing.T, cfg guard.Config) *guard.Guard {
	t.Helper()
	g, err := guard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGateUntrustedWithoutSecrets(t *testing.T) {
	handled := make(chan struct{}, 1)
	g := newGuard(t, guard.Config{Trust: []netip.Prefix{}, UntrustedOptions: guard.OptionsIgnore})
	srv := startServer(t, dsip.Config{Guard: g}, func(ctx context.Context, c *dsip.Call) { handled <- struct{}{} })
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := u.invite(ctx, srv.Addr(), "09012345678", u.offer("0 101", "a=rtpmap:101 telephone-event/8000"), sipgo.AnswerOptions{})
	var de *sipgo.ErrDialogResponse
	if !errors.As(err, &de) || de.Res.StatusCode != 403 {
		t.Fatalf("INVITE from an untrusted source: %v, want 403", err)
	}
	if de.Res.GetHeader("Warning") != nil || de.Res.GetHeader("WWW-Authenticate") != nil {
		t.Errorf("403 says more than no: %s", de.Res)
	}
	if res := u.request(ctx, sipmsg.REGISTER, srv.Addr()); res.StatusCode != 403 {
		t.Errorf("REGISTER: %d, want 403", res.StatusCode)
	}
	// OPTIONS from an untrusted source is ignored: no answer at all.
	octx, ocancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer ocancel()
	a := srv.Addr()
	req := sipmsg.NewRequest(sipmsg.OPTIONS, sipmsg.Uri{Scheme: "sip", User: "ivr", Host: "127.0.0.1", Port: a.(*net.UDPAddr).Port})
	if res, err := u.cli.Do(octx, req); err == nil {
		t.Errorf("OPTIONS from an untrusted source answered %d, want silence", res.StatusCode)
	}
	select {
	case <-handled:
		t.Error("a forbidden INVITE reached the call handler")
	default:
	}
	if st := srv.GuardStats(); st.Forbidden < 2 {
		t.Errorf("guard stats %+v, want the 403s counted", st)
	}
}

func TestGateDigestPeer(t *testing.T) {
	handled := make(chan struct{}, 1)
	g := newGuard(t, guard.Config{Trust: []netip.Prefix{}, Secrets: guard.Secrets{"pbx": "correct horse"}})
	srv := startServer(t, dsip.Config{Guard: g}, func(ctx context.Context, c *dsip.Call) {
		handled <- struct{}{}
		c.Hangup()
	})
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offer := u.offer("0 101", "a=rtpmap:101 telephone-event/8000")

	_, err := u.invite(ctx, srv.Addr(), "09012345678", offer, sipgo.AnswerOptions{Username: "pbx", Password: "wrong"})
	var de *sipgo.ErrDialogResponse
	if !errors.As(err, &de) || (de.Res.StatusCode != 401 && de.Res.StatusCode != 403) {
		t.Fatalf("INVITE with a wrong password: %v, want 401 or 403", err)
	}

	sess, err := u.invite(ctx, srv.Addr(), "09012345678", offer, sipgo.AnswerOptions{Username: "pbx", Password: "correct horse"})
	if err != nil {
		t.Fatalf("INVITE with the right password: %v", err)
	}
	if err := sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, handledClosed(handled), "call handler")
	sess.Close()
}

// handledClosed turns one value on ch into a closed channel.
func handledClosed(ch <-chan struct{}) <-chan struct{} {
	done := make(chan struct{})
	go func() { <-ch; close(done) }()
	return done
}
