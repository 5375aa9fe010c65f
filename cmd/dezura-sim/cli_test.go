package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/simulator"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "usage: dezura-sim"},
		{[]string{"dial"}, exitUsage, `unknown command "dial"`},
		{[]string{"help"}, exitOK, ""},
		{[]string{"call", "-h"}, exitOK, "--to"},
		{[]string{"call"}, exitUsage, "--to is required"},
		{[]string{"call", "--to", "ivr@127.0.0.1"}, exitUsage, "not a SIP URI"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--keys", "12x"}, exitUsage, `"x" is not a telephone key`},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--dtmf", "pulse"}, exitUsage, "use rfc4733, inband or info"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--codecs", "OPUS"}, exitUsage, "not one of PCMU"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--from", "abc"}, exitUsage, "not a phone number"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--event-pt", "8"}, exitUsage, "96-127"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--timeout", "0s"}, exitUsage, "positive"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--hangup-after", "2", "--keys", "1"}, exitUsage, "1 key groups"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "extra"}, exitUsage, "unexpected argument"},
		{[]string{"call", "--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--cancel-after", "-1s"}, exitUsage, "must not be negative"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--rfc4733", "sloppy"}, exitUsage, "use no-marker"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--rfc4733", "lost-first=x"}, exitUsage, "lost-first=2"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--level", "-10"}, exitUsage, "LOW,HIGH"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--noise", "40"}, exitUsage, "negative"},
		{[]string{"call", "--to", "sip:ivr@127.0.0.1", "--key-hold", "5ms"}, exitUsage, "at least 20ms"},
		{[]string{"load", "-h"}, exitOK, "--concurrency"},
		{[]string{"load"}, exitUsage, "--to is required"},
		{[]string{"load", "--to", "sip:ivr@127.0.0.1", "--scenario", "lunch"}, exitUsage, "use one of checkin"},
		{[]string{"load", "--to", "sip:ivr@127.0.0.1", "--scenario", "foreman", "--crew", "9"}, exitUsage, "the demo crew has 3"},
		{[]string{"load", "--to", "sip:ivr@127.0.0.1", "--scenario", "foreman", "--crew", "-1"}, exitUsage, "the demo crew has 3"},
		{[]string{"load", "--to", "sip:ivr@127.0.0.1", "--crew", "2"}, exitUsage, "--crew is for --scenario foreman"},
		{[]string{"load", "--to", "sip:ivr@127.0.0.1", "--concurrency", "0"}, exitUsage, "at least 1"},
		{[]string{"load", "--to", "sip:ivr@127.0.0.1", "--cps", "-1"}, exitUsage, "0 or more"},
		{[]string{"load", "--to", "sip:ivr@127.0.0.1", "--site", "12a"}, exitUsage, "a site code is digits"},
		{[]string{"load", "--to", "sip:ivr@127.0.0.1", "--dtmf", "x"}, exitUsage, "use rfc4733"},
		{[]string{"load", "--to", "sip:ivr@127.0.0.1", "--callers", "0"}, exitUsage, "--callers 0: at least 1"},
		{[]string{"load", "--to", "sip:ivr@127.0.0.1", "--procs", "-1"}, exitUsage, "--procs -1: give 1 to 1024"},
		{[]string{"load", "--to", "sip:ivr@127.0.0.1", "--from", "99999999990", "--callers", "11"}, exitUsage, "stay 11 digits long"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runMain(context.Background(), tt.args, &out, &errb)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.code, errb.String())
			}
			if !strings.Contains(out.String()+errb.String(), tt.want) {
				t.Errorf("output lacks %q:\n%s%s", tt.want, out.String(), errb.String())
			}
		})
	}
}

