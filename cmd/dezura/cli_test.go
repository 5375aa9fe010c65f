package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// parseServe parses "dezura serve ARGS" as the CLI does (defaults, the
// flags, then Validate) and returns serve's configuration.
func parseServe(args ...string) (serveConfig, error) {
	var g dezuraCLI
	k, err := newParser(&g, cliEnv{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		return serveConfig{}, err
	}
	if _, err := k.Parse(append([]string{"serve"}, args...)); err != nil {
		return g.Serve.serveConfig, parseError(err)
	}
	return g.Serve.serveConfig, nil
}

// TestExitCodes: help exits 0 and writes to standard output; a usage
// error exits 2 with one line that names the problem and the help to
// read; a failure exits 1 with one line, "dezura:" once.
func TestExitCodes(t *testing.T) {
	db := tempDB(t)
	ok(t, db, "migrate")
	tests := []struct {
		args     []string
		code     int
		stdout   string // in standard output
		stderr   string // in the one line on standard error
		helpHint string // the help the usage error points to
	}{
		{args: []string{"--help"}, stdout: "Usage: dezura <command>"},
		{args: []string{"-h"}, stdout: "Usage: dezura <command>"},
		{args: []string{"help"}, stdout: "Usage: dezura <command>"},
		{args: []string{"help", "billing", "run"}, stdout: "Usage: dezura billing run"},
		{args: []string{"entries", "--help"}, stdout: "entries list"},
		{args: []string{"entries", "list", "--help"}, stdout: "--status=STATUS"},
		{args: []string{"billing", "--help"}, stdout: "16,500円"},
		{args: []string{"billing", "plan", "add", "--help"}, stdout: "--annual=YEN"},
		{args: []string{"serve", "--help"}, stdout: "--billing-leader-interval=5s"},
		{args: []string{"site", "show", "--help"}, stdout: "the site code"},
		{args: []string{"migrate"}, stdout: "up to date"},
		{args: []string{}, code: 2, stderr: "no command given: want serve, migrate", helpHint: "dezura --help"},
		{args: []string{"bogus"}, code: 2, stderr: `unknown command "bogus"`, helpHint: "dezura --help"},
		{args: []string{"billing", "plan"}, code: 2, stderr: "no command given: want add, list or close", helpHint: "dezura billing plan --help"},
		{args: []string{"entries", "list", "--bogus"}, code: 2, stderr: "unknown flag --bogus", helpHint: "dezura entries list --help"},
		{args: []string{"serve", "--bogus"}, code: 2, stderr: "unknown flag --bogus", helpHint: "dezura serve --help"},
		{args: []string{"serve", "--procs", "-1"}, code: 2, stderr: "--procs -1", helpHint: "dezura serve --help"},
		{args: []string{"serve", "--procs", "-1", "--dtmf", "x"}, code: 2, stderr: `--dtmf "x": use auto, rfc4733, inband or info; --procs -1`, helpHint: "dezura serve --help"},
		{args: []string{"help", "bogus"}, code: 2, stderr: "bogus", helpHint: "dezura --help"},
		{args: []string{"site", "add", "--code", "5"}, code: 2, stderr: "missing flags: --name", helpHint: "dezura site add --help"},
		{args: []string{"contractor", "show"}, code: 2, stderr: "missing <key>: the contractor ID", helpHint: "dezura contractor show --help"},
		{args: []string{"entries", "list", "--date", "27/11"}, code: 2, stderr: `--date: "27/11" is not a date: write it as 2026-11-27`, helpHint: "dezura entries list --help"},
		{args: []string{"entries", "list", "--date", "2026-11-27", "--from", "2026-11-01"}, code: 2, stderr: "--date and --from", helpHint: "dezura entries list --help"},
		{args: []string{"entries", "show", "abc"}, code: 2, stderr: `entry ID "abc"`, helpHint: "dezura entries show --help"},
		{args: []string{"entries", "cancel", "1", "--by", " ", "--reason", "x"}, code: 2, stderr: "--by and --reason must not be blank", helpHint: "dezura entries cancel --help"},
		{args: []string{"billing", "pay", "2025-000001", "--amount", "16.5", "--method", "振込"}, code: 2,
			stderr: `--amount: "16.5" is not an amount: write whole yen such as 16500 or 16,500`, helpHint: "dezura billing pay --help"},
		{args: []string{"billing", "cancel"}, code: 2, stderr: "give a subscription ID", helpHint: "dezura billing cancel --help"},
		{args: []string{"billing", "run", "--issuer-name", "x", "--issuer-registration", "T1"}, code: 2, stderr: "issuer", helpHint: "dezura billing run --help"},
		{args: []string{"technician", "show", "99999999999999"}, code: 1, stderr: "99999999999999"},
		{args: []string{"entries", "show", "999"}, code: 1, stderr: "entry 999 does not exist (list them with: dezura entries list)"},
		{args: []string{"billing", "invoice", "show", "2099-000001"}, code: 1, stderr: "2099-000001"},
		{args: []string{"dtmf", "detect", "/nonexistent.wav"}, code: 1, stderr: "1 of 1 file could not be read"},
		{args: []string{"--db", "nosuch:x", "migrate"}, code: 1, stderr: "cannot open the store: "},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			args := tt.args
			if len(args) == 0 || args[0] != "--db" {
				args = append([]string{"--db", db}, args...)
			}
			code := runMain(t.Context(), args, cliEnv{Stdout: &out, Stderr: &errb})
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, out.String())
			}
			msg := errb.String()
			if tt.code == 0 {
				if msg != "" {
					t.Errorf("stderr %q, want nothing", msg)
				}
				return
			}
			lines := strings.Split(strings.TrimSuffix(msg, "\n"), "\n")
			last := lines[len(lines)-1] // dtmf detect reports each file first
			if !strings.HasPrefix(last, "dezura: ") || strings.Count(last, "dezura:") != 1 || !strings.Contains(last, tt.stderr) {
				t.Errorf("stderr %q: want one line \"dezura: ...%s...\"", msg, tt.stderr)
			}
			if tt.code == 2 && (len(lines) != 1 || !strings.HasSuffix(last, "(see '"+tt.helpHint+"')")) {
				t.Errorf("usage error %q: want one line ending (see '%s')", msg, tt.helpHint)
			}
		})
	}
}

