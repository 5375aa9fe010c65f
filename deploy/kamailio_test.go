package deploy

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/simulator"
)

const kamailioCfg = "kamailio/kamailio.cfg"

// TestKamailioConfigParses: Kamailio accepts the production configuration
// with its shipped example dispatcher list, as it stands and with every
// setting given on the command line.
func TestKamailioConfigParses(t *testing.T) {
	kam := needTool(t, "kamailio", "kamailio")
	list, err := filepath.Abs("kamailio/dispatcher.list")
	if err != nil {
		t.Fatal(err)
	}
	tests := [][]string{
		{"-A", `DISPATCHER_LIST="` + list + `"`},
		{"-A", `DISPATCHER_LIST="` + list + `"`, "-A", "LISTEN=udp:127.0.0.1:5099", "-A", `CARRIER_NETS="127.0.0.1/32,127.0.0.3/32"`,
			"-A", `DEZURA_NETS="127.0.0.2/32"`, "-A", "PIKE_DENSITY=8"},
	}
	for _, args := range tests {
		out, err := exec.Command(kam, append([]string{"-c", "-f", kamailioCfg}, args...)...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "config file ok") {
			t.Errorf("kamailio -c %v: %v\n%s", args, err, out)
		}
	}
}

// TestKamailioFrontsDezuraAndStopsAFlood runs the production configuration
// on 127.0.0.1 in front of a dezura node on 127.0.0.2, with the carrier at
// 127.0.0.1: the carrier's call reaches dezura and is recorded; a burst of
// requests from another address is cut off by pike and the address stays
// banned; other strangers' INVITEs and REGISTERs get 403, a scanner's user
// agent no answer; the carrier's own burst is answered in full.
func TestKamailioFrontsDezuraAndStopsAFlood(t *testing.T) {
	kam := needTool(t, "kamailio", "kamailio")
	dir := t.TempDir()
	bin := filepath.Join(dir, "dezura")
	build := exec.Command("go", "build", "-o", bin, "./cmd/dezura")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := "sqlite:" + filepath.Join(dir, "d.db")
	node := startDezura(t, []string{bin, "--db", db, "serve", "--demo", "--web", "off", "--sip", "127.0.0.2:0", "--rtp-ports", "0-0",
		"--billing-at", "off", "--log-level", "warn"}, os.Environ(), dir)

	list := filepath.Join(dir, "dispatcher.list")
	if err := os.WriteFile(list, []byte("1 sip:"+node.SIP+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	proxy := startKamailio(t, kam, dir, list)

	res, err := simulator.Call(context.Background(), simulator.Options{
		To: "sip:ivr@" + proxy, From: "09012345678", Keys: []string{"1234#", "1"}, DiscardAudio: true, MaxDuration: 60 * time.Second,
	})
	if err != nil || res.Status != 200 || res.EndedBy != simulator.EndedRemoteBye {
		t.Fatalf("the carrier's call through kamailio: %+v %v", res, err)
	}
	out, err := exec.Command(bin, "--db", db, "entries", "list", "--json").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "12345678901234") {
		t.Errorf("entries after the call: %v %s", err, out)
	}

	const burst = 60
	if n := answered(sipBurst(t, "127.0.0.5", proxy, "OPTIONS", burst, "")); n == 0 || n >= burst {
		t.Errorf("a stranger's burst of %d: %d answered, want pike to cut it short", burst, n)
	} else {
		t.Logf("a stranger's burst of %d: %d answered before the ban", burst, n)
	}
	time.Sleep(2500 * time.Millisecond) // past pike's 2 s unit: only the ban keeps it out now
	if n := answered(sipBurst(t, "127.0.0.5", proxy, "OPTIONS", 1, "")); n != 0 {
		t.Error("the flooding address is answered again: it should stay banned for 300 s")
	}
	checks := []struct {
		name, from, method, ua string
		want                   int
	}{
		{"another stranger's OPTIONS", "127.0.0.6", "OPTIONS", "", 200},
		{"a stranger's INVITE", "127.0.0.6", "INVITE", "", 403},
		{"a REGISTER", "127.0.0.6", "REGISTER", "", 403},
		{"a scanner", "127.0.0.7", "OPTIONS", "Friendly-Scanner", 0},
	}
	for _, c := range checks {
		codes := sipBurst(t, c.from, proxy, c.method, 1, c.ua)
		if got := append(codes, 0)[0]; got != c.want {
			t.Errorf("%s: answered %v, want %d (0: no answer)", c.name, codes, c.want)
		}
	}
	if n := answered(sipBurst(t, "127.0.0.1", proxy, "OPTIONS", burst, "")); n != burst {
		t.Errorf("the carrier's burst of %d: %d answered, want all (never rate-limited)", burst, n)
	}
}

// startKamailio runs the production configuration on 127.0.0.1 (a port
// chosen now) for the carrier 127.0.0.1 and a node on 127.0.0.2, and
// returns its address once it answers.
func startKamailio(t *testing.T, kam, dir, dispatcherList string) string {
	t.Helper()
	proxy := "127.0.0.1:" + strconv.Itoa(freeUDPPort(t))
	k := exec.Command(kam, "-f", kamailioCfg, "-DD", "-E", "-Y", dir, "-A", "LISTEN=udp:"+proxy,
		"-A", `CARRIER_NETS="127.0.0.1/32"`, "-A", `DEZURA_NETS="127.0.0.2/32"`, "-A", `DISPATCHER_LIST="`+dispatcherList+`"`)
	klog := &lockedBuffer{}
	k.Stdout, k.Stderr = klog, klog
	if err := k.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = k.Process.Signal(os.Interrupt)
		_ = k.Wait()
		if t.Failed() {
			t.Logf("kamailio:\n%s", klog)
		}
	})
	for deadline := time.Now().Add(10 * time.Second); answered(sipBurst(t, "127.0.0.1", proxy, "OPTIONS", 1, "")) != 1; {
		if time.Now().After(deadline) {
			t.Fatal("kamailio does not answer OPTIONS")
		}
	}
	return proxy
}

