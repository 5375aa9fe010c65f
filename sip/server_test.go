package sip_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"

	"github.com/dezura/dezura/prompts"
	dsip "github.com/dezura/dezura/sip"
)

// testClip is a prompt whose frames are recognisable: frame i of the μ-law
// version is filled with byte 0x10+i.
func testClip(frames int) *prompts.Clip {
	c := &prompts.Clip{Name: "test", Ulaw: make([]byte, frames*prompts.FrameSize), Alaw: make([]byte, frames*prompts.FrameSize)}
	for i := range c.Ulaw {
		c.Ulaw[i] = 0x10 + byte(i/prompts.FrameSize)
		c.Alaw[i] = 0x90 + byte(i/prompts.FrameSize)
	}
	return c
}

// TestCallPlaysAndTakesDigits: 200 with a correct answer, paced RTP that
// carries the clip, RFC 4733 digits out of Keys, BYE from the caller.
// callCase is one SDP offer of TestCallPlaysAndTakesDigits.
type callCase struct {
	name    string
	formats string
	attrs   []string
	law     prompts.Law
	answer  []string // lines the SDP answer must have
}

func TestCallPlaysAndTakesDigits(t *testing.T) {
	tests := []callCase{
		{name: "PCMU, te 101", formats: "0 8 101", attrs: []string{"a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16"},
			law: prompts.Ulaw, answer: []string{"m=audio", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20"}},
		{name: "PCMA preferred, te 96", formats: "8 0 96", attrs: []string{"a=rtpmap:96 telephone-event/8000"},
			law: prompts.Alaw, answer: []string{"a=rtpmap:8 PCMA/8000", "a=rtpmap:96 telephone-event/8000", "a=ptime:20"}},
	}
	for _, tt := range tests {
		// The media goes out through the io_uring send ring by default,
		// and with one sendto per packet when asked.
		for _, sendto := range []bool{false, true} {
			send := "io_uring"
			if sendto {
				send = "sendto"
			}
			t.Run(tt.name+"/"+send, func(t *testing.T) {
				testCallPlaysAndTakesDigits(t, dsip.Config{SendWithSendto: sendto}, tt)
			})
		}
	}
}

// testCallPlaysAndTakesDigits is one case of TestCallPlaysAndTakesDigits.
func testCallPlaysAndTakesDigits(t *testing.T, cfg dsip.Config, tt callCase) {
	type result struct {
		keys      string
		transport string
		reason    dsip.EndReason
		caller    string
	}
	const frames = 25
	res := make(chan result, 1)
	played := make(chan struct{})
	srv := startServer(t, cfg, func(ctx context.Context, c *dsip.Call) {
		<-c.Play([]*prompts.Clip{testClip(frames)})
		close(played)
		var keys []byte
		for len(keys) < 3 {
			select {
			case k := <-c.Keys():
				keys = append(keys, k)
			case <-c.Done():
				res <- result{keys: string(keys), reason: c.EndReason()}
				return
			}
		}
		<-c.Done()
		res <- result{keys: string(keys), transport: c.DTMFTransport(), reason: c.EndReason(), caller: c.Caller()}
	})
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, media := u.call(ctx, srv.Addr(), u.offer(tt.formats, tt.attrs...))
	body := sess.InviteResponse.Body()
	for _, l := range tt.answer {
		if l == "m=audio" {
			continue
		}
		if !hasLine(body, l) {
			t.Errorf("answer lacks %q:\n%s", l, body)
		}
	}
	u.sendAudio(media)
	waitClosed(t, played, "playlist")
	time.Sleep(100 * time.Millisecond) // a few silence frames after the clip
	ptEvents := uint8(101)
	if tt.formats[0] == '8' {
		ptEvents = 96
	}
	seq := uint16(5000)
	for i, k := range []byte("1#5") {
		u.sendDigit(media, ptEvents, k, &seq, uint32(100000+i*8000))
	}
	time.Sleep(100 * time.Millisecond)
	if err := sess.Bye(ctx); err != nil {
		t.Fatalf("BYE: %v", err)
	}
	var r result
	select {
	case r = <-res:
	case <-ctx.Done():
		t.Fatal("handler did not finish")
	}
	if r.keys != "1#5" || r.transport != "rfc4733" || r.reason != dsip.EndRemoteBye || r.caller != "09012345678" {
		t.Errorf("got %+v", r)
	}
	checkRTP(t, u.received(), tt.law, frames)
	ms := srv.MediaStats()
	if ring := ms.RingShards == ms.Shards && ms.Shards > 0; ring == cfg.SendWithSendto || ms.RingErrors != 0 {
		t.Errorf("SendWithSendto %v: %d of %d shards on the io_uring ring, %d ring errors", cfg.SendWithSendto, ms.RingShards, ms.Shards, ms.RingErrors)
	}
}

// checkRTP checks one SSRC, marker on the first packet, sequence +1,
// timestamps +160 per frame, the clip's frames in order, silence around.
func checkRTP(t *testing.T, pkts []rtpArrival, law prompts.Law, frames int) {
	t.Helper()
	if len(pkts) < frames+5 {
		t.Fatalf("only %d RTP packets", len(pkts))
	}
	pt, base, silence := uint8(0), byte(0x10), byte(0xff)
	if law == prompts.Alaw {
		pt, base, silence = 8, 0x90, 0xd5
	}
	if !pkts[0].h.Marker {
		t.Error("no marker bit on the first packet")
	}
	clipStart := -1
	for i, p := range pkts {
		if p.h.SSRC != pkts[0].h.SSRC || p.h.PayloadType != pt || len(p.payload) != 160 {
			t.Fatalf("packet %d: ssrc %x pt %d len %d", i, p.h.SSRC, p.h.PayloadType, len(p.payload))
		}
		if i > 0 {
			if p.h.Marker {
				t.Errorf("packet %d: marker", i)
			}
			if p.h.SequenceNumber != pkts[i-1].h.SequenceNumber+1 {
				t.Fatalf("packet %d: seq %d after %d", i, p.h.SequenceNumber, pkts[i-1].h.SequenceNumber)
			}
			if d := p.h.Timestamp - pkts[i-1].h.Timestamp; d == 0 || d%160 != 0 {
				t.Fatalf("packet %d: timestamp step %d", i, d)
			}
		}
		if clipStart < 0 && p.payload[0] == base {
			clipStart = i
		}
	}
	if clipStart < 0 {
		t.Fatal("clip never heard")
	}
	for f := range frames {
		p := pkts[clipStart+f]
		for _, b := range p.payload {
			if b != base+byte(f) {
				t.Fatalf("clip frame %d: byte %x", f, b)
			}
		}
	}
	if clipStart+frames >= len(pkts) || pkts[clipStart+frames].payload[0] != silence {
		t.Error("no silence after the clip")
	}
	if clipStart > 0 && pkts[clipStart-1].payload[0] != silence {
		t.Error("no silence before the clip")
	}
	// Not faster than real time: the sender's deadlines are 20 ms apart.
	n := len(pkts) - 1
	span := pkts[n].at.Sub(pkts[0].at)
	if avg := span / time.Duration(n); avg < 15*time.Millisecond {
		t.Errorf("packets every %v on average: burst sending", avg)
	}
	t.Logf("%d packets over %v (%.2f ms apart)", len(pkts), span, float64(span)/float64(n)/1e6)
}

// TestHangupByServer: the handler returns, the server sends BYE.
func TestHangupByServer(t *testing.T) {
	got := make(chan dsip.EndReason, 1)
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) {
		<-c.Play([]*prompts.Clip{testClip(3)})
		go func() { <-c.Done(); got <- c.EndReason() }()
	})
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, media := u.call(ctx, srv.Addr(), u.offer("0"))
	u.sendAudio(media)
	select {
	case id := <-u.byes:
		if id != sess.InviteRequest.CallID().Value() {
			t.Errorf("BYE for %s", id)
		}
	case <-ctx.Done():
		t.Fatal("no BYE from the server")
	}
	if r := <-got; r != dsip.EndHangup {
		t.Errorf("reason %s", r)
	}
	if n := len(u.received()); n < 3 {
		t.Errorf("%d packets before BYE, want the clip's 3 at least", n)
	}
	if st := srv.MediaStats(); st.Ticks < 3 || st.Shards < 1 {
		t.Errorf("media stats %+v", st)
	}
}

