package trunk

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

func TestBackoff(t *testing.T) {
	lo, hi := time.Second, 60*time.Second
	for _, tc := range []struct {
		attempt int
		r       uint64
		want    time.Duration
	}{
		{0, 0, 500 * time.Millisecond},
		{0, uint64(500 * time.Millisecond), time.Second},
		{1, 0, time.Second},
		{3, 0, 4 * time.Second},
		{6, 0, 30 * time.Second},  // capped at 60 s
		{60, 0, 30 * time.Second}, // no overflow however many attempts
		{60, uint64(30 * time.Second), 60 * time.Second},
		{60, uint64(30*time.Second) + 1, 30 * time.Second}, // r wraps modulo
	} {
		if got := backoff(tc.attempt, lo, hi, tc.r); got != tc.want {
			t.Errorf("backoff(%d, r=%d) = %v, want %v", tc.attempt, tc.r, got, tc.want)
		}
	}
}

func TestGrantedExpires(t *testing.T) {
	ours := sip.Uri{Scheme: "sip", User: "050", Host: "203.0.113.5", Port: 5060}
	for _, tc := range []struct {
		name    string
		contact []string
		expires string
		want    time.Duration
	}{
		{"our contact's param", []string{"<sip:050@203.0.113.5:5060>;expires=120"}, "3600", 120 * time.Second},
		{"default port matches", []string{"<sip:050@203.0.113.5>;expires=90"}, "", 90 * time.Second},
		{"other bindings skipped", []string{`"x, y" <sip:050@198.51.100.1>;expires=10, <sip:050@203.0.113.5:5060>;expires=300`}, "", 300 * time.Second},
		{"Expires header", []string{"<sip:050@198.51.100.1>;expires=10"}, "600", 600 * time.Second},
		{"nothing: what we asked", nil, "", 3600 * time.Second},
		{"zero ignored", []string{"<sip:050@203.0.113.5:5060>;expires=0"}, "0", 3600 * time.Second},
		{"junk ignored", []string{"<<<>;;", "<sip:050@203.0.113.5:5060>;expires=abc"}, "-5", 3600 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := sip.NewResponseFromRequest(sip.NewRequest(sip.REGISTER, ours), 200, "OK", nil)
			for _, c := range tc.contact {
				res.AppendHeader(sip.NewHeader("Contact", c))
			}
			if tc.expires != "" {
				res.AppendHeader(sip.NewHeader("Expires", tc.expires))
			}
			if got := grantedExpires(res, ours, time.Hour); got != tc.want {
				t.Errorf("granted %v, want %v", got, tc.want)
			}
		})
	}
}

func FuzzGrantedExpires(f *testing.F) {
	for _, s := range []string{"<sip:050@203.0.113.5:5060>;expires=120", `"a,b" <sip:x@y>, <sip:050@203.0.113.5>;expires=1`, "<", `"`, ",,,", "<sip:050@203.0.113.5:5060>;expires=99999999999"} {
		f.Add(s)
	}
	ours := sip.Uri{Scheme: "sip", User: "050", Host: "203.0.113.5", Port: 5060}
	f.Fuzz(func(t *testing.T, v string) {
		res := sip.NewResponseFromRequest(sip.NewRequest(sip.REGISTER, ours), 200, "OK", nil)
		res.AppendHeader(sip.NewHeader("Contact", v))
		if got := grantedExpires(res, ours, time.Hour); got <= 0 || got > (1<<32)*time.Second {
			t.Fatalf("granted %v", got)
		}
	})
}

func TestReadPasswordFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		body    string
		mode    os.FileMode
		want    string
		wantErr bool
	}{
		{"ok", "s3cret\n", 0o600, "s3cret", false},
		{"first line trimmed", "  pw  \nignored\n", 0o400, "pw", false},
		{"readable by others", "s3cret\n", 0o644, "", true},
		{"empty", "\n", 0o600, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if err := os.WriteFile(p, []byte(tc.body), tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tc.mode); err != nil {
				t.Fatal(err)
			}
			got, err := ReadPasswordFile(p)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("got %q, %v", got, err)
			}
			if err != nil && !errors.Is(err, ErrCredentialsFile) {
				t.Errorf("error %v is not ErrCredentialsFile", err)
			}
		})
	}
	if _, err := ReadPasswordFile(filepath.Join(dir, "missing")); !errors.Is(err, ErrCredentialsFile) {
		t.Errorf("missing file: %v", err)
	}
}

