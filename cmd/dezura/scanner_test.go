package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dezura/dezura/simulator"
)

// Issue 8 item 7: a SIP scanner floods a running service from other
// loopback addresses (127.0.0.2-4; Linux routes all of 127/8 to lo) with
// INVITE/OPTIONS/REGISTER/BYE for random users, bad digests and malformed
// packets, while the simulator places legitimate calls from the trusted
// 127.0.0.1. Every legitimate call completes; the scanner gets nothing
// but 401, 403 or silence and leaves no call record; goroutines and heap
// come back to their baseline.
func TestScannerFlood(t *testing.T) {
	secrets := filepath.Join(t.TempDir(), "peers")
	if err := os.WriteFile(secrets, []byte("pbx1:correct-horse-battery-staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startTestService(t, func(c *serveConfig) {
		c.Trust = "127.0.0.1/32"
		c.PeerSecrets = secrets // strangers' INVITEs are challenged (401), wrong digests refused
		c.UntrustedOptions = "ignore"
	})
	target := s.sip.Addr().(*net.UDPAddr)

	baseG, baseHeap := settle()
	start := time.Now()

	stop, quiet := make(chan struct{}), make(chan struct{})
	var sc scanStats
	var senders, readers sync.WaitGroup
	for i, ip := range []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"} {
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
		if err != nil {
			t.Fatalf("scanner socket on %s: %v", ip, err)
		}
		defer conn.Close()
		readers.Go(func() { readResponses(conn, &sc, quiet) })
		senders.Go(func() { scan(conn, target, uint64(i+1), stop, &sc) })
	}

	// Legitimate calls from 127.0.0.1 while the flood runs.
	const calls = 3
	results := make([]simulator.Result, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 300 * time.Millisecond) // into the flood
			results[i], _ = simulator.Call(context.Background(), simulator.Options{
				To: s.uri, From: "09012345678", Keys: []string{"1234#", "1"}, MaxDuration: 40 * time.Second,
			})
		})
	}
	wg.Wait()
	close(stop)
	senders.Wait()
	time.Sleep(time.Second) // the last responses
	close(quiet)
	readers.Wait()

	t.Logf("calls and flood took %v", time.Since(start).Round(time.Millisecond))
	var legit []string
	for i, res := range results {
		if res.Status != 200 || res.EndedBy != simulator.EndedRemoteBye {
			t.Errorf("legitimate call %d: status %d ended by %q, want 200 and the service's BYE", i, res.Status, res.EndedBy)
			continue
		}
		legit = append(legit, res.CallID)
	}
	sent, got := sc.sent.Load(), sc.responses.Load()
	t.Logf("scanner sent %d packets (%d bytes), got %d responses: %v", sent, sc.bytes.Load(), got, sc.codes())
	if sent < 3000 {
		t.Errorf("scanner sent only %d packets", sent)
	}
	if bad := sc.unexpected(); bad != "" {
		t.Errorf("scanner got a response other than 401/403: %s", bad)
	}

	// Only the legitimate calls left call records.
	for _, id := range legit {
		s.callRecord(t, id)
	}
	if recs := s.calls(t); len(recs) != len(legit) {
		t.Errorf("%d call records, want %d (the legitimate calls only)", len(recs), len(legit))
	}
	if es := s.entries(t); len(es) == 0 {
		t.Errorf("no ledger entry from the legitimate calls")
	}
	t.Logf("guard: %+v", s.sip.GuardStats())

	// Back to the baseline: no goroutine or memory left behind per packet.
	deadline := time.Now().Add(15 * time.Second)
	for {
		g, heap := settle()
		okG := g <= baseG+10
		okHeap := heap <= baseHeap+32<<20
		if okG && okHeap {
			t.Logf("goroutines %d (baseline %d), heap %d KiB (baseline %d KiB)", g, baseG, heap>>10, baseHeap>>10)
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			n := runtime.Stack(buf, true)
			t.Fatalf("after the flood: %d goroutines (baseline %d), heap %d KiB (baseline %d KiB)\n%s",
				g, baseG, heap>>10, baseHeap>>10, buf[:min(n, 8000)])
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// settle collects garbage and returns the goroutine count and live heap.
func settle() (goroutines int, heap uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return runtime.NumGoroutine(), m.HeapAlloc
}

type scanStats struct {
	sent, bytes, responses atomic.Uint64
	mu                     sync.Mutex
	byCode                 map[int]int
	other                  string // the first response that was not 401/403
}

func (s *scanStats) record(msg []byte) {
	s.responses.Add(1)
	code := -1
	if rest, ok := bytes.CutPrefix(msg, []byte("SIP/2.0 ")); ok && len(rest) >= 3 {
		if n, err := strconv.Atoi(string(rest[:3])); err == nil {
			code = n
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byCode == nil {
		s.byCode = map[int]int{}
	}
	s.byCode[code]++
	if code != 401 && code != 403 && s.other == "" {
		s.other = string(msg[:min(len(msg), 300)])
	}
}

func (s *scanStats) codes() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]int, len(s.byCode))
	for k, v := range s.byCode {
		out[k] = v
	}
	return out
}

func (s *scanStats) unexpected() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.other
}