// TestRejections: responses that end an INVITE or answer a probe.
func TestRejections(t *testing.T) {
	handled := make(chan struct{}, 8)
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) { handled <- struct{}{} })
	u := newUAC(t)
	tests := []struct {
		name string
		body []byte
		code int
	}{
		{name: "no G.711", body: u.offer("9 18 101", "a=rtpmap:101 telephone-event/8000"), code: 488},
		{name: "malformed SDP", body: []byte("v=0\r\nthis is not SDP\r\n"), code: 400},
		{name: "SDP without c=", body: []byte("v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"), code: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := u.invite(ctx, srv.Addr(), "0311112222", tt.body, sipgo.AnswerOptions{})
			var de *sipgo.ErrDialogResponse
			if !errors.As(err, &de) || de.Res.StatusCode != tt.code {
				t.Fatalf("got %v, want %d", err, tt.code)
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if res := u.request(ctx, sipmsg.OPTIONS, srv.Addr()); res.StatusCode != 200 {
		t.Errorf("OPTIONS: %d", res.StatusCode)
	}
	if res := u.request(ctx, sipmsg.REGISTER, srv.Addr()); res.StatusCode != 405 {
		t.Errorf("REGISTER: %d", res.StatusCode)
	}
	checkRefused(t, srv, handled)
}

// TestCancelBeforeAnswer: CANCEL while ringing gives 487 to the INVITE.
func TestCancelBeforeAnswer(t *testing.T) {
	handled := make(chan struct{}, 1)
	srv := startServer(t, dsip.Config{AnswerDelay: 5 * time.Second}, func(ctx context.Context, c *dsip.Call) { handled <- struct{}{} })
	u := newUAC(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ringing := false
	sess, err := u.invite(ctx, srv.Addr(), "09012345678", u.offer("0"), sipgo.AnswerOptions{
		OnResponse: func(res *sipmsg.Response) error {
			if res.StatusCode == 180 {
				ringing = true
				cancel()
			}
			return nil
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if !ringing {
		t.Error("no 180 Ringing")
	}
	if code := sess.InviteResponse.StatusCode; code != 487 {
		t.Errorf("INVITE answered %d, want 487", code)
	}
	checkRefused(t, srv, handled)
}

// TestRTPTimeout: a caller that sends no RTP is hung up.
func TestRTPTimeout(t *testing.T) {
	got := make(chan dsip.EndReason, 1)
	srv := startServer(t, dsip.Config{RTPTimeout: 300 * time.Millisecond}, func(ctx context.Context, c *dsip.Call) {
		<-c.Done()
		got <- c.EndReason()
	})
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, _ := u.call(ctx, srv.Addr(), u.offer("0"))
	select {
	case id := <-u.byes:
		if id != sess.InviteRequest.CallID().Value() {
			t.Errorf("BYE for %s", id)
		}
	case <-ctx.Done():
		t.Fatal("no BYE after RTP timeout")
	}
	if r := <-got; r != dsip.EndRTPTimeout {
		t.Errorf("reason %s", r)
	}
}

// TestEndCauseSeenWithTheContext: a caller's BYE cancels the handler's
// context, and the call already says why: a flow that wakes on the
// context does not mistake the caller's hang-up for a shutdown.
func TestEndCauseSeenWithTheContext(t *testing.T) {
	got := make(chan string, 1)
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) {
		<-ctx.Done()
		got <- c.EndCause()
	})
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, media := u.call(ctx, srv.Addr(), u.offer("0"))
	u.sendAudio(media)
	time.Sleep(50 * time.Millisecond)
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-got:
		if c != dsip.EndRemoteBye.String() {
			t.Errorf("EndCause at the context's end = %q, want %q", c, dsip.EndRemoteBye)
		}
	case <-ctx.Done():
		t.Fatal("the handler's context did not end")
	}
}

// TestShutdownDrains: while draining, OPTIONS and INVITE get 503; the call
// in progress goes on until the deadline, then is hung up.
func TestShutdownDrains(t *testing.T) {
	ended := make(chan dsip.EndReason, 1)
	refusals := make(chan dsip.Refusal, 1)
	srv := startServer(t, dsip.Config{OnRefused: func(r dsip.Refusal) { refusals <- r }}, func(ctx context.Context, c *dsip.Call) {
		<-ctx.Done() // a flow that never ends by itself
		ended <- c.EndReason()
	})
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, media := u.call(ctx, srv.Addr(), u.offer("0"))
	u.sendAudio(media)

	sdCtx, sdCancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer sdCancel()
	sdErr := make(chan error, 1)
	go func() { sdErr <- srv.Shutdown(sdCtx) }()
	time.Sleep(100 * time.Millisecond)

	if res := u.request(ctx, sipmsg.OPTIONS, srv.Addr()); res.StatusCode != 503 {
		t.Errorf("OPTIONS while draining: %d", res.StatusCode)
	}
	_, err := u.invite(ctx, srv.Addr(), "09000000000", u.offer("0"), sipgo.AnswerOptions{})
	var de *sipgo.ErrDialogResponse
	if !errors.As(err, &de) || de.Res.StatusCode != 503 {
		t.Errorf("INVITE while draining: %v", err)
	}
	if r := <-refusals; !r.Draining {
		t.Errorf("refusal while draining = %+v", r)
	}
	if n := srv.ActiveCalls(); n != 1 {
		t.Errorf("%d active calls while draining, want 1", n)
	}
	if err := <-sdErr; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v", err)
	}
	select {
	case id := <-u.byes:
		if id != sess.InviteRequest.CallID().Value() {
			t.Errorf("BYE for %s", id)
		}
	case <-ctx.Done():
		t.Fatal("no BYE at the drain deadline")
	}
	if r := <-ended; r != dsip.EndShutdown {
		t.Errorf("reason %s", r)
	}
}

// TestShutdownWaitsForCalls: a call that ends during the drain lets
// Shutdown return nil.
func TestShutdownWaitsForCalls(t *testing.T) {
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) { <-c.Done() })
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, media := u.call(ctx, srv.Addr(), u.offer("0"))
	u.sendAudio(media)
	sdErr := make(chan error, 1)
	go func() { sdErr <- srv.Shutdown(ctx) }()
	time.Sleep(100 * time.Millisecond)
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-sdErr; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// TestNoGoroutineLeak: after calls and Serve return, goroutines settle
// back to where they were.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		s, err := dsip.NewServer(dsip.Config{Listen: "127.0.0.1:0", Logger: quiet, RTPTimeout: time.Second},
			func(ctx context.Context, c *dsip.Call) { <-c.Play([]*prompts.Clip{testClip(2)}) })
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- s.Serve(ctx) }()
		<-s.Ready()
		u := newUACNoCleanup(t)
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		sess, media := u.call(cctx, s.Addr(), u.offer("0"))
		u.sendAudio(media)
		<-u.byes
		_ = sess
		ccancel()
		cancel()
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		u.close()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestByeReachesCallerBehindNAT: a caller whose Contact is a private,
// unreachable address still gets our BYE, sent to the INVITE's source.
func TestByeReachesCallerBehindNAT(t *testing.T) {
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) {})
	u := newUAC(t)
	u.dc = sipgo.NewDialogClientCache(u.cli, sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: "uac", Host: "10.255.255.1", Port: 5060}})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, media := u.call(ctx, srv.Addr(), u.offer("0"))
	u.sendAudio(media)
	select {
	case id := <-u.byes:
		if id != sess.InviteRequest.CallID().Value() {
			t.Errorf("BYE for %s", id)
		}
	case <-ctx.Done():
		t.Fatal("no BYE: sent to the Contact instead of the source?")
	}
}

