package sip_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/dezura/dezura/prompts"
	dsip "github.com/dezura/dezura/sip"
)

// The steps a new INVITE goes through (sip/invite.go), one test each:
// admit, negotiate, allocateMedia, ring, answer, confirm, run, tearDown.
// Every test calls the real server over UDP on 127.0.0.1.

// inviteResult is what a caller saw of its INVITE.
type inviteResult struct {
	sess        *sipgo.DialogClientSession
	final       *sipmsg.Response
	provisional []int // status codes of the 1xx, in order
}

// inviteWith sends an INVITE with the given body, Content-Type (none if
// "") and headers, and waits for the final response. A 2xx is not ACKed;
// sipgo's transaction ACKs an error response itself.
func (u *uac) inviteWith(ctx context.Context, srv net.Addr, ct string, body []byte, hdrs ...sipmsg.Header) inviteResult {
	u.t.Helper()
	a := srv.(*net.UDPAddr)
	to := sipmsg.Uri{Scheme: "sip", User: "0120123456", Host: a.IP.String(), Port: a.Port}
	from := &sipmsg.FromHeader{Address: sipmsg.Uri{Scheme: "sip", User: "09012345678", Host: "127.0.0.1"}, Params: sipmsg.NewParams()}
	from.Params.Add("tag", sipmsg.GenerateTagN(16))
	hdrs = append(hdrs, from)
	if ct != "" {
		hdrs = append(hdrs, sipmsg.NewHeader("Content-Type", ct))
	}
	sess, err := u.dc.Invite(ctx, to, body, hdrs...)
	if err != nil {
		u.t.Fatalf("INVITE: %v", err)
	}
	var r inviteResult
	r.sess = sess
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(res *sipmsg.Response) error {
		if res.IsProvisional() {
			r.provisional = append(r.provisional, res.StatusCode)
		}
		return nil
	}})
	var de *sipgo.ErrDialogResponse
	switch {
	case errors.As(err, &de):
		r.final = de.Res
	case err != nil:
		u.t.Fatalf("INVITE: %v", err)
	default:
		r.final = sess.InviteResponse
	}
	return r
}

// waitBye returns the Call-ID of the next BYE the server sends.
func (u *uac) waitBye(t *testing.T) string {
	t.Helper()
	select {
	case id := <-u.byes:
		return id
	case <-time.After(10 * time.Second):
		t.Fatal("no BYE from the server")
		return ""
	}
}

// checkRefused checks that no call is left behind by a refused INVITE
// and that it never reached the handler.
func checkRefused(t *testing.T, srv *dsip.Server, handled <-chan struct{}) {
	t.Helper()
	if n := waitIdle(srv); n != 0 {
		t.Errorf("%d active calls after a refused INVITE", n)
	}
	select {
	case <-handled:
		t.Error("a refused INVITE reached the handler")
	default:
	}
}

// rtpPair returns an even port whose pair is free now: a range of one RTP
// port for Config.RTPPortMin and RTPPortMax.
func rtpPair(t *testing.T) int {
	t.Helper()
	for range 100 {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		p := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if p%2 == 0 && p < 65534 {
			return p
		}
	}
	t.Fatal("no even port")
	return 0
}

// mediaPort is the port of the first m= line of an SDP body.
func mediaPort(t *testing.T, body []byte) int {
	t.Helper()
	for _, l := range strings.Split(string(body), "\r\n") {
		var port int
		if _, err := fmt.Sscanf(l, "m=audio %d ", &port); err == nil {
			return port
		}
	}
	t.Fatalf("no m=audio in %q", body)
	return 0
}