// freeUDPPort finds a UDP port free on 127.0.0.1 at the moment.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// sipBurst sends n out-of-dialog requests from a socket on the address
// from to the proxy at once and returns the final status codes that came
// back within a second of quiet.
func sipBurst(t *testing.T, from, proxy, method string, n int, userAgent string) []int {
	t.Helper()
	c, err := net.ListenPacket("udp", from+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	to, err := net.ResolveUDPAddr("udp", proxy)
	if err != nil {
		t.Fatal(err)
	}
	local := c.LocalAddr().String()
	stamp := strconv.FormatInt(time.Now().UnixNano(), 36)
	for i := range n {
		req := fmt.Sprintf("%s sip:ivr@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s%d\r\nMax-Forwards: 70\r\n"+
			"From: <sip:probe@%s>;tag=t%d\r\nTo: <sip:ivr@%s>\r\nCall-ID: %s-%d@%s\r\nCSeq: 1 %s\r\nContact: <sip:probe@%s>\r\n",
			method, proxy, local, stamp, i, local, i, proxy, stamp, i, from, method, local)
		if userAgent != "" {
			req += "User-Agent: " + userAgent + "\r\n"
		}
		req += "Content-Length: 0\r\n\r\n"
		if _, err := c.WriteTo([]byte(req), to); err != nil {
			t.Fatal(err)
		}
	}
	var codes []int
	buf := make([]byte, 4096)
	for {
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		m, _, err := c.ReadFrom(buf)
		if err != nil {
			return codes
		}
		f := strings.Fields(string(buf[:m]))
		if len(f) > 1 && f[0] == "SIP/2.0" {
			if code, _ := strconv.Atoi(f[1]); code >= 200 {
				codes = append(codes, code)
			}
		}
	}
}

// answered counts the 200 OKs among codes.
func answered(codes []int) int {
	n := 0
	for _, c := range codes {
		if c == 200 {
			n++
		}
	}
	return n
}