// TestLateOffer: an INVITE without SDP gets our offer in the 200; the
// answer in the ACK picks the codec (here PCMA) and the events; an ACK
// without a usable answer ends the call with BYE.
func TestLateOffer(t *testing.T) {
	type result struct {
		keys   string
		codec  string
		reason dsip.EndReason
	}
	res := make(chan result, 2)
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) {
		var keys []byte
		for len(keys) < 2 {
			select {
			case k := <-c.Keys():
				keys = append(keys, k)
			case <-c.Done():
				res <- result{string(keys), c.Media().CodecName(), c.EndReason()}
				return
			}
		}
		res <- result{string(keys), c.Media().CodecName(), c.EndReason()}
	})
	tests := []struct {
		name   string
		answer string // ACK body; "" sends none
		want   result
		bye    bool
	}{
		{name: "answer PCMA with events", answer: "8 101", want: result{keys: "9*", codec: "PCMA"}, bye: true},
		{name: "ACK without answer: BYE, handler never runs", bye: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newUAC(t)
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			sess, err := u.invite(ctx, srv.Addr(), "09012345678", nil, sipgo.AnswerOptions{})
			if err != nil {
				t.Fatal(err)
			}
			offer := sess.InviteResponse.Body()
			for _, l := range []string{"a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=ptime:20"} {
				if !hasLine(offer, l) {
					t.Errorf("offer lacks %q:\n%s", l, offer)
				}
			}
			ack := sipmsg.NewRequest(sipmsg.ACK, sess.InviteResponse.Contact().Address)
			if tt.answer != "" {
				ack.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
				ack.SetBody(u.offer(tt.answer, "a=rtpmap:101 telephone-event/8000"))
			}
			if err := sess.WriteAck(ctx, ack); err != nil {
				t.Fatal(err)
			}
			if tt.answer != "" {
				m, err := dsip.NegotiateOffer(offer, dsip.DTMFAuto)
				if err != nil {
					t.Fatal(err)
				}
				u.sendAudio(m.Remote)
				time.Sleep(200 * time.Millisecond)
				seq := uint16(100)
				u.sendDigit(m.Remote, 101, '9', &seq, 1000)
				u.sendDigit(m.Remote, 101, '*', &seq, 9000)
			}
			if tt.answer != "" {
				select {
				case r := <-res:
					if r != tt.want {
						t.Errorf("got %+v, want %+v", r, tt.want)
					}
				case <-ctx.Done():
					t.Fatal("handler did not finish")
				}
			}
			if tt.bye {
				select {
				case <-u.byes:
				case <-ctx.Done():
					t.Fatal("no BYE")
				}
			}
			if tt.answer == "" {
				select {
				case r := <-res:
					t.Errorf("handler ran: %+v", r)
				default:
				}
			} else {
				p := u.received()
				if len(p) == 0 || p[0].h.PayloadType != 8 {
					t.Errorf("RTP after the ACK: %d packets", len(p))
				}
			}
		})
	}
}