// admit: a place among the active calls, then what the INVITE requires;
// 100 Trying once admitted. The caller is hand-written so that responses
// are read in the order they were sent.
func TestInviteAdmit(t *testing.T) {
	handled := make(chan struct{}, 4)
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) { handled <- struct{}{} })
	a := srv.Addr().(*net.UDPAddr)
	tests := []struct {
		name       string
		extra      string // headers
		codes      []int  // the responses, in order
		hdr, value string // a header of the last one
	}{
		{name: "extension we lack", extra: "Require: 100rel, precondition\r\n", codes: []int{420}, hdr: "Unsupported", value: "precondition"},
		{name: "session interval below Min-SE", extra: "Supported: timer\r\nSession-Expires: 89\r\n", codes: []int{422}, hdr: "Min-SE", value: "90"},
		{name: "no Contact", extra: "Contact: -\r\n", codes: []int{400}},
		// Admitted, then refused by the next step (negotiate).
		{name: "admitted", extra: "Require: timer\r\n", codes: []int{100, 415}, hdr: "Accept", value: "application/sdp"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newRawPeer(t)
			callID := fmt.Sprintf("admit-%d", i)
			p.send(a, p.request("INVITE", a, callID, tt.extra, "text/plain", "hello"))
			var res *sipmsg.Response
			for _, code := range tt.codes {
				if res = p.read(5 * time.Second); res == nil || res.StatusCode != code {
					t.Fatalf("got %v, want %d", res, code)
				}
			}
			p.ackError(a, callID, res)
			if tt.hdr != "" && hdr(res, tt.hdr) != tt.value {
				t.Errorf("%s = %q, want %q", tt.hdr, hdr(res, tt.hdr), tt.value)
			}
			checkRefused(t, srv, handled)
		})
	}
}

// admit: past MaxCalls, and while draining, an INVITE gets 503 with
// Retry-After, counted by reason.
func TestInviteAdmitBusy(t *testing.T) {
	refusals := make(chan dsip.Refusal, 2)
	srv := startServer(t, dsip.Config{MaxCalls: 1, OnRefused: func(r dsip.Refusal) { refusals <- r }},
		func(ctx context.Context, c *dsip.Call) { <-ctx.Done() })
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, media := u.call(ctx, srv.Addr(), u.offer("0"))
	u.sendAudio(media)
	busy := func(when string) {
		t.Helper()
		r := u.inviteWith(ctx, srv.Addr(), "application/sdp", u.offer("0"))
		if r.final.StatusCode != 503 || hdr(r.final, "Retry-After") != "5" {
			t.Errorf("%s: answered %d with Retry-After %q, want 503 with 5", when, r.final.StatusCode, hdr(r.final, "Retry-After"))
		}
		if len(r.provisional) != 0 {
			t.Errorf("%s: provisional %v before the 503", when, r.provisional)
		}
		// Each refusal is reported, for the call records.
		select {
		case ref := <-refusals:
			if ref.CallID == "" || ref.CallID == sess.InviteRequest.CallID().Value() || ref.At.IsZero() || ref.Draining != (when == "draining") {
				t.Errorf("%s: refusal %+v", when, ref)
			}
		default:
			t.Errorf("%s: the refusal was not reported", when)
		}
	}
	busy("full")
	sdCtx, sdCancel := context.WithCancel(context.Background())
	defer sdCancel()
	sdErr := make(chan error, 1)
	go func() { sdErr <- srv.Shutdown(sdCtx) }()
	for !srv.Draining() {
		time.Sleep(time.Millisecond)
	}
	busy("draining")
	if st := srv.Stats(); st.RejectedFull != 1 || st.RejectedDraining != 1 || st.Active != 1 {
		t.Errorf("stats: %d rejected full, %d draining, %d active; want 1, 1, 1", st.RejectedFull, st.RejectedDraining, st.Active)
	}
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-sdErr; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// negotiate: the caller's offer, or none (a late offer).
func TestInviteNegotiate(t *testing.T) {
	handled := make(chan struct{}, 4)
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) { handled <- struct{}{} })
	u := newUAC(t)
	ipv6 := []byte("v=0\r\no=a 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
	tests := []struct {
		name       string
		ct         string
		body       []byte
		code       int
		hdr, value string
		answer     string // a line the 200's SDP must have
	}{
		{name: "not SDP", ct: "text/plain", body: []byte("hello"), code: 415, hdr: "Accept", value: "application/sdp"},
		{name: "no G.711", ct: "application/sdp", body: u.offer("9 18"), code: 488},
		{name: "IPv6 media", ct: "application/sdp", body: ipv6, code: 488},
		{name: "malformed", ct: "application/sdp", body: []byte("v=0\r\nnot SDP\r\n"), code: 400},
		{name: "SDP type in any case, with parameters", ct: "Application/SDP; charset=utf-8", body: u.offer("8"),
			code: 200, answer: "a=rtpmap:8 PCMA/8000"},
		{name: "late offer: none", code: 200, answer: "a=rtpmap:0 PCMU/8000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			r := u.inviteWith(ctx, srv.Addr(), tt.ct, tt.body)
			if r.final.StatusCode != tt.code {
				t.Fatalf("answered %d, want %d", r.final.StatusCode, tt.code)
			}
			if tt.hdr != "" && hdr(r.final, tt.hdr) != tt.value {
				t.Errorf("%s = %q, want %q", tt.hdr, hdr(r.final, tt.hdr), tt.value)
			}
			if tt.code != 200 {
				checkRefused(t, srv, handled)
				return
			}
			if !hasLine(r.final.Body(), tt.answer) {
				t.Errorf("200 SDP lacks %q:\n%s", tt.answer, r.final.Body())
			}
			// The handler returns at once, and a late-offer call without an
			// answer in the ACK ends before it: either way the server hangs up.
			if err := r.sess.Ack(ctx); err != nil {
				t.Fatal(err)
			}
			u.waitBye(t)
			if tt.ct != "" {
				waitClosed(t, handled, "handler")
			}
			if n := waitIdle(srv); n != 0 {
				t.Errorf("%d active calls", n)
			}
		})
	}
}

