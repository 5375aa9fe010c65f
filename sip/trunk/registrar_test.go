package trunk_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	dsip "github.com/dezura/dezura/sip"
	"github.com/dezura/dezura/sip/trunk"
)

var quiet = slog.New(slog.DiscardHandler)

// registrar is an in-test SIP registrar on 127.0.0.1:0 that challenges
// with digest (RFC 2617, qop=auth) and grants a short lifetime.
type registrar struct {
	addr    *net.UDPAddr
	user    string
	pass    string
	grant   int // seconds granted; 0 answers every REGISTER with fail
	fail    int // status for every REGISTER when grant is 0
	options chan struct{}

	mu       sync.Mutex
	accepted []regEvent // authorised REGISTERs
	arrivals []time.Time
	unregs   int
	callIDs  map[string]bool
}

type regEvent struct {
	at      time.Time
	cseq    uint32
	expires int
}

func startRegistrar(t *testing.T, user, pass string, grant, fail int) *registrar {
	t.Helper()
	r := &registrar{user: user, pass: pass, grant: grant, fail: fail, options: make(chan struct{}, 100), callIDs: map[string]bool{}}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("registrar"),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	r.addr = conn.LocalAddr().(*net.UDPAddr)
	srv.OnRegister(r.onRegister)
	srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		select {
		case r.options <- struct{}{}:
		default:
		}
	})
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.ServeUDP(conn) })
	t.Cleanup(func() {
		_ = ua.Close()
		_ = conn.Close()
		wg.Wait()
	})
	return r
}

func (r *registrar) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	r.mu.Lock()
	r.arrivals = append(r.arrivals, time.Now())
	r.callIDs[req.CallID().Value()] = true
	r.mu.Unlock()
	if r.grant == 0 {
		_ = tx.Respond(sip.NewResponseFromRequest(req, r.fail, "Failing", nil))
		return
	}
	chal := &digest.Challenge{Realm: "trunk.test", Nonce: sip.GenerateTagN(16), Algorithm: "MD5", QOP: []string{"auth"}}
	h := req.GetHeader("Authorization")
	if h == nil {
		res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", chal.String()))
		_ = tx.Respond(res)
		return
	}
	cred, err := digest.ParseCredentials(h.Value())
	ok := err == nil && cred.Username == r.user
	if ok {
		chal.Nonce = cred.Nonce // stateless test: trust the echoed nonce
		want, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: cred.URI, Username: r.user, Password: r.pass, Cnonce: cred.Cnonce, Count: cred.Nc})
		ok = err == nil && want.Response == cred.Response
	}
	if !ok {
		res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", chal.String()))
		_ = tx.Respond(res)
		return
	}
	exp, _ := strconv.Atoi(req.GetHeader("Expires").Value())
	r.mu.Lock()
	if exp == 0 {
		r.unregs++
	} else {
		r.accepted = append(r.accepted, regEvent{time.Now(), req.CSeq().SeqNo, exp})
	}
	r.mu.Unlock()
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	if exp > 0 {
		res.AppendHeader(sip.NewHeader("Contact", fmt.Sprintf("<%s>;expires=%d", req.Contact().Address.String(), r.grant)))
	}
	_ = tx.Respond(res)
}

func (r *registrar) snapshot() (acc []regEvent, arrivals []time.Time, unregs, callIDs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]regEvent(nil), r.accepted...), append([]time.Time(nil), r.arrivals...), r.unregs, len(r.callIDs)
}

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
	deadline := time.Now().Add(10 * time.Second)
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
		Expires: 60 * time.Second, KeepAlive: 200 * time.Millisecond, Logger: quiet,
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
	if st.State != trunk.StateRegistered || st.Expires != time.Second || st.Registrations < 3 || st.Failures != 0 || st.KeepAlives == 0 {
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
}

func TestRegistrationFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		grant int
		fail  int
		pass  string
	}{
		{"registrar unavailable", 0, 503, "s3cret"},
		{"wrong password", 1, 0, "wrong"},
		{"forbidden", 0, 403, "s3cret"},
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
			waitFor(t, "five failures", func() bool { return r.Stats().Failures >= 5 })
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			st := r.Stats()
			if st.State != trunk.StateFailed || st.Registrations != 0 {
				t.Errorf("stats %+v", st)
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
