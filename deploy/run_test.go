package deploy

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer collects a process's log for the test to read.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// dezuraProc is a running `dezura serve`, with the addresses it printed.
type dezuraProc struct {
	cmd       *exec.Cmd
	SIP, HTTP string
	Log       *lockedBuffer // standard error: the slog lines
	exited    chan error
}

// startDezura starts argv (a dezura serve command line, perhaps behind
// setpriv) in dir with env, and returns once it prints its SIP address
// (and its HTTP address when --http is on).
func startDezura(t *testing.T, argv, env []string, dir string) *dezuraProc {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Dir = env, dir
	p := &dezuraProc{cmd: cmd, Log: &lockedBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = p.Log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // no-op once it has exited
		<-p.exited
	})
	wantHTTP := strings.Contains(strings.Join(argv, " "), "--http")
	addrs := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var sip, web string
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) >= 3 && f[0] == "SIP" && f[1] == "udp":
				sip = f[2]
			case len(f) >= 3 && f[0] == "HTTP" && f[1] == "tcp":
				web = f[2]
			}
			if sip != "" && (web != "" || !wantHTTP) {
				addrs <- [2]string{sip, web}
				sip = ""
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		p.exited <- cmd.Wait()
	}()
	select {
	case a := <-addrs:
		p.SIP, p.HTTP = a[0], a[1]
	case err := <-p.exited:
		p.exited <- err
		t.Fatalf("dezura exited before listening: %v\n%s", err, p.Log)
	case <-time.After(60 * time.Second):
		t.Fatalf("dezura did not start within 60 s\n%s", p.Log)
	}
	return p
}

// stop sends SIGTERM, as systemd's KillSignal does, and returns how the
// process exited (nil: status 0, which systemd takes as a clean stop).
func (p *dezuraProc) stop(t *testing.T) error {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		p.exited <- err
		return err
	case <-time.After(90 * time.Second):
		t.Fatalf("dezura did not exit within 90 s of SIGTERM\n%s", p.Log)
		return nil
	}
}

// get fetches an HTTP path of the service.
func (p *dezuraProc) get(t *testing.T, path string) (int, string) {
	t.Helper()
	res, err := http.Get("http://" + p.HTTP + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// exportedNames are the sample names of a Prometheus text exposition
// (histograms give _bucket, _sum and _count).
func exportedNames(body string) map[string]bool {
	names := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names
}
