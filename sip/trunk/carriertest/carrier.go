// Package carriertest runs a carrier's SIP edge for tests: Debian's
// Kamailio as a registrar with digest authentication and an in-memory
// location table, and as the proxy that routes calls for a registered
// number to its binding (kamailio.cfg says what it does). A test can stop
// and restart it on the same address; a restart forgets every
// registration, like a carrier's registrar that restarts or fails over
// without replicating its table.
//
// It listens on 127.0.0.5 (kept for it; the cluster test uses 127.0.0.1-3)
// on a UDP port chosen at run time. Without the kamailio binary a test
// fails when CI=true and is skipped otherwise (.ci/run installs it).
package carriertest

import (
	_ "embed"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:embed kamailio.cfg
var configTemplate string

// Host is the loopback address the carrier listens on.
const Host = "127.0.0.5"

// Config describes the carrier's account for dezura.
type Config struct {
	// User and Password are the digest credentials of the one account
	// (letters and digits only; they are written into the config).
	User, Password string
	// MaxExpires is the longest registration granted, in seconds
	// (default 120, as the carrier the trunk was tried against).
	MaxExpires int
}

// Carrier is a running (or stopped) Kamailio.
type Carrier struct {
	t    testing.TB
	cfg  Config
	dir  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	logs []string // output files, one per start
}

// Start writes the configuration and starts Kamailio; it returns once
// Kamailio answers an OPTIONS. It is stopped when the test ends.
func Start(t testing.TB, cfg Config) *Carrier {
	t.Helper()
	if _, err := exec.LookPath("kamailio"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kamailio is not installed (apt-get install -y kamailio; .ci/run does): %v", err)
		}
		t.Skipf("kamailio is not installed (apt-get install -y kamailio; in CI this fails): %v", err)
	}
	if cfg.MaxExpires == 0 {
		cfg.MaxExpires = 120
	}
	for _, s := range []string{cfg.User, cfg.Password} {
		if s == "" || strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			t.Fatalf("carriertest: user and password must be letters and digits, got %q", s)
		}
	}
	c := &Carrier{t: t, cfg: cfg, dir: t.TempDir(), port: freePort(t)}
	cfgText := strings.NewReplacer(
		"LISTEN", c.Addr(), "ALIAS", c.Addr(), "MAX_EXPIRES", strconv.Itoa(cfg.MaxExpires),
		`"PASSWORD"`, strconv.Quote(cfg.Password), `"USER"`, strconv.Quote(cfg.User),
	).Replace(configTemplate)
	if err := os.WriteFile(filepath.Join(c.dir, "kamailio.cfg"), []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Start()
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			t.Logf("kamailio's log:\n%s", c.Log())
		}
	})
	return c
}

// freePort finds a UDP port free on Host. Kamailio binds it a moment
// later; nothing else in these tests binds ports on Host.
func freePort(t testing.TB) int {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(Host)})
	if err != nil {
		t.Fatalf("carriertest: no UDP port on %s: %v", Host, err)
	}
	defer conn.Close()
	return conn.LocalAddr().(*net.UDPAddr).Port
}

// Addr is the carrier's SIP address, HOST:PORT.
func (c *Carrier) Addr() string { return net.JoinHostPort(Host, strconv.Itoa(c.port)) }

// AOR is the account's address of record, sip:USER@HOST:PORT (the value
// of dezura's --trunk-register).
func (c *Carrier) AOR() string { return "sip:" + c.cfg.User + "@" + c.Addr() }

// Start starts Kamailio (again) on the same address, with an empty
// location table, and returns once it answers.
func (c *Carrier) Start() {
	c.t.Helper()
	c.mu.Lock()
	if c.cmd != nil {
		c.mu.Unlock()
		c.t.Fatal("carriertest: Start while running")
	}
	logPath := filepath.Join(c.dir, fmt.Sprintf("kamailio-%d.log", len(c.logs)+1))
	out, err := os.Create(logPath)
	if err != nil {
		c.mu.Unlock()
		c.t.Fatal(err)
	}
	defer out.Close() // the child has its own descriptor
	c.logs = append(c.logs, logPath)
	cmd := exec.Command("kamailio", "-f", filepath.Join(c.dir, "kamailio.cfg"), "-DD", "-E", "-Y", c.dir, "-m", "32", "-M", "4")
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so Stop reaches the children it forks.
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		c.mu.Unlock()
		c.t.Fatalf("carriertest: start kamailio: %v", err)
	}
	c.cmd, c.done = cmd, make(chan struct{})
	done := c.done
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	c.mu.Unlock()
	for deadline := time.Now().Add(15 * time.Second); ; {
		if Options(c.Addr(), "sip:"+c.Addr(), 200*time.Millisecond) == 200 {
			return
		}
		select {
		case <-done:
			c.t.Fatalf("carriertest: kamailio exited at start:\n%s", c.Log())
		default:
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("carriertest: kamailio did not answer within 15 s:\n%s", c.Log())
		}
	}
}

// Stop stops Kamailio (SIGTERM, then SIGKILL after 5 s) and waits for it;
// its registrations are gone. Stopping a stopped carrier does nothing.
func (c *Carrier) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return
	}
	signalGroup(c.cmd, false)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		signalGroup(c.cmd, true)
		<-c.done
	}
	c.cmd = nil
}

// Restart stops Kamailio and starts it again after down: a registrar that
// has lost its location table.
func (c *Carrier) Restart(down time.Duration) {
	c.t.Helper()
	c.Stop()
	time.Sleep(down)
	c.Start()
}

// Log is what Kamailio wrote, over every start.
func (c *Carrier) Log() string {
	c.mu.Lock()
	paths := append([]string(nil), c.logs...)
	c.mu.Unlock()
	var parts []string
	for _, p := range paths {
		b, _ := os.ReadFile(p) // a log that cannot be read shows as empty
		parts = append(parts, string(b))
	}
	return strings.Join(parts, "--- restarted ---\n")
}

// Routed counts the lines "METHOD ... to sip:..." in Kamailio's log: the
// requests of that method it relayed to a registered binding.
func (c *Carrier) Routed(method string) int {
	n := 0
	for _, l := range strings.Split(c.Log(), "\n") {
		if _, rest, ok := strings.Cut(l, " "+method+" "); ok && strings.Contains(rest, " to sip:") {
			n++
		}
	}
	return n
}

// Options sends one OPTIONS for target to addr over UDP from a port of
// its own and returns the status of the final answer, or 0 if none came
// within wait. Sent to a carrier for an account's AOR it tells whether a
// call would reach the account: 404 while it is not registered, dezura's
// own 200 once it is.
func Options(addr, target string, wait time.Duration) int {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return 0
	}
	defer conn.Close()
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return 0
	}
	local := conn.LocalAddr().String()
	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	req := fmt.Sprintf("OPTIONS %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:probe@%s>;tag=%s\r\nTo: <%s>\r\nCall-ID: probe-%s\r\n"+
		"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", target, local, id, local, id, target, id)
	if _, err := conn.WriteTo([]byte(req), raddr); err != nil {
		return 0
	}
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 8192)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			return 0
		}
		f := strings.Fields(string(buf[:n]))
		if len(f) < 2 || f[0] != "SIP/2.0" {
			continue
		}
		if code, err := strconv.Atoi(f[1]); err == nil && code >= 200 {
			return code
		}
	}
}
