package sip_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/zaf/g711"

	"github.com/dezura/dezura/dtmf"
	"github.com/dezura/dezura/prompts"
	dsip "github.com/dezura/dezura/sip"
)

// TestInbandOverEchoAndLoss is a real call over UDP with in-band digits:
// the server plays the English greeting and ID prompt; the caller's line
// returns what it hears 6 dB down and 100 ms late, loses one packet in 25
// of what it sends, and keys nine digits at -20 dBm0 over the ID prompt.
// Keys() gives the nine digits, once each: the receive path told the
// detector which packets were lost and cancelled the echo of what the
// shard sent.
func TestInbandOverEchoAndLoss(t *testing.T) {
	cat, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	clips, err := cat.Clips("en", "greeting", "enter_id")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	srv := startServer(t, dsip.Config{DTMFMode: "inband"}, func(ctx context.Context, c *dsip.Call) {
		done := c.Play(clips)
		var keys []byte
		var after <-chan time.Time
		for {
			select {
			case k := <-c.Keys():
				keys = append(keys, k)
			case <-done:
				done, after = nil, time.After(time.Second)
			case <-after:
				got <- string(keys)
				return
			case <-c.Done():
				got <- string(keys)
				return
			}
		}
	})
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, media := u.call(ctx, srv.Addr(), u.offer("0"))

	// The keys: held 170 ms each, 260 ms apart, from 1.9 s into the call
	// (the ID prompt starts after the 1.5 s greeting).
	const keys = "3#8015*92"
	var pcm []int16
	for i := range keys {
		at := 8 * (1900 + 260*i)
		pcm = append(pcm, make([]int16, at+8*170-len(pcm))...)
		if err := dtmf.AddTone(pcm[at:at+8*170], keys[i], dtmf.ToneOptions{LowDBm0: -20, HighDBm0: -20}); err != nil {
			t.Fatal(err)
		}
	}
	stop := echoLine(u, media, pcm)
	defer stop()
	select {
	case k := <-got:
		if k != keys {
			t.Errorf("keys %q, want %q", k, keys)
		}
	case <-ctx.Done():
		t.Fatal("no keys")
	}
	<-u.byes // the handler returned: the server hangs up
}

// echoLine sends, every 20 ms, the caller's side of TestInbandOverEchoAndLoss:
// the server's packet of five frames before (matched by sequence number,
// so the echo's delay is steady) at half its amplitude, plus pcm, as PCMU,
// leaving out one packet in 25. It returns a function that stops it.
func echoLine(u *uac, dst netip.AddrPort, pcm []int16) (stop func()) {
	const delay = 5
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		h := rtp.Header{Version: 2, PayloadType: 0, SSRC: 0x4321, SequenceNumber: 7}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var first uint16
		var started bool
		for k := 0; ; k++ {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			rcvd := u.received()
			if !started && len(rcvd) > 0 {
				first, started, k = rcvd[0].h.SequenceNumber, true, 0
			}
			payload := make([]byte, 160)
			for i := range payload {
				var v int32
				if started && k >= delay {
					want := first + uint16(k-delay)
					for j := len(rcvd) - 1; j >= 0 && j >= len(rcvd)-20; j-- {
						if rcvd[j].h.SequenceNumber == want {
							v = int32(g711.DecodeUlawFrame(rcvd[j].payload[i])) / 2
							break
						}
					}
				}
				if n := k*160 + i; started && n < len(pcm) {
					v += int32(pcm[n])
				}
				payload[i] = g711.EncodeUlawFrame(int16(max(min(v, 32767), -32768)))
			}
			h.SequenceNumber++
			h.Timestamp += 160
			if k%25 == 13 {
				continue // lost on the way
			}
			p := rtp.Packet{Header: h, Payload: payload}
			b, _ := p.Marshal()
			if _, err := u.rtp.WriteToUDPAddrPort(b, dst); err != nil {
				return
			}
		}
	}()
	return func() { close(quit); <-done }
}
