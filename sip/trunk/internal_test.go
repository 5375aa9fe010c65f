package trunk

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

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
		name        string
		contact     []string
		expires     string
		want        time.Duration
		wantMissing bool
	}{
		{"our contact's param", []string{"<sip:050@203.0.113.5:5060>;expires=120"}, "3600", 120 * time.Second, false},
		{"default port matches", []string{"<sip:050@203.0.113.5>;expires=90"}, "", 90 * time.Second, false},
		{"other bindings skipped", []string{`"x, y" <sip:050@198.51.100.1>;expires=10, <sip:050@203.0.113.5:5060>;expires=300`}, "", 300 * time.Second, false},
		{"only others listed: ours missing", []string{"<sip:050@198.51.100.1>;expires=10"}, "600", 600 * time.Second, true},
		{"ours listed without expires", []string{"<sip:050@203.0.113.5:5060>"}, "600", 600 * time.Second, false},
		{"nothing: what we asked", nil, "", 3600 * time.Second, false},
		{"zero ignored", []string{"<sip:050@203.0.113.5:5060>;expires=0"}, "0", 3600 * time.Second, false},
		{"junk ignored", []string{"<<<>;;", "<sip:050@203.0.113.5:5060>;expires=abc"}, "-5", 3600 * time.Second, false},
		{"only junk: nothing listed", []string{"<<<>;;"}, "", 3600 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := sip.NewResponseFromRequest(sip.NewRequest(sip.REGISTER, ours), 200, "OK", nil)
			for _, c := range tc.contact {
				res.AppendHeader(sip.NewHeader("Contact", c))
			}
			if tc.expires != "" {
				res.AppendHeader(sip.NewHeader("Expires", tc.expires))
			}
			got, missing := grantedExpires(res, ours, time.Hour)
			if got != tc.want || missing != tc.wantMissing {
				t.Errorf("granted %v, missing %v; want %v, %v", got, missing, tc.want, tc.wantMissing)
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
		if got, _ := grantedExpires(res, ours, time.Hour); got <= 0 || got > (1<<32)*time.Second {
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
