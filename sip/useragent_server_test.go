package sip_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	dsip "github.com/dezura/dezura/sip"
)

// rawPeer is a bare UDP socket on 127.0.0.1 that writes and reads SIP
// messages as text.
type rawPeer struct {
	t    *testing.T
	conn *net.UDPConn
}

func newRawPeer(t *testing.T) *rawPeer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPeer{t: t, conn: c}
}

func (p *rawPeer) addr() string { return p.conn.LocalAddr().String() }

func (p *rawPeer) send(to net.Addr, msg string) {
	p.t.Helper()
	if _, err := p.conn.WriteTo([]byte(msg), to); err != nil {
		p.t.Fatal(err)
	}
}

// read returns the next SIP message that arrives within 5 s, parsed.
func (p *rawPeer) read() sipmsg.Message {
	p.t.Helper()
	_ = p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 65535)
	n, _, err := p.conn.ReadFrom(buf)
	if err != nil {
		p.t.Fatalf("nothing came: %v", err)
	}
	m, err := sipmsg.ParseMessage(buf[:n])
	if err != nil {
		p.t.Fatalf("unparsable %q: %v", buf[:n], err)
	}
	return m
}

func userAgent(m sipmsg.Message) string {
	if h := m.GetHeaders("User-Agent"); len(h) == 1 {
		return h[0].Value()
	}
	return ""
}

// Every message dezura sends names it in User-Agent, responses as well
// as requests, and its requests ask for rport (RFC 3581) so that a peer
// answers to the address and port they came from, through a NAT.
func TestUserAgentAndRport(t *testing.T) {
	srv := startServer(t, dsip.Config{}, func(context.Context, *dsip.Call) {})
	peer := newRawPeer(t)
	peer.send(srv.Addr(), "OPTIONS sip:ivr@"+srv.Addr().String()+" SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP "+peer.addr()+";branch=z9hG4bKua1\r\nMax-Forwards: 70\r\n"+
		"From: <sip:peer@"+peer.addr()+">;tag=1\r\nTo: <sip:ivr@"+srv.Addr().String()+">\r\n"+
		"Call-ID: ua-test-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
	res := peer.read()
	if got := userAgent(res); got != dsip.UserAgent() || !strings.HasPrefix(got, "dezura/") {
		t.Errorf("response User-Agent %q, want %q", got, dsip.UserAgent())
	}

	// A request from the server's client (as the trunk's REGISTERs and
	// the calls' BYEs are sent).
	target := sipmsg.Uri{Scheme: "sip", User: "peer", Host: "127.0.0.1", Port: peer.conn.LocalAddr().(*net.UDPAddr).Port}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, _ = srv.Client().Do(ctx, sipmsg.NewRequest(sipmsg.OPTIONS, target))
	}()
	req, ok := peer.read().(*sipmsg.Request)
	if !ok {
		t.Fatal("the server's client sent no request")
	}
	if got := userAgent(req); got != dsip.UserAgent() {
		t.Errorf("request User-Agent %q, want %q", got, dsip.UserAgent())
	}
	if via := req.Via(); via == nil || !via.Params.Has("rport") {
		t.Errorf("request Via %v has no rport", via)
	}
	if via := req.Via(); via != nil && via.Port != srv.Addr().(*net.UDPAddr).Port {
		t.Errorf("request Via port %d, want the SIP port %s", via.Port, srv.Addr())
	}
}

// jsonRecords reads the JSON log lines of the file at path.
func jsonRecords(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// A response that matches no transaction (here a 408 to a BYE we gave up
// on) is logged through the server's logger, in its format and with one
// component, not by sipgo's package-wide default logger.
func TestLateResponseLogged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	srv := startServer(t, dsip.Config{Logger: slog.New(slog.NewJSONHandler(f, nil))}, func(context.Context, *dsip.Call) {})
	peer := newRawPeer(t)
	peer.send(srv.Addr(), "SIP/2.0 408 Request Timeout\r\n"+
		"Via: SIP/2.0/UDP "+srv.Addr().String()+";branch=z9hG4bKgone;rport\r\n"+
		"From: <sip:ivr@"+srv.Addr().String()+">;tag=a\r\nTo: <sip:peer@"+peer.addr()+">;tag=b\r\n"+
		"Call-ID: late-408\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n")
	var found map[string]any
	for deadline := time.Now().Add(5 * time.Second); found == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, r := range jsonRecords(t, path) {
			if r["call_id"] == "late-408" {
				found = r
			}
		}
	}
	if found == nil {
		t.Fatalf("no log line for the late 408; log: %v", jsonRecords(t, path))
	}
	if found["component"] != "sipgo" || found["status"] != float64(408) || found["method"] != "BYE" {
		t.Errorf("late response logged as %v", found)
	}
}