// allocateMedia: the RTP socket comes from the configured range; with the
// range taken the INVITE gets 503.
func TestInviteAllocateMedia(t *testing.T) {
	port := rtpPair(t)
	handled := make(chan struct{}, 4)
	srv := startServer(t, dsip.Config{RTPPortMin: port, RTPPortMax: port + 1}, func(ctx context.Context, c *dsip.Call) {
		handled <- struct{}{}
	})
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	taken, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	r := u.inviteWith(ctx, srv.Addr(), "application/sdp", u.offer("0"))
	if r.final.StatusCode != 503 || hdr(r.final, "Retry-After") != "5" {
		t.Errorf("range taken: answered %d with Retry-After %q, want 503 with 5", r.final.StatusCode, hdr(r.final, "Retry-After"))
	}
	checkRefused(t, srv, handled)
	taken.Close()

	for _, offer := range []struct {
		ct   string
		body []byte
	}{{"application/sdp", u.offer("0")}, {"", nil}} { // an answer, then a late offer
		r := u.inviteWith(ctx, srv.Addr(), offer.ct, offer.body)
		if r.final.StatusCode != 200 {
			t.Fatalf("answered %d, want 200", r.final.StatusCode)
		}
		if got := mediaPort(t, r.final.Body()); got != port {
			t.Errorf("SDP port %d, want %d", got, port)
		}
		if err := r.sess.Ack(ctx); err != nil {
			t.Fatal(err)
		}
		u.waitBye(t)
		if n := waitIdle(srv); n != 0 {
			t.Fatalf("%d active calls", n)
		}
	}
}

