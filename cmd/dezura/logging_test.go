package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/dezura/dezura/dtmf"
	"github.com/dezura/dezura/ivr"
	"github.com/dezura/dezura/sip"
	"github.com/dezura/dezura/sip/guard"
	"github.com/dezura/dezura/sip/trunk"
)

// parseText reads one line of slog's text format into key → value.
func parseText(t *testing.T, line string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for s := strings.TrimSpace(line); s != ""; s = strings.TrimLeft(s, " ") {
		k, rest, ok := strings.Cut(s, "=")
		if !ok {
			t.Fatalf("not key=value at %q", s)
		}
		v := rest
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				t.Fatalf("bad quoting at %q: %v", rest, err)
			}
			v, _ = strconv.Unquote(q)
			rest = rest[len(q):]
		} else {
			v, rest, _ = strings.Cut(rest, " ")
		}
		out[k] = v
		s = rest
	}
	return out
}

// TestLogFormatsAgree: --log-format json says what text says, value for
// value: durations and the enums by name, not as numbers, and a secrets
// table as its count.
func TestLogFormatsAgree(t *testing.T) {
	attrs := []any{
		"deadline", 30 * time.Second, "in", 1500 * time.Millisecond,
		"outcome", ivr.OutcomeRegistered, "reason", sip.EndRemoteBye, "transport", dtmf.TransportRFC4733,
		"verdict", guard.Forbid, "state", trunk.StateRegistered, "cause", trunk.LossNotFound,
		"secrets", guard.Secrets{"pbx": "hunter2"}, "err", errors.New("no route"),
		"n", 3, "s", "two words", "ok", true, "addr", netip.MustParseAddr("192.0.2.1"),
	}
	var text, js bytes.Buffer
	newLogger(&text, slog.LevelInfo, "text").Info("m", attrs...)
	newLogger(&js, slog.LevelInfo, "json").Info("m", attrs...)
	tv := parseText(t, text.String())
	var jv map[string]any
	if err := json.Unmarshal(js.Bytes(), &jv); err != nil {
		t.Fatalf("%v: %s", err, js.String())
	}
	for i := 0; i < len(attrs); i += 2 {
		k := attrs[i].(string)
		if got := fmt.Sprint(jv[k]); got != tv[k] {
			t.Errorf("%s: JSON %q, text %q", k, got, tv[k])
		}
	}
	if strings.Contains(js.String(), "hunter2") || strings.Contains(text.String(), "hunter2") {
		t.Error("a secret reached the log")
	}
	if tv["deadline"] != "30s" || tv["outcome"] != "registered" {
		t.Errorf("text log %q", text.String())
	}
}

// TestLibraryLogsRouted: what sipgo writes to its package-wide default
// logger (a late response, a parse failure) comes out in the service's
// format and above its level only.
func TestLibraryLogsRouted(t *testing.T) {
	old := slog.Default()
	t.Cleanup(func() { slog.SetDefault(old) })
	var out bytes.Buffer
	routeLibraryLogs(newLogger(&out, slog.LevelWarn, "json"))
	sipgo.DefaultLogger().Info("below the level")
	sipgo.DefaultLogger().Warn("UDP ref went negative", "ref", -1)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("lines %q, want the warning only", lines)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil || rec["msg"] != "UDP ref went negative" {
		t.Errorf("line %q (%v)", lines[0], err)
	}
}
