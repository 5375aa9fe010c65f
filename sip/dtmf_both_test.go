package sip_test

import (
	"context"
	"testing"
	"time"

	"github.com/dezura/dezura/dtmf"
	dsip "github.com/dezura/dezura/sip"
)

// TestAutoKeyBothWaysCountsOnce: in auto mode a phone that sends a key both
// as RFC 4733 events and as a tone in the audio gives one digit, whichever
// arrives first: a call has one stream of digits, however they came.
func TestAutoKeyBothWaysCountsOnce(t *testing.T) {
	tests := []struct {
		name       string
		eventDelay time.Duration // the events follow the tone's start by this much
	}{
		{"events with the tone", 0},
		{"events 80 ms after the tone (a slow relay)", 80 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan [2]string, 1)
			// The handler takes every key for 2.5 s: both presses are sent
			// within the first second, so a doubled digit would be seen.
			srv := startServer(t, dsip.Config{DTMFMode: "auto"}, func(ctx context.Context, c *dsip.Call) {
				var keys []byte
				window := time.After(2500 * time.Millisecond)
				for {
					select {
					case k := <-c.Keys():
						keys = append(keys, k)
						continue
					case <-window:
					case <-c.Done():
					}
					got <- [2]string{string(keys), c.DTMFTransport()}
					return
				}
			})
			u := newUAC(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, media := u.call(ctx, srv.Addr(), u.offer("0 101", "a=rtpmap:101 telephone-event/8000"))
			pcm, err := dtmf.Sequence("5", 120*time.Millisecond, 100*time.Millisecond, dtmf.ToneOptions{LowDBm0: -7, HighDBm0: -5})
			if err != nil {
				t.Fatal(err)
			}
			// A leading silent frame, then the tone; the events of the same
			// press go out tt.eventDelay after the tone starts.
			u.queueAudio(append(make([]int16, 160), pcm...))
			go u.sendAudio(media)
			time.Sleep(20*time.Millisecond + tt.eventDelay)
			var seq uint16 = 100
			u.sendDigit(media, 101, '5', &seq, 16000)
			time.Sleep(400 * time.Millisecond)
			u.sendDigit(media, 101, '8', &seq, 32000) // a later key, by events only
			r := <-got
			if r[0] != "58" || r[1] != "rfc4733" {
				t.Fatalf("keys %q via %q, want 58: one digit per press", r[0], r[1])
			}
			u.stopRTP()
		})
	}
}