// ring: 180 and AnswerDelay before the 200, no 180 when the caller
// requires 100rel; a CANCEL meanwhile gets 487 and frees the RTP port.
func TestInviteRing(t *testing.T) {
	port := rtpPair(t)
	calls := make(chan *dsip.Call, 4)
	srv := startServer(t, dsip.Config{AnswerDelay: 200 * time.Millisecond, RTPPortMin: port, RTPPortMax: port + 1},
		func(ctx context.Context, c *dsip.Call) { calls <- c })
	u := newUAC(t)
	tests := []struct {
		name string
		hdrs []sipmsg.Header
		prov []int
	}{
		{name: "rings", prov: []int{100, 180}},
		{name: "requires 100rel: no 180", hdrs: []sipmsg.Header{sipmsg.NewHeader("Require", "100rel")}, prov: []int{100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			r := u.inviteWith(ctx, srv.Addr(), "application/sdp", u.offer("0"), tt.hdrs...)
			// sipgo hands responses up in goroutines of their own, so the
			// 100 and the 180 sent right after it may come up in either order.
			slices.Sort(r.provisional)
			if r.final.StatusCode != 200 || !slices.Equal(r.provisional, tt.prov) {
				t.Fatalf("answered %v then %d, want %v then 200", r.provisional, r.final.StatusCode, tt.prov)
			}
			if err := r.sess.Ack(ctx); err != nil {
				t.Fatal(err)
			}
			c := waitCall(t, calls)
			// The answer waited: the delay lies between arrival and answer.
			if d := c.AnsweredAt().Sub(c.ArrivedAt()); d < 200*time.Millisecond {
				t.Errorf("answered %v after arrival, want the 200 ms delay", d)
			}
			u.waitBye(t)
			waitIdle(srv)
		})
	}
	t.Run("CANCEL", func(t *testing.T) {
		for range 2 { // the second finds the port the first gave back
			ctx, cancel := context.WithCancel(context.Background())
			sess, err := u.invite(ctx, srv.Addr(), "09012345678", u.offer("0"), sipgo.AnswerOptions{
				OnResponse: func(res *sipmsg.Response) error {
					if res.StatusCode == 180 {
						cancel()
					}
					return nil
				},
			})
			cancel()
			if !errors.Is(err, context.Canceled) || sess.InviteResponse.StatusCode != 487 {
				t.Fatalf("got %v and %d, want a 487", err, sess.InviteResponse.StatusCode)
			}
			if n := waitIdle(srv); n != 0 {
				t.Fatalf("%d active calls after CANCEL", n)
			}
		}
		if len(calls) != 0 {
			t.Error("a cancelled call reached the handler")
		}
	})
}