func TestParseCall(t *testing.T) {
	c, err := parseCall([]string{"--to", "sip:ivr@127.0.0.1:5060", "--from", "09012345678", "--keys", "1234#, 1", "--codecs", "pcma,PCMU", "--dtmf", "inband", "--timeout", "5s", "--json"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Keys, "|") != "1234#|1" || strings.Join(c.Codecs, "|") != "pcma|PCMU" || c.DTMF != "inband" || c.Timeout != 5*time.Second || !c.JSON {
		t.Errorf("config %+v", c)
	}
	c2, err := parseCall([]string{"--to", "sip:ivr@127.0.0.1", "--rfc4733", "no-marker,lost-first=2,single-end,retimestamp",
		"--level", "-28,-25", "--shift", "0.015", "--noise", "-40", "--key-hold", "2s", "--key-gap", "60ms"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := simulator.DigitStyle{Tone: 2 * time.Second, Gap: 60 * time.Millisecond, NoMarker: true, LostFirst: 2, SingleEnd: true,
		RetimestampedEnds: true, LowDBm0: -28, HighDBm0: -25, Shift: 0.015, NoiseDBm0: -40}
	if c2.Digits != want || c2.options(nil).Digits != want {
		t.Errorf("digit style %+v, want %+v", c2.Digits, want)
	}
	o := c.options(slog.New(slog.DiscardHandler))
	if o.To != c.To || o.MaxDuration != 5*time.Second || len(o.Keys) != 2 || o.EventPT != 101 {
		t.Errorf("options %+v", o)
	}
}

func TestParseLoadScenarios(t *testing.T) {
	crew := ledger.DemoCrew()
	tests := []struct {
		args     []string
		from     string
		keys     string
		keyEarly bool
	}{
		{[]string{"--scenario", "checkin"}, "09012345678", "1234#|1", false},
		{[]string{"--scenario", "checkout", "--site", "55"}, "09012345678", "55#|2", false},
		{[]string{"--scenario", "foreman"}, "09012340000", "1234#1|" + strings.Join(crew, "|") + "|#", true},
		{[]string{"--scenario", "foreman", "--crew", "1", "--site", "55"}, "09012340000", "55#1|" + crew[0] + "|#", true},
		{[]string{"--scenario", "foreman", "--from", "0312345678"}, "0312345678", "1234#1|" + strings.Join(crew, "|") + "|#", true},
		{[]string{"--from", "09012340000", "--scenario", "foreman", "--crew", "3"}, "09012340000", "1234#1|" + strings.Join(crew, "|") + "|#", true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			c, err := parseLoad(append([]string{"--to", "sip:ivr@127.0.0.1"}, tt.args...), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			o := c.options(nil)
			if o.Call.From != tt.from || strings.Join(o.Call.Keys, "|") != tt.keys || o.Call.KeyEarly != tt.keyEarly {
				t.Errorf("from %q keys %q early %v; want %q %q %v", o.Call.From, strings.Join(o.Call.Keys, "|"), o.Call.KeyEarly, tt.from, tt.keys, tt.keyEarly)
			}
		})
	}
	// --callers spreads the calls over consecutive numbers, zeros kept.
	c, err := parseLoad([]string{"--to", "sip:ivr@127.0.0.1", "--from", "09000000998", "--callers", "3"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	o := c.options(nil)
	var got []string
	for i := range 4 {
		got = append(got, o.From(i))
	}
	if want := "09000000998 09000000999 09000001000 09000000998"; strings.Join(got, " ") != want {
		t.Errorf("--callers 3 numbers %q, want %q", strings.Join(got, " "), want)
	}
	// The foreman's number is the demo foreman's, in national form.
	if n, err := ledger.NormalizePhone(defaultForemanFrom); err != nil || n != ledger.DemoForemanPhone {
		t.Errorf("NormalizePhone(%s) = %s, %v; want %s", defaultForemanFrom, n, err, ledger.DemoForemanPhone)
	}
}

// rejecter is a SIP service that answers every INVITE with 488.
func rejecter(t *testing.T) string {
	t.Helper()
	lg := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(lg)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(lg)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(lg))
	if err != nil {
		t.Fatal(err)
	}
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil))
	})
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.ServeUDP(conn) }()
	t.Cleanup(func() { _ = ua.Close(); _ = conn.Close(); <-done })
	return "sip:ivr@" + conn.LocalAddr().String()
}