// waitIdle waits up to 5 s for the server to have no active call (the
// INVITE goroutine ends just after the final response is sent).
func waitIdle(srv *dsip.Server) int {
	deadline := time.Now().Add(5 * time.Second)
	for srv.ActiveCalls() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return srv.ActiveCalls()
}

// TestGarbageOnSIPPort: junk datagrams, truncated and malformed requests
// do not stop the server; it still answers OPTIONS and takes a call.
func TestGarbageOnSIPPort(t *testing.T) {
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) {})
	conn, err := net.DialUDP("udp", nil, srv.Addr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	junk := [][]byte{
		{},
		[]byte("\r\n\r\n"),
		[]byte("INVITE"),
		[]byte("INVITE sip:x SIP/2.0\r\n\r\n"),
		[]byte("INVITE sip:ivr@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bK1\r\nCSeq: x INVITE\r\n\r\n"),
		[]byte("INVITE sip:ivr@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bK2\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: j1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 5000\r\n\r\nv=0"),
		[]byte("SIP/2.0 200 OK\r\n\r\n"),
		bytes.Repeat([]byte{0xff}, 1400),
	}
	for i := range 200 {
		if _, err := conn.Write(junk[i%len(junk)]); err != nil {
			t.Fatal(err)
		}
	}
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if res := u.request(ctx, sipmsg.OPTIONS, srv.Addr()); res.StatusCode != 200 {
		t.Fatalf("OPTIONS after junk: %d", res.StatusCode)
	}
	_, media := u.call(ctx, srv.Addr(), u.offer("0"))
	u.sendAudio(media)
	select {
	case <-u.byes:
	case <-ctx.Done():
		t.Fatal("call after junk did not complete")
	}
}