// ring: Serve stopping while the phone rings gets the INVITE a 503.
func TestInviteRingServerStops(t *testing.T) {
	s, err := dsip.NewServer(dsip.Config{Listen: "127.0.0.1:0", Logger: quiet, AnswerDelay: 5 * time.Second},
		func(ctx context.Context, c *dsip.Call) { t.Error("the handler ran") })
	if err != nil {
		t.Fatal(err)
	}
	srvCtx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- s.Serve(srvCtx) }()
	<-s.Ready()
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = u.invite(ctx, s.Addr(), "09012345678", u.offer("0"), sipgo.AnswerOptions{
		OnResponse: func(res *sipmsg.Response) error {
			if res.StatusCode == 180 {
				stop()
			}
			return nil
		},
	})
	var de *sipgo.ErrDialogResponse
	if !errors.As(err, &de) || de.Res.StatusCode != 503 || hdr(de.Res, "Retry-After") != "5" {
		t.Errorf("got %v, want 503 with Retry-After 5", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// answer: the 200 OK and what it carries; a 200 that cannot be sent ends
// the call as failed before the handler.
func TestInviteAnswer(t *testing.T) {
	logs := newLogRecorder()
	calls := make(chan *dsip.Call, 1)
	srv := startServer(t, dsip.Config{Logger: logs.logger()}, func(ctx context.Context, c *dsip.Call) { calls <- c })
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := u.inviteWith(ctx, srv.Addr(), "application/sdp", u.offer("0 101", "a=rtpmap:101 telephone-event/8000"),
		sipmsg.NewHeader("Supported", "timer"))
	want := map[string]string{
		"Content-Type": "application/sdp", "Allow": "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE",
		"Supported": "timer", "Session-Expires": "1800;refresher=uas", "Require": "timer",
	}
	for h, v := range want {
		if got := hdr(r.final, h); got != v {
			t.Errorf("200 %s = %q, want %q", h, got, v)
		}
	}
	if r.final.Contact() == nil {
		t.Error("200 without Contact")
	}
	for _, l := range []string{"a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000"} {
		if !hasLine(r.final.Body(), l) {
			t.Errorf("answer lacks %q:\n%s", l, r.final.Body())
		}
	}
	if err := r.sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	c := waitCall(t, calls)
	if c.AnsweredAt().Before(c.ArrivedAt()) || c.AnsweredAt().IsZero() {
		t.Errorf("answered at %v, arrived at %v", c.AnsweredAt(), c.ArrivedAt())
	}
	u.waitBye(t)
	waitIdle(srv)
	if st := srv.Stats(); st.Answered != 1 || st.Setup.Count != 1 {
		t.Errorf("stats: %d answered, %d set-up times; want 1, 1", st.Answered, st.Setup.Count)
	}

	// A Record-Route goes into the 200 but not into 100 Trying: this one
	// makes the 200 too large for UDP, so it cannot be sent.
	p := newRawPeer(t)
	rr := "Record-Route: <sip:proxy.invalid;lr;pad=" + strings.Repeat("x", 1300) + ">\r\n"
	p.send(srv.Addr(), p.invite(srv.Addr(), "answer-fails", rr, "application/sdp", string(u.offer("0"))))
	if res := p.read(5 * time.Second); res == nil || res.StatusCode != 100 {
		t.Fatalf("got %v, want 100 Trying", res)
	}
	if n := waitIdle(srv); n != 0 {
		t.Fatalf("%d active calls after a failed 200", n)
	}
	if st := srv.Stats(); st.Ended[dsip.EndFailed] != 1 || st.Answered != 1 {
		t.Errorf("stats: %d failed, %d answered; want 1, 1", st.Ended[dsip.EndFailed], st.Answered)
	}
	if len(calls) != 0 {
		t.Error("the handler ran for a call whose 200 failed")
	}
	if got := logs.find("answer failed", "answer-fails"); len(got) != 1 || got[0]["level"] != "WARN" || got[0]["status"] != 200.0 {
		t.Errorf("answer failed logged as %v, want once at WARN with status 200", got)
	}
}

// confirm: a late offer's answer comes in the ACK; one that does not fit
// our offer ends the call with BYE before the handler.
func TestInviteConfirm(t *testing.T) {
	calls := make(chan *dsip.Call, 4)
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) {
		calls <- c
		<-ctx.Done()
	})
	tests := []struct {
		name    string
		formats string // the answer's formats; "" sends an ACK without SDP
		attrs   []string
		codec   string // "" when the call must end with BYE
	}{
		{name: "PCMA with events", formats: "8 101", attrs: []string{"a=rtpmap:101 telephone-event/8000"}, codec: "PCMA"},
		{name: "PCMU", formats: "0", codec: "PCMU"},
		{name: "no answer", formats: ""},
		{name: "a codec we did not offer", formats: "18"},
		{name: "events on a payload type we did not offer", formats: "0 96", attrs: []string{"a=rtpmap:96 telephone-event/8000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newUAC(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			r := u.inviteWith(ctx, srv.Addr(), "", nil)
			if r.final.StatusCode != 200 {
				t.Fatalf("answered %d", r.final.StatusCode)
			}
			ack := sipmsg.NewRequest(sipmsg.ACK, r.final.Contact().Address)
			if tt.formats != "" {
				ack.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
				ack.SetBody(u.offer(tt.formats, tt.attrs...))
			}
			if err := r.sess.WriteAck(ctx, ack); err != nil {
				t.Fatal(err)
			}
			if tt.codec == "" {
				u.waitBye(t)
				waitIdle(srv)
				if len(calls) != 0 {
					t.Error("the handler ran")
				}
				return
			}
			c := waitCall(t, calls)
			if got := c.Media().CodecName(); got != tt.codec {
				t.Errorf("codec %s, want %s", got, tt.codec)
			}
			if err := r.sess.Bye(ctx); err != nil {
				t.Fatal(err)
			}
			waitClosed(t, c.Done(), "call end")
		})
	}
	if st := srv.Stats(); st.Ended[dsip.EndFailed] != 3 || st.Ended[dsip.EndRemoteBye] != 2 {
		t.Errorf("ended: %v, want 3 failed and 2 by the caller", st.Ended)
	}
}

