package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/dtmf"
)

func writeToneWAV(t *testing.T, keys string) string {
	t.Helper()
	samples, err := dtmf.Sequence(keys, 80*time.Millisecond, 80*time.Millisecond, dtmf.ToneOptions{LowDBm0: -10, HighDBm0: -10})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), keys+".wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := dtmf.WriteWAV(f, samples); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDTMFDetectCommand(t *testing.T) {
	a := writeToneWAV(t, "12345678901234")
	b := writeToneWAV(t, "0#*9")
	var out, errb bytes.Buffer
	env := cliEnv{Stdout: &out, Stderr: &errb}
	if err := run(context.Background(), []string{"dtmf", "detect", a, b}, env); err != nil {
		t.Fatalf("detect: %v (%s)", err, errb.String())
	}
	want := a + "\t12345678901234\n" + b + "\t0#*9\n"
	if out.String() != want {
		t.Fatalf("output\n%q\nwant\n%q", out.String(), want)
	}

	out.Reset()
	if err := run(context.Background(), []string{"dtmf", "detect", "--json", b}, env); err != nil {
		t.Fatal(err)
	}
	var res struct {
		File   string
		Digits string
		Keys   []struct {
			Key   string
			Start int64 `json:"start_ms"`
			End   int64 `json:"end_ms"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("json %q: %v", out.String(), err)
	}
	if res.Digits != "0#*9" || len(res.Keys) != 4 || res.Keys[1].Key != "#" {
		t.Fatalf("json result %+v", res)
	}
	// A leading 80 ms pause, then keys 80 ms on and 80 ms off: the second
	// key sounds from 240 to 320 ms.
	if k := res.Keys[1]; k.Start < 220 || k.Start > 260 || k.End < 300 || k.End > 340 {
		t.Errorf("second key at %d-%d ms", k.Start, k.End)
	}
}

func TestDTMFDetectCommandBadFile(t *testing.T) {
	good := writeToneWAV(t, "5")
	bad := filepath.Join(t.TempDir(), "bad.wav")
	if err := os.WriteFile(bad, []byte("not a wav file at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"dtmf", "detect", bad, good}, cliEnv{Stdout: &out, Stderr: &errb})
	if err == nil {
		t.Fatal("no error for an unreadable file")
	}
	if out.String() != good+"\t5\n" || !strings.Contains(errb.String(), "bad.wav") {
		t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
	}
	if err := run(context.Background(), []string{"dtmf", "detect"}, cliEnv{Stdout: &out, Stderr: &errb}); exitCode(err) != 2 {
		t.Fatalf("no files: %v, want a usage error", err)
	}
}

// TestDTMFDetectCommandLost: a recording of one 120 ms key whose packet
// from 80 to 100 ms was lost (the recorder wrote silence there) reads as
// two keys, and as one with --lost naming the packet.
func TestDTMFDetectCommandLost(t *testing.T) {
	samples := make([]int16, 8*300)
	if err := dtmf.AddTone(samples[8*40:8*160], '7', dtmf.ToneOptions{LowDBm0: -10, HighDBm0: -10}); err != nil {
		t.Fatal(err)
	}
	clear(samples[8*80 : 8*100])
	path := filepath.Join(t.TempDir(), "lost.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := dtmf.WriteWAV(f, samples); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		out  string
		code int
	}{
		{args: []string{path}, out: path + "\t77\n"},
		{args: []string{"--lost", "80ms", path}, out: path + "\t7\n"},
		{args: []string{"--lost", "80ms-100ms", path}, out: path + "\t7\n"},
		{args: []string{"--lost", "80", path}, code: 2},
		{args: []string{"--lost", "80ms", path, path}, code: 2},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"dtmf", "detect"}, tt.args...), cliEnv{Stdout: &out, Stderr: &errb})
		code := 0
		if err != nil {
			code = exitCode(err)
		}
		if code != tt.code || out.String() != tt.out {
			t.Errorf("%v: exit %d (%v), stdout %q; want %d, %q", tt.args, code, err, out.String(), tt.code, tt.out)
		}
		if tt.code == 2 && !strings.Contains(err.Error(), "lost") {
			t.Errorf("%v: error %q does not say what was wrong", tt.args, err)
		}
	}
}