// fakeSender answers REGISTERs from a script, recording when they came.
type fakeSender struct {
	mu      sync.Mutex
	status  []int // per REGISTER; the last repeats
	grant   string
	times   []time.Time
	exp     []string
	deadKA  bool // OPTIONS get no answer
	options int
}

func (f *fakeSender) Do(_ context.Context, req *sip.Request, _ ...sipgo.ClientRequestOption) (*sip.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if req.Method != sip.REGISTER {
		f.options++
		if f.deadKA {
			return nil, errors.New("transaction timed out")
		}
		return sip.NewResponseFromRequest(req, 200, "OK", nil), nil
	}
	f.times = append(f.times, time.Now())
	f.exp = append(f.exp, req.GetHeader("Expires").Value())
	code := f.status[min(len(f.times)-1, len(f.status)-1)]
	res := sip.NewResponseFromRequest(req, code, "Scripted", nil)
	switch code {
	case 200:
		res.AppendHeader(sip.NewHeader("Expires", f.grant))
	case 423:
		res.AppendHeader(sip.NewHeader("Min-Expires", "7200"))
	}
	return res, nil
}

func (f *fakeSender) DoDigestAuth(context.Context, *sip.Request, *sip.Response, sipgo.DigestAuth) (*sip.Response, error) {
	return nil, errors.New("not challenged in this test")
}

// With time as an input (synctest's fake clock), a day of registrations
// runs in microseconds: refresh at 80 % of the grant, back-off doubling
// up to its cap after failures, Expires: 0 at the end.
func TestScheduleSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{status: []int{200, 500, 500, 500, 500, 500, 200}, grant: "100"}
		r, err := New(Config{AOR: "sip:050@trunk.example", Contact: sip.Uri{Scheme: "sip", Host: "192.0.2.1"},
			RetryMin: 10 * time.Second, RetryMax: 40 * time.Second, KeepAlive: -1}, f)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- r.Run(ctx) }()
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if st := r.Stats(); st.State != StateRegistered || st.Failures != 5 {
			t.Errorf("stats %+v", st)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		at := func(i int) time.Duration { return f.times[i].Sub(start) }
		if at(0) != 0 || at(1) != 80*time.Second {
			t.Errorf("first at %v, refresh at %v (want 0, 80s)", at(0), at(1))
		}
		// Failures 1..5 (REGISTERs 1..5): retry n waits in [d/2, d], d = min(10s<<n, 40s).
		for n := 0; n < 5; n++ {
			gap := f.times[n+2].Sub(f.times[n+1])
			d := min(10*time.Second<<n, 40*time.Second)
			if gap < d/2 || gap > d {
				t.Errorf("retry %d after %v, want %v..%v", n, gap, d/2, d)
			}
		}
		if last := f.exp[len(f.exp)-1]; last != "0" {
			t.Errorf("last REGISTER Expires %q, want 0", last)
		}
	})
}

// 423 Interval Too Brief: the next REGISTER asks for Min-Expires.
func TestIntervalTooBrief(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{status: []int{423, 200}, grant: "7200"}
		r, err := New(Config{AOR: "sip:050@trunk.example", Contact: sip.Uri{Scheme: "sip", Host: "192.0.2.1"},
			Expires: 60 * time.Second, KeepAlive: -1}, f)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		time.Sleep(time.Second)
		synctest.Wait()
		if st := r.Stats(); st.State != StateRegistered || st.Expires != 2*time.Hour {
			t.Errorf("stats %+v", st)
		}
		cancel()
		<-done
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.exp) < 2 || f.exp[0] != "60" || f.exp[1] != "7200" {
			t.Errorf("Expires asked: %v", f.exp)
		}
	})
}

// Keep-alives unanswered three times in a row start a registration at
// once, long before the refresh is due.
func TestDeadKeepAliveReregisters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{status: []int{200}, grant: "3600", deadKA: true}
		r, err := New(Config{AOR: "sip:050@trunk.example", Contact: sip.Uri{Scheme: "sip", Host: "192.0.2.1"},
			KeepAlive: 30 * time.Second}, f)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- r.Run(ctx) }()
		time.Sleep(100 * time.Second) // three keep-alives at 30, 60, 90 s
		synctest.Wait()
		cancel()
		<-done
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.options != 3 || len(f.times) < 2 || f.times[1].Sub(start) != 90*time.Second {
			t.Errorf("%d OPTIONS, REGISTERs at %v (want the second at 90s)", f.options, f.times)
		}
		if st := r.Stats(); st.KeepAliveFailures != 3 {
			t.Errorf("stats %+v", st)
		}
	})
}