// run: the handler starts once the ACK has come, and its return hangs up.
func TestInviteRun(t *testing.T) {
	started := make(chan struct{}, 1)
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) {
		started <- struct{}{}
		<-c.Play([]*prompts.Clip{testClip(2)})
	})
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := u.inviteWith(ctx, srv.Addr(), "application/sdp", u.offer("0"))
	if r.final.StatusCode != 200 {
		t.Fatalf("answered %d", r.final.StatusCode)
	}
	time.Sleep(300 * time.Millisecond) // sipgo retransmits the 200 meanwhile
	select {
	case <-started:
		t.Fatal("the handler started before the ACK")
	default:
	}
	if err := r.sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, started, "handler")
	if id := u.waitBye(t); id != r.sess.InviteRequest.CallID().Value() {
		t.Errorf("BYE for %s", id)
	}
	waitIdle(srv) // the call is counted once its BYE is answered
	if st := srv.Stats(); st.Ended[dsip.EndHangup] != 1 {
		t.Errorf("ended: %v, want 1 hung up", st.Ended)
	}
}

// tearDown: once a call has ended, its dialog is gone (481), its place
// among the active calls and its RTP port are free.
func TestInviteTearDown(t *testing.T) {
	port := rtpPair(t)
	calls := make(chan *dsip.Call, 2)
	srv := startServer(t, dsip.Config{RTPPortMin: port, RTPPortMax: port + 1, MaxCalls: 1}, func(ctx context.Context, c *dsip.Call) {
		calls <- c
		<-ctx.Done()
	})
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 2 { // the second call needs the first one's port and place
		sess, _ := u.call(ctx, srv.Addr(), u.offer("0"))
		c := waitCall(t, calls)
		if code := u.info(ctx, sess, "application/dtmf", "5"); code != 200 {
			t.Errorf("call %d: INFO during the call answered %d", i, code)
		}
		if err := sess.Bye(ctx); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, c.Done(), "call end")
		if n := waitIdle(srv); n != 0 {
			t.Fatalf("call %d: %d active calls after it ended", i, n)
		}
		if code := u.info(ctx, sess, "application/dtmf", "5"); code != 481 {
			t.Errorf("call %d: INFO after the call answered %d, want 481", i, code)
		}
	}
}

// Responses that cannot be sent are logged once each, with the Call-ID
// and the status: a warning for a final response, debug for 100 Trying.
// A From padded past sipgo's 1,300-byte UDP limit makes every response
// to the request too large.
func TestResponseFailureLogged(t *testing.T) {
	logs := newLogRecorder()
	srv := startServer(t, dsip.Config{Logger: logs.logger()}, func(ctx context.Context, c *dsip.Call) { t.Error("the handler ran") })
	p := newRawPeer(t)
	pad := "From: \"" + strings.Repeat("x", 1300) + "\" <sip:09012345678@127.0.0.1>;tag=pad\r\n"
	a := srv.Addr().(*net.UDPAddr)
	tests := []struct {
		name   string
		msg    string
		status []float64 // the responses that fail, in order
		levels []string
	}{
		{name: "OPTIONS", msg: p.request("OPTIONS", a, "fail-options", pad, "", ""), status: []float64{200}, levels: []string{"WARN"}},
		{name: "INVITE refused before its dialog", msg: p.request("INVITE", a, "fail-420", pad+"Require: foo\r\n", "", ""),
			status: []float64{420}, levels: []string{"WARN"}},
		{name: "INVITE refused in its dialog", msg: p.request("INVITE", a, "fail-415", pad, "text/plain", "hello"),
			status: []float64{100, 415}, levels: []string{"DEBUG", "WARN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.send(srv.Addr(), tt.msg)
			id := callIDIn(tt.msg)
			var got []map[string]any
			for deadline := time.Now().Add(5 * time.Second); len(got) < len(tt.status) && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
				got = logs.find("response not sent", id)
			}
			time.Sleep(100 * time.Millisecond) // a second line would come now
			got = logs.find("response not sent", id)
			if len(got) != len(tt.status) {
				t.Fatalf("%d lines for %s, want %d: %v", len(got), id, len(tt.status), got)
			}
			for i, l := range got {
				if l["status"] != tt.status[i] || l["level"] != tt.levels[i] || l["error"] == nil {
					t.Errorf("line %d: %v, want status %v at %s with the error", i, l, tt.status[i], tt.levels[i])
				}
			}
			if res := p.read(50 * time.Millisecond); res != nil {
				t.Errorf("got %d, want nothing", res.StatusCode)
			}
		})
	}
	if n := waitIdle(srv); n != 0 {
		t.Errorf("%d active calls", n)
	}
}