// TestJunkRTP: short, oversized, wrong-type packets and a third party's
// stream are dropped and counted; the caller's digits still come through.
func TestJunkRTP(t *testing.T) {
	got := make(chan dsip.RTPStats, 1)
	keys := make(chan string, 1)
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) {
		select {
		case k := <-c.Keys():
			keys <- string(k)
		case <-time.After(10 * time.Second):
			keys <- ""
		}
		got <- c.RTPStats()
	})
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, media := u.call(ctx, srv.Addr(), u.offer("0 101", "a=rtpmap:101 telephone-event/8000"))
	u.sendAudio(media)
	time.Sleep(100 * time.Millisecond) // latched on the caller
	third, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	wrongPT := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 18, SSRC: 0x1234}, Payload: make([]byte, 20)}
	wb, _ := wrongPT.Marshal()
	hijack := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, SSRC: 0x9999}, Payload: []byte{3, 0x8a, 0, 160}}
	hb, _ := hijack.Marshal()
	for _, b := range [][]byte{{0x80}, make([]byte, 1600), wb, append([]byte{0x00}, make([]byte, 30)...)} {
		if _, err := u.rtp.WriteToUDPAddrPort(b, media); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		if _, err := third.WriteToUDPAddrPort(hb, media); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	seq := uint16(40000)
	u.sendDigit(media, 101, '1', &seq, 77777)
	if k := <-keys; k != "1" {
		t.Errorf("key %q, want the caller's 1 (not the third party's 3)", k)
	}
	st := <-got
	if st.Dropped < 4+5 {
		t.Errorf("dropped %d, want at least 9: %+v", st.Dropped, st)
	}
	<-u.byes
}

// TestRTPStopsMidCall: the timeout counts from the caller's last packet,
// not from when the read deadline was last moved.
func TestRTPStopsMidCall(t *testing.T) {
	const timeout = 400 * time.Millisecond
	srv := startServer(t, dsip.Config{RTPTimeout: timeout}, func(ctx context.Context, c *dsip.Call) { <-c.Done() })
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, media := u.call(ctx, srv.Addr(), u.offer("0"))
	u.sendAudio(media)
	time.Sleep(3 * timeout) // the call outlives several timeouts while RTP flows
	select {
	case <-u.byes:
		t.Fatal("hung up while RTP was flowing")
	default:
	}
	u.stopRTP()
	stopped := time.Now()
	select {
	case <-u.byes:
	case <-ctx.Done():
		t.Fatal("no BYE after RTP stopped")
	}
	// The last packet left at most one 20 ms tick before stopped.
	if quiet := time.Since(stopped); quiet < timeout-25*time.Millisecond {
		t.Errorf("BYE %v after the last packet, want >= %v", quiet, timeout)
	}
}
