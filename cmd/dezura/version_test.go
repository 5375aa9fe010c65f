package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionCommand: `dezura version` says what the link-time variables
// say (the package build sets them), and the Go version.
func TestVersionCommand(t *testing.T) {
	oldV, oldC := version, commit
	t.Cleanup(func() { version, commit = oldV, oldC })
	version, commit = "1.2.3~test", "0123abcd"
	tests := []struct {
		args    []string
		want    string
		wantErr error
	}{
		{[]string{"version"}, "dezura 1.2.3~test (commit 0123abcd, " + runtime.Version() + ")\n", nil},
		{[]string{"version", "--json"}, `{"commit":"0123abcd","goversion":"` + runtime.Version() + `","version":"1.2.3~test"}`, nil},
		{[]string{"version", "--short"}, "", errUsage},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, cliEnv{Stdout: &out, Stderr: &errOut})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			got := out.String()
			if strings.HasSuffix(tt.args[len(tt.args)-1], "json") {
				var v map[string]string
				if err := json.Unmarshal(out.Bytes(), &v); err != nil {
					t.Fatal(err)
				}
				b, _ := json.Marshal(v)
				got = string(b)
			}
			if got != tt.want {
				t.Errorf("output %q, want %q", got, tt.want)
			}
		})
	}
}

// TestVCSCommit: without link-time variables the commit is the go
// command's VCS stamp, marked when the work tree had changes.
func TestVCSCommit(t *testing.T) {
	tests := []struct {
		name     string
		settings []debug.BuildSetting
		want     string
	}{
		{"clean", []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}, "abc"},
		{"modified", []debug.BuildSetting{{Key: "vcs.modified", Value: "true"}, {Key: "vcs.revision", Value: "abc"}}, "abc+dirty"},
		{"no stamp", []debug.BuildSetting{{Key: "GOOS", Value: "linux"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vcsCommit(tt.settings); got != tt.want {
				t.Errorf("vcsCommit = %q, want %q", got, tt.want)
			}
		})
	}
	if b := currentBuild(); b.Version == "" || b.Commit == "" || b.GoVersion != runtime.Version() {
		t.Errorf("currentBuild() = %+v: every field must say something", b)
	}
}

// TestBuildInfoOnMetricsAndInTheLog: the service's registry carries
// dezura_build_info with the three labels and value 1, and the start-up
// line names the same version.
func TestBuildInfoOnMetricsAndInTheLog(t *testing.T) {
	oldV, oldC := version, commit
	t.Cleanup(func() { version, commit = oldV, oldC })
	version, commit = "9.9.9", "feedbeef"
	mfs, err := newServiceMetrics().reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mf := range mfs {
		if mf.GetName() != "dezura_build_info" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got = append(got, labels["version"]+" "+labels["commit"]+" "+labels["goversion"])
			if v := m.GetGauge().GetValue(); v != 1 {
				t.Errorf("dezura_build_info = %v, want 1", v)
			}
		}
	}
	if want := "9.9.9 feedbeef " + runtime.Version(); len(got) != 1 || got[0] != want {
		t.Errorf("dezura_build_info series %q, want one: %q", got, want)
	}
	var log bytes.Buffer
	logBuild(slog.New(slog.NewTextHandler(&log, nil)))
	for _, want := range []string{`msg="dezura starting"`, "version=9.9.9", "commit=feedbeef", "go=" + runtime.Version()} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("start-up line %q lacks %s", log.String(), want)
		}
	}
}