func TestCallRejectedExitCode(t *testing.T) {
	to := rejecter(t)
	var out, errb bytes.Buffer
	code := runMain(context.Background(), []string{"call", "--to", to, "--codecs", "G729", "--timeout", "10s"}, &out, &errb)
	if code != exitFail || !strings.Contains(errb.String(), "488") || !strings.Contains(out.String(), "status:        488") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	code = runMain(context.Background(), []string{"call", "--to", to, "--json"}, &out, &errb)
	var r callReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out.String())
	}
	if code != exitFail || r.OK || r.Status != 488 || r.EndedBy != "rejected" || r.Error == "" {
		t.Errorf("exit %d report %+v", code, r)
	}
}

func TestCallNoAnswerExitCode(t *testing.T) {
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	var out, errb bytes.Buffer
	code := runMain(context.Background(), []string{"call", "--to", "sip:ivr@" + hole.LocalAddr().String(), "--timeout", "300ms"}, &out, &errb)
	if code != exitFail || !strings.Contains(errb.String(), "no answer") {
		t.Errorf("exit %d stderr %s", code, errb.String())
	}
}

func TestLoadRejectedExitCode(t *testing.T) {
	to := rejecter(t)
	var out, errb bytes.Buffer
	code := runMain(context.Background(), []string{"load", "--to", to, "--scenario", "one-call", "--concurrency", "2", "--cps", "0", "--duration", "300ms", "--json"}, &out, &errb)
	var r struct {
		Attempted int            `json:"attempted"`
		Failed    int            `json:"failed"`
		FailedBy  map[string]int `json:"failed_by"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out.String())
	}
	if code != exitFail || r.Attempted == 0 || r.Failed != r.Attempted || r.FailedBy["rejected-488"] != r.Attempted || !strings.Contains(errb.String(), "rejected-488") {
		t.Errorf("exit %d report %+v stderr %s", code, r, errb.String())
	}
}

func TestJudge(t *testing.T) {
	tests := []struct {
		name string
		cfg  callConfig
		res  simulator.Result
		err  error
		ok   bool
		want string
	}{
		{"service hung up", callConfig{}, simulator.Result{Status: 200, EndedBy: simulator.EndedRemoteBye}, nil, true, ""},
		{"hung up as asked", callConfig{HangupAt: 1}, simulator.Result{Status: 200, EndedBy: simulator.EndedLocalBye}, nil, true, ""},
		{"cancelled as asked", callConfig{CancelAt: time.Second}, simulator.Result{Status: 487, EndedBy: simulator.EndedCancel}, nil, true, ""},
		{"cancel not answered 487", callConfig{CancelAt: time.Second}, simulator.Result{Status: 180, EndedBy: simulator.EndedCancel}, nil, false, "cancelled"},
		{"488", callConfig{}, simulator.Result{Status: 488, EndedBy: simulator.EndedRejected}, nil, false, "codecs"},
		{"503", callConfig{}, simulator.Result{Status: 503, EndedBy: simulator.EndedRejected}, nil, false, "503"},
		{"service never hung up", callConfig{}, simulator.Result{Status: 200, EndedBy: simulator.EndedTimeout}, nil, false, "did not hang up"},
		{"no answer", callConfig{}, simulator.Result{EndedBy: simulator.EndedTimeout}, nil, false, "no answer"},
		{"interrupted", callConfig{}, simulator.Result{Status: 200, EndedBy: simulator.EndedLocalBye}, context.Canceled, false, "interrupted"},
		{"network error", callConfig{}, simulator.Result{}, simulator.ErrNoAnswer, false, "is the service running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := judge(tt.cfg, tt.res, tt.err)
			if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("judge = %v, want ok %v containing %q", err, tt.ok, tt.want)
			}
		})
	}
}