// callIDIn is the Call-ID of a hand-written message.
func callIDIn(msg string) string {
	for _, l := range strings.Split(msg, "\r\n") {
		if v, ok := strings.CutPrefix(l, "Call-ID: "); ok {
			return v
		}
	}
	return ""
}

// rawPeer sends hand-written SIP messages from its own socket on
// 127.0.0.1 and reads the responses: for what sipgo's client will not
// send (a request over its UDP size limit).
type rawPeer struct {
	t    *testing.T
	conn *net.UDPConn
	port int
}

func newRawPeer(t *testing.T) *rawPeer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPeer{t: t, conn: c, port: c.LocalAddr().(*net.UDPAddr).Port}
}

// request writes a request with the usual headers and the body. extra
// adds headers; a From in it replaces ours, and "Contact: -" leaves the
// Contact out.
func (p *rawPeer) request(method string, to *net.UDPAddr, callID, extra, ct, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s sip:0120123456@%s SIP/2.0\r\n", method, to)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s\r\n", p.port, callID)
	if !strings.Contains(extra, "From:") {
		b.WriteString("From: <sip:09012345678@127.0.0.1>;tag=raw\r\n")
	}
	fmt.Fprintf(&b, "To: <sip:0120123456@%s>\r\nCall-ID: %s\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\n", to, callID, method)
	if noContact := "Contact: -\r\n"; strings.Contains(extra, noContact) {
		extra = strings.Replace(extra, noContact, "", 1)
	} else {
		fmt.Fprintf(&b, "Contact: <sip:raw@127.0.0.1:%d>\r\n", p.port)
	}
	b.WriteString(extra)
	if ct != "" {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", ct)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return b.String()
}

// ackError acknowledges an error response to the INVITE of callID sent
// by request (RFC 3261 §17.1.1.3: its branch, the response's To).
func (p *rawPeer) ackError(to *net.UDPAddr, callID string, res *sipmsg.Response) {
	p.t.Helper()
	p.send(to, fmt.Sprintf("ACK sip:0120123456@%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s\r\n"+
		"From: <sip:09012345678@127.0.0.1>;tag=raw\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		to, p.port, callID, res.To().Value(), callID))
}

// invite writes an INVITE to srv.
func (p *rawPeer) invite(srv net.Addr, callID, extra, ct, body string) string {
	return p.request("INVITE", srv.(*net.UDPAddr), callID, extra, ct, body)
}

func (p *rawPeer) send(to net.Addr, msg string) {
	p.t.Helper()
	if _, err := p.conn.WriteTo([]byte(msg), to); err != nil {
		p.t.Fatal(err)
	}
}

// read returns the next response, or nil if none comes within wait.
func (p *rawPeer) read(wait time.Duration) *sipmsg.Response {
	p.t.Helper()
	buf := make([]byte, 65535)
	if err := p.conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		p.t.Fatal(err)
	}
	n, err := p.conn.Read(buf)
	if err != nil {
		return nil
	}
	msg, err := sipmsg.ParseMessage(buf[:n])
	if err != nil {
		p.t.Fatalf("unparsable answer: %v", err)
	}
	res, ok := msg.(*sipmsg.Response)
	if !ok {
		p.t.Fatalf("got a request: %s", msg)
	}
	return res
}

// logRecorder keeps a server's log lines (JSON, debug level up).
type logRecorder struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func newLogRecorder() *logRecorder { return &logRecorder{} }

func (r *logRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

func (r *logRecorder) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(r, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// find returns the lines with the message msg and the Call-ID callID.
func (r *logRecorder) find(msg, callID string) []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(r.buf.Bytes()))
	for sc.Scan() {
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) == nil && l["msg"] == msg && l["call_id"] == callID {
			out = append(out, l)
		}
	}
	return out
}