// readResponses records what the service sends back to one scanner
// socket until quiet is closed.
func readResponses(conn *net.UDPConn, sc *scanStats, quiet <-chan struct{}) {
	buf := make([]byte, 65536)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := conn.Read(buf)
		if err == nil {
			sc.record(buf[:n])
			continue
		}
		if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			return
		}
		select {
		case <-quiet:
			return
		default:
		}
	}
}

// maxPerSocket bounds one scanner socket's packets; the flood also stops
// when the legitimate calls are over.
const maxPerSocket = 6000

func scan(conn *net.UDPConn, target *net.UDPAddr, seed uint64, stop <-chan struct{}, sc *scanStats) {
	r := rand.New(rand.NewPCG(seed, 0x5ca11e5))
	local := conn.LocalAddr().(*net.UDPAddr)
	for i := 0; i < maxPerSocket; i++ {
		select {
		case <-stop:
			return
		default:
		}
		msg := scanMessage(r, local, target, i)
		if _, err := conn.WriteToUDP(msg, target); err == nil {
			sc.sent.Add(1)
			sc.bytes.Add(uint64(len(msg)))
		}
		if i%2 == 1 {
			time.Sleep(time.Millisecond) // about 1,000 packets a second per socket
		}
	}
}

// scanMessage is the i-th packet of a scanner: the requests SIPVicious-
// style tools send, with random users, forged digests and junk.
func scanMessage(r *rand.Rand, local, target *net.UDPAddr, i int) []byte {
	user := strconv.Itoa(100 + r.IntN(9900))
	switch i % 9 {
	case 0, 1:
		return request("INVITE", user, local, target, "", sdpBody(local))
	case 2:
		return request("OPTIONS", user, local, target, "", nil)
	case 3:
		return request("REGISTER", user, local, target, "", nil)
	case 4: // a guessed digest for a peer that exists and one that does not
		peer := []string{"pbx1", "admin", user}[r.IntN(3)]
		authz := fmt.Sprintf(`Digest username="%s", realm="dezura", nonce="%x", uri="sip:%s@%s", response="%032x", algorithm=MD5`,
			peer, r.Uint64(), user, target, r.Uint64())
		return request([]string{"INVITE", "REGISTER"}[r.IntN(2)], user, local, target, authz, sdpBody(local))
	case 5: // random bytes
		b := make([]byte, 1+r.IntN(1400))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		return b
	case 6: // truncated
		m := request("INVITE", user, local, target, "", sdpBody(local))
		return m[:r.IntN(len(m))]
	case 7: // huge header
		m := request("OPTIONS", user, local, target, "", nil)
		huge := append([]byte("X-Scan: "), bytes.Repeat([]byte("A"), 2000+r.IntN(10000))...)
		return bytes.Replace(m, []byte("Max-Forwards: 70\r\n"), append(huge, "\r\nMax-Forwards: 70\r\n"...), 1)
	default: // in-dialog requests for dialogs that do not exist, and a bad Content-Length
		m := request([]string{"BYE", "CANCEL", "INFO", "ACK"}[r.IntN(4)], user, local, target, "", nil)
		if r.IntN(2) == 0 {
			m = bytes.Replace(m, []byte("Content-Length: 0"), []byte("Content-Length: 99999"), 1)
		}
		return m
	}
}

func request(method, user string, local, target *net.UDPAddr, authz string, body []byte) []byte {
	var b bytes.Buffer
	tag := strconv.FormatUint(rand.Uint64(), 36)
	fmt.Fprintf(&b, "%s sip:%s@%s SIP/2.0\r\n", method, user, target)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;branch=z9hG4bK%s;rport\r\n", local, tag)
	fmt.Fprintf(&b, "Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: \"%s\" <sip:%s@%s>;tag=%s\r\n", user, user, local.IP, tag)
	fmt.Fprintf(&b, "To: <sip:%s@%s>\r\n", user, target)
	fmt.Fprintf(&b, "Call-ID: %s@%s\r\n", tag, local.IP)
	fmt.Fprintf(&b, "CSeq: 1 %s\r\n", method)
	fmt.Fprintf(&b, "Contact: <sip:%s@%s>\r\n", user, local)
	fmt.Fprintf(&b, "User-Agent: friendly-scanner\r\n")
	if authz != "" {
		fmt.Fprintf(&b, "Authorization: %s\r\n", authz)
	}
	if len(body) > 0 {
		fmt.Fprintf(&b, "Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}

func sdpBody(local *net.UDPAddr) []byte {
	return fmt.Appendf(nil, "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n", local.IP, local.IP)
}