// TestDBFlagAnywhere: --db before the command, after it, and DEZURA_DB.
func TestDBFlagAnywhere(t *testing.T) {
	a, b, c := tempDB(t), tempDB(t), tempDB(t)
	t.Setenv("DEZURA_DB", c)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--db", a, "migrate"}, a},
		{[]string{"migrate", "--db", b}, b},
		{[]string{"migrate"}, c},
	} {
		var out bytes.Buffer
		if err := run(t.Context(), tt.args, cliEnv{Stdout: &out, Stderr: io.Discard}); err != nil || !strings.Contains(out.String(), tt.want) {
			t.Errorf("%v: %v, %q; want the store %s", tt.args, err, out.String(), tt.want)
		}
	}
	// An empty DEZURA_DB is no setting: the default store in the working
	// directory.
	t.Chdir(t.TempDir())
	t.Setenv("DEZURA_DB", "")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"migrate"}, cliEnv{Stdout: &out, Stderr: io.Discard}); err != nil || !strings.Contains(out.String(), "sqlite:dezura.db") {
		t.Errorf("DEZURA_DB empty: %v, %q; want sqlite:dezura.db", err, out.String())
	}
	for _, args := range [][]string{{"--db", a, "serve"}, {"serve", "--db", a}} {
		var g dezuraCLI
		k, err := newParser(&g, cliEnv{Stdout: io.Discard, Stderr: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.Parse(args); err != nil || g.Serve.DB != a {
			t.Errorf("%v: serve's store %q, %v; want %s", args, g.Serve.DB, err, a)
		}
	}
}

// TestStoreErrorsHidePasswords: a store URL in an error shows no password,
// even where the store quotes the URL it could not use.
func TestStoreErrorsHidePasswords(t *testing.T) {
	for _, db := range []string{"postgress://clerk:s3cret@db.example/dezura", "postgres://clerk:s3cret@127.0.0.1:1/dezura?connect_timeout=1"} {
		var errb bytes.Buffer
		if code := runMain(t.Context(), []string{"--db", db, "migrate"}, cliEnv{Stdout: io.Discard, Stderr: &errb}); code != 1 {
			t.Errorf("%s: exit %d, want 1", db, code)
		}
		if strings.Contains(errb.String(), "s3cret") || !strings.HasPrefix(errb.String(), "dezura: cannot open the store: ") {
			t.Errorf("%s: %q", db, errb.String())
		}
	}
}
