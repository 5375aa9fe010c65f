package trunk_test

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// registrar is an in-test SIP registrar on 127.0.0.1 that challenges with
// digest (RFC 2617, qop=auth) and grants a short lifetime. It answers an
// OPTIONS for a user 200 while it holds a binding for that user and 404
// otherwise, as a carrier's proxy does (it would route the 200 from us).
// restart stops it, forgets every binding and listens again on the same
// port: a registrar that restarted with an empty location table.
type registrar struct {
	t       *testing.T
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
	bound    map[string]string // user → contact, while registered
	agents   map[string]bool   // User-Agent values of the requests
	noRport  int               // requests whose Via had no rport
	running  *regInstance
}

type regEvent struct {
	at      time.Time
	cseq    uint32
	expires int
}

// regInstance is one run of the registrar: its socket and sipgo stack.
type regInstance struct {
	ua   *sipgo.UserAgent
	conn *net.UDPConn
	wg   sync.WaitGroup
}

func startRegistrar(t *testing.T, user, pass string, grant, fail int) *registrar {
	t.Helper()
	r := &registrar{t: t, user: user, pass: pass, grant: grant, fail: fail, options: make(chan struct{}, 100),
		callIDs: map[string]bool{}, bound: map[string]string{}, agents: map[string]bool{},
		addr: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}}
	r.listen()
	t.Cleanup(r.stop)
	return r
}

// listen starts an instance on r.addr (a port chosen at run time the
// first time, the same one after).
func (r *registrar) listen() {
	r.t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("registrar"),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)))
	if err != nil {
		r.t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		r.t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", r.addr)
	if err != nil {
		r.t.Fatal(err)
	}
	r.addr = conn.LocalAddr().(*net.UDPAddr)
	srv.OnRegister(r.onRegister)
	srv.OnOptions(r.onOptions)
	in := &regInstance{ua: ua, conn: conn}
	in.wg.Go(func() { _ = srv.ServeUDP(conn) })
	r.mu.Lock()
	r.running = in
	r.mu.Unlock()
}

// stop ends the running instance, if any, and forgets the bindings.
func (r *registrar) stop() {
	r.mu.Lock()
	in := r.running
	r.running = nil
	clear(r.bound)
	r.mu.Unlock()
	if in == nil {
		return
	}
	_ = in.ua.Close()
	_ = in.conn.Close()
	in.wg.Wait()
}

// restart stops the registrar, stays down for down, and listens again.
func (r *registrar) restart(down time.Duration) {
	r.t.Helper()
	r.stop()
	time.Sleep(down)
	r.listen()
}

// isBound reports whether the registrar holds a binding for its user.
func (r *registrar) isBound() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bound[r.user] != ""
}

func (r *registrar) seen(req *sip.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h := req.GetHeader("User-Agent"); h != nil {
		r.agents[h.Value()] = true
	} else {
		r.agents[""] = true
	}
	if via := req.Via(); via == nil || !via.Params.Has("rport") {
		r.noRport++
	}
}

func (r *registrar) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	r.seen(req)
	code := 200
	if u := req.Recipient.User; u != "" {
		r.mu.Lock()
		if r.bound[u] == "" {
			code = 404
		}
		r.mu.Unlock()
	}
	_ = tx.Respond(sip.NewResponseFromRequest(req, code, "Scripted", nil))
	select {
	case r.options <- struct{}{}:
	default:
	}
}

func (r *registrar) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	r.seen(req)
	r.mu.Lock()
	r.arrivals = append(r.arrivals, time.Now())
	r.callIDs[req.CallID().Value()] = true
	r.mu.Unlock()
	if r.grant == 0 {
		_ = tx.Respond(sip.NewResponseFromRequest(req, r.fail, "Failing", nil))
		return
	}
	if !r.authorised(req) {
		chal := &digest.Challenge{Realm: "trunk.test", Nonce: sip.GenerateTagN(16), Algorithm: "MD5", QOP: []string{"auth"}}
		res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", chal.String()))
		_ = tx.Respond(res)
		return
	}
	exp, _ := strconv.Atoi(req.GetHeader("Expires").Value())
	contact := req.Contact().Address.String()
	r.mu.Lock()
	if exp == 0 {
		r.unregs++
		delete(r.bound, req.To().Address.User)
	} else {
		r.accepted = append(r.accepted, regEvent{time.Now(), req.CSeq().SeqNo, exp})
		r.bound[req.To().Address.User] = contact
	}
	r.mu.Unlock()
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	if exp > 0 {
		res.AppendHeader(sip.NewHeader("Contact", fmt.Sprintf("<%s>;expires=%d", contact, r.grant)))
	}
	_ = tx.Respond(res)
}

// authorised checks the digest credentials of req (stateless: the
// echoed nonce is trusted).
func (r *registrar) authorised(req *sip.Request) bool {
	h := req.GetHeader("Authorization")
	if h == nil {
		return false
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Username != r.user {
		return false
	}
	chal := &digest.Challenge{Realm: "trunk.test", Nonce: cred.Nonce, Algorithm: "MD5", QOP: []string{"auth"}}
	want, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: cred.URI, Username: r.user, Password: r.pass, Cnonce: cred.Cnonce, Count: cred.Nc})
	return err == nil && want.Response == cred.Response
}

func (r *registrar) snapshot() (acc []regEvent, arrivals []time.Time, unregs, callIDs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]regEvent(nil), r.accepted...), append([]time.Time(nil), r.arrivals...), r.unregs, len(r.callIDs)
}

// userAgents returns the User-Agent values seen ("" for none) and the
// number of requests without rport.
func (r *registrar) userAgents() (map[string]bool, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]bool{}
	for k := range r.agents {
		out[k] = true
	}
	return out, r.noRport
}
