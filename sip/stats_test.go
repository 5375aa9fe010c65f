package sip_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/dezura/dezura/dtmf"
	"github.com/dezura/dezura/prompts"
	dsip "github.com/dezura/dezura/sip"
)

// TestOverloadKeepsAudioAndCounts: with MaxCalls calls up, a burst of new
// INVITEs all get 503 with Retry-After, the call up keeps receiving its
// 20 ms audio without a gap meanwhile, and Stats counts the rejections,
// the answer, the digits and the call's end.
func TestOverloadKeepsAudioAndCounts(t *testing.T) {
	const rejects = 10
	srv := startServer(t, dsip.Config{MaxCalls: 1}, func(ctx context.Context, c *dsip.Call) {
		c.Play([]*prompts.Clip{testClip(100)})
		for {
			select {
			case <-c.Keys():
			case <-c.Done():
				return
			}
		}
	})
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, media := u.call(ctx, srv.Addr(), u.offer("0 101", "a=rtpmap:101 telephone-event/8000"))
	u.sendAudio(media)
	time.Sleep(200 * time.Millisecond)
	before := len(u.received())

	other := newUAC(t)
	for i := range rejects {
		_, err := other.invite(ctx, srv.Addr(), "09000000000", other.offer("0"), sipgo.AnswerOptions{})
		var de *sipgo.ErrDialogResponse
		if !errors.As(err, &de) || de.Res.StatusCode != 503 || de.Res.GetHeader("Retry-After") == nil {
			t.Fatalf("INVITE %d past MaxCalls: %v", i, err)
		}
	}
	seq := uint16(9000)
	u.sendDigit(media, 101, '7', &seq, 500000)
	time.Sleep(300 * time.Millisecond)
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	waitIdle(srv)

	// The call up kept its audio while the INVITEs were refused: one
	// stream, sequence numbers without a gap, and any frame the media
	// clock had to skip (a stalled machine) shows as a timestamp jump that
	// Stats counts: audio is never dropped silently.
	st := srv.Stats()
	pkts := u.received()
	if len(pkts) < before+10 {
		t.Fatalf("%d RTP packets during the overload, want more", len(pkts)-before)
	}
	var jumped uint64
	for i := 1; i < len(pkts); i++ {
		if pkts[i].h.SequenceNumber != pkts[i-1].h.SequenceNumber+1 {
			t.Fatalf("sequence gap %d -> %d at packet %d", pkts[i-1].h.SequenceNumber, pkts[i].h.SequenceNumber, i)
		}
		step := pkts[i].h.Timestamp - pkts[i-1].h.Timestamp
		if step == 0 || step%dsip.SamplesPerFrame != 0 {
			t.Fatalf("timestamp step %d at packet %d", step, i)
		}
		jumped += uint64(step/dsip.SamplesPerFrame - 1)
	}
	if jumped != st.RTP.Skipped {
		t.Errorf("timestamps skipped %d frames, Stats says %d", jumped, st.RTP.Skipped)
	}

	if st.RejectedFull != rejects || st.RejectedDraining != 0 {
		t.Errorf("rejected full %d draining %d, want %d 0", st.RejectedFull, st.RejectedDraining, rejects)
	}
	if st.Answered != 1 || st.Setup.Count != 1 {
		t.Errorf("answered %d, setup observations %d, want 1 1", st.Answered, st.Setup.Count)
	}
	if st.Ended[dsip.EndRemoteBye] != 1 || st.Active != 0 {
		t.Errorf("ended %v active %d", st.Ended, st.Active)
	}
	if st.Digits[dtmf.TransportRFC4733] != 1 {
		t.Errorf("digits %v, want one RFC 4733", st.Digits)
	}
	// (The test's digit packets have their own sequence numbers, so
	// Expected and Lost are not checked here; see TestInboundQuality.)
	if st.RTP.Sent == 0 || st.RTP.Received == 0 || st.RTP.Expected == 0 {
		t.Errorf("RTP %+v", st.RTP)
	}
	if st.Jitter.Count != 1 || st.Media.Ticks == 0 || st.Media.Shards == 0 {
		t.Errorf("jitter %+v media %+v", st.Jitter, st.Media)
	}
}

// TestDrainingCounted: INVITEs refused while draining are counted apart
// from those refused for load, and Draining reports the state.
func TestDrainingCounted(t *testing.T) {
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) { <-c.Done() })
	if srv.Draining() {
		t.Fatal("draining before Shutdown")
	}
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, media := u.call(ctx, srv.Addr(), u.offer("0"))
	u.sendAudio(media)
	sdErr := make(chan error, 1)
	go func() { sdErr <- srv.Shutdown(ctx) }()
	for !srv.Draining() {
		time.Sleep(time.Millisecond)
	}
	if res := u.request(ctx, sipmsg.OPTIONS, srv.Addr()); res.StatusCode != 503 {
		t.Errorf("OPTIONS while draining: %d", res.StatusCode)
	}
	other := newUAC(t)
	_, err := other.invite(ctx, srv.Addr(), "09000000000", other.offer("0"), sipgo.AnswerOptions{})
	var de *sipgo.ErrDialogResponse
	if !errors.As(err, &de) || de.Res.StatusCode != 503 {
		t.Errorf("INVITE while draining: %v", err)
	}
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-sdErr; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	st := srv.Stats()
	if st.RejectedDraining != 1 || st.RejectedFull != 0 || st.Ended[dsip.EndRemoteBye] != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestHangupSendsTheWholePrompt: a handler that plays a prompt and hangs
// up gets every frame of it to the caller before the BYE, call after call
// (Hangup waits for the playlist, and the playlist is over only once its
// last frame has been sent, not when it was picked).
func TestHangupSendsTheWholePrompt(t *testing.T) {
	const frames, calls = 5, 10
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) {
		c.Play([]*prompts.Clip{testClip(frames)})
		_ = c.Hangup()
	})
	for i := range calls {
		u := newUAC(t)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		u.call(ctx, srv.Addr(), u.offer("0"))
		select {
		case <-u.byes:
		case <-ctx.Done():
			t.Fatalf("call %d: no BYE", i)
		}
		cancel()
		// Every frame was sent before the BYE, over loopback: it is in
		// the caller's socket by now; give its reader a moment.
		var last byte
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			last = 0
			for _, a := range u.received() {
				if len(a.payload) > 0 && a.payload[0] >= 0x10 && a.payload[0] < 0x10+frames {
					last = max(last, a.payload[0])
				}
			}
			if last == 0x10+frames-1 {
				break
			}
		}
		if last != 0x10+frames-1 {
			t.Fatalf("call %d: last prompt frame heard %#x, want %#x: the hang-up cut the prompt", i, last, 0x10+frames-1)
		}
	}
	waitIdle(srv)
}
