package sip_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	dsip "github.com/dezura/dezura/sip"
)

func userAgent(m sipmsg.Message) string {
	if h := m.GetHeaders("User-Agent"); len(h) == 1 {
		return h[0].Value()
	}
	return ""
}

// readRequest returns the next SIP request that reaches p within 5 s.
func readRequest(t *testing.T, p *rawPeer) *sipmsg.Request {
	t.Helper()
	_ = p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 65535)
	n, err := p.conn.Read(buf)
	if err != nil {
		t.Fatalf("no request came: %v", err)
	}
	m, err := sipmsg.ParseMessage(buf[:n])
	req, ok := m.(*sipmsg.Request)
	if err != nil || !ok {
		t.Fatalf("not a request: %q (%v)", buf[:n], err)
	}
	return req
}

// Every message dezura sends names it in User-Agent, responses as well
// as requests, and its requests ask for rport (RFC 3581) so that a peer
// answers to the address and port they came from, through a NAT.
func TestUserAgentAndRport(t *testing.T) {
	srv := startServer(t, dsip.Config{}, func(context.Context, *dsip.Call) {})
	peer := newRawPeer(t)
	peer.send(srv.Addr(), peer.request("OPTIONS", srv.Addr().(*net.UDPAddr), "ua-test-1", "", "", ""))
	res := peer.read(5 * time.Second)
	if res == nil {
		t.Fatal("no answer to OPTIONS")
	}
	if got := userAgent(res); got != dsip.UserAgent() || !strings.HasPrefix(got, "dezura/") {
		t.Errorf("response User-Agent %q, want %q", got, dsip.UserAgent())
	}

	// A request from the server's client (as the trunk's REGISTERs and
	// the calls' BYEs are sent).
	target := sipmsg.Uri{Scheme: "sip", User: "peer", Host: "127.0.0.1", Port: peer.port}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = srv.Client().Do(ctx, sipmsg.NewRequest(sipmsg.OPTIONS, target))
	}()
	req := readRequest(t, peer)
	cancel() // no answer: the transaction ends, with no retransmission to read below
	<-done
	if got := userAgent(req); got != dsip.UserAgent() {
		t.Errorf("request User-Agent %q, want %q", got, dsip.UserAgent())
	}
	if via := req.Via(); via == nil || !via.Params.Has("rport") {
		t.Errorf("request Via %v has no rport", via)
	}
	if via := req.Via(); via != nil && via.Port != srv.Addr().(*net.UDPAddr).Port {
		t.Errorf("request Via port %d, want the SIP port %s", via.Port, srv.Addr())
	}

	// Config.Version names the version (what `dezura version` says).
	named := startServer(t, dsip.Config{Version: "1.2.0"}, func(context.Context, *dsip.Call) {})
	peer.send(named.Addr(), peer.request("OPTIONS", named.Addr().(*net.UDPAddr), "ua-test-2", "", "", ""))
	if res := peer.read(5 * time.Second); res == nil || userAgent(res) != "dezura/1.2.0" {
		t.Errorf("with Version 1.2.0: %v", res)
	}
}

// A response that matches no transaction (here a 408 to a BYE we gave up
// on) is logged through the server's logger, in its format and with one
// component, not by sipgo's package-wide default logger.
func TestLateResponseLogged(t *testing.T) {
	logs := newLogRecorder()
	srv := startServer(t, dsip.Config{Logger: logs.logger()}, func(context.Context, *dsip.Call) {})
	peer := newRawPeer(t)
	peer.send(srv.Addr(), "SIP/2.0 408 Request Timeout\r\n"+
		"Via: SIP/2.0/UDP "+srv.Addr().String()+";branch=z9hG4bKgone;rport\r\n"+
		"From: <sip:ivr@"+srv.Addr().String()+">;tag=a\r\nTo: <sip:peer@"+peer.conn.LocalAddr().String()+">;tag=b\r\n"+
		"Call-ID: late-408\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n")
	const msg = "SIP response for no transaction (late or retransmitted)"
	var found []map[string]any
	for deadline := time.Now().Add(5 * time.Second); len(found) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		found = logs.find(msg, "late-408")
	}
	if len(found) != 1 {
		t.Fatalf("%d log lines for the late 408, want 1", len(found))
	}
	if r := found[0]; r["component"] != "sipgo" || r["status"] != float64(408) || r["method"] != "BYE" {
		t.Errorf("late response logged as %v", r)
	}
}
