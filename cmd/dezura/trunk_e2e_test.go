package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	dsip "github.com/dezura/dezura/sip"
	"github.com/dezura/dezura/sip/trunk"
)

// fakeTrunk is a registrar on 127.0.0.1 that accepts every REGISTER and
// remembers the Expires of each.
type fakeTrunk struct {
	addr    string
	mu      sync.Mutex
	expires []string
	agents  map[string]bool // User-Agent values of the REGISTERs
}

func startFakeTrunk(t *testing.T) *fakeTrunk {
	t.Helper()
	ua, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	ft := &fakeTrunk{agents: map[string]bool{}}
	srv.OnRegister(func(req *sip.Request, tx sip.ServerTransaction) {
		ft.mu.Lock()
		if h := req.GetHeader("Expires"); h != nil {
			ft.expires = append(ft.expires, h.Value())
		}
		if h := req.GetHeader("User-Agent"); h != nil {
			ft.agents[h.Value()] = true
		}
		ft.mu.Unlock()
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		if c := req.GetHeader("Contact"); c != nil {
			res.AppendHeader(sip.NewHeader("Contact", c.Value()))
		}
		res.AppendHeader(sip.NewHeader("Expires", "120"))
		_ = tx.Respond(res)
	})
	srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.ServeUDP(conn) }()
	t.Cleanup(func() { _ = ua.Close(); _ = conn.Close(); <-done })
	ft.addr = conn.LocalAddr().String()
	return ft
}

func (ft *fakeTrunk) seen() (expires []string) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return append([]string(nil), ft.expires...)
}

// TestE2ETrunkRegistration: serve registers with the trunk from its SIP
// socket, reads the password from a 0600 file, and unregisters (Expires: 0)
// when it stops.
func TestE2ETrunkRegistration(t *testing.T) {
	ft := startFakeTrunk(t)
	pw := filepath.Join(t.TempDir(), "trunk.pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// In a sub-test, so the service stops (and unregisters) before the
	// assertions on what the trunk saw.
	t.Run("serve", func(t *testing.T) {
		svc := startTestService(t, func(c *serveConfig) {
			c.TrunkRegister = "sip:0501234567@" + ft.addr
			c.TrunkPasswordFile = pw
			c.TrunkExpires = 90 * time.Second
		})
		deadline := time.Now().Add(10 * time.Second)
		for svc.trunk.State() != trunk.StateRegistered && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if st := svc.trunk.Stats(); st.State != trunk.StateRegistered || st.Expires != 120*time.Second {
			t.Fatalf("trunk stats %+v, want registered for 120 s", st)
		}
	})
	exp := ft.seen()
	ft.mu.Lock()
	if want := dsip.UserAgentFor(currentBuild().Version); len(ft.agents) != 1 || !ft.agents[want] {
		t.Errorf("REGISTER User-Agents %v, want %q (what dezura version says)", ft.agents, want)
	}
	ft.mu.Unlock()
	if len(exp) < 2 || exp[0] != "90" || exp[len(exp)-1] != "0" {
		t.Fatalf("REGISTER Expires seen by the trunk %v, want 90 (--trunk-expires) and then Expires: 0", exp)
	}

	// A password file others can read is refused, naming the fix.
	loose := filepath.Join(t.TempDir(), "loose.pw")
	if err := os.WriteFile(loose, []byte("s3cret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := serveConfig{TrunkRegister: "sip:0501234567@" + ft.addr, TrunkPasswordFile: loose}
	s := &service{}
	if err := s.startTrunk(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "0600") {
		t.Fatalf("loose password file: %v, want a refusal that says 0600", err)
	}
}
