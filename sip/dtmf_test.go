package sip_test

import (
	"context"
	"testing"
	"time"

	"github.com/dezura/dezura/dtmf"
	dsip "github.com/dezura/dezura/sip"
)

// keysOf collects n keys from c (or what came before the call ended) and
// the transport reported.
func keysOf(c *dsip.Call, n int, out chan<- [2]string) {
	var keys []byte
	timeout := time.After(10 * time.Second)
	for len(keys) < n {
		select {
		case k := <-c.Keys():
			keys = append(keys, k)
		case <-c.Done():
			out <- [2]string{string(keys), c.DTMFTransport()}
			return
		case <-timeout:
			out <- [2]string{string(keys), c.DTMFTransport()}
			return
		}
	}
	out <- [2]string{string(keys), c.DTMFTransport()}
}

// TestInbandDigits: tones in the audio come out of Keys when the caller
// offers no telephone-event (auto) or the server is set to in-band.
func TestInbandDigits(t *testing.T) {
	tests := []struct {
		name    string
		mode    string
		formats string
		attrs   []string
	}{
		{name: "auto without telephone-event", mode: "auto", formats: "0"},
		{name: "inband mode ignores the offered events", mode: "inband", formats: "0 101", attrs: []string{"a=rtpmap:101 telephone-event/8000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan [2]string, 1)
			srv := startServer(t, dsip.Config{DTMFMode: tt.mode}, func(ctx context.Context, c *dsip.Call) { keysOf(c, 3, got) })
			u := newUAC(t)
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			sess, media := u.call(ctx, srv.Addr(), u.offer(tt.formats, tt.attrs...))
			if tt.mode == "inband" && hasLine(sess.InviteResponse.Body(), "a=rtpmap:101 telephone-event/8000") {
				t.Error("in-band mode answered telephone-event")
			}
			pcm, err := dtmf.Sequence("7*0", 100*time.Millisecond, 100*time.Millisecond, dtmf.ToneOptions{LowDBm0: -7, HighDBm0: -5})
			if err != nil {
				t.Fatal(err)
			}
			u.queueAudio(pcm)
			u.sendAudio(media)
			r := <-got
			if r[0] != "7*0" || r[1] != "inband" {
				t.Errorf("keys %q via %q", r[0], r[1])
			}
			<-u.byes // the handler returned: the server hangs up
		})
	}
}

// TestInfoDigits: SIP INFO digits in the dialog; other bodies get 415,
// unreadable DTMF bodies 400.
func TestInfoDigits(t *testing.T) {
	got := make(chan [2]string, 1)
	srv := startServer(t, dsip.Config{}, func(ctx context.Context, c *dsip.Call) { keysOf(c, 2, got) })
	u := newUAC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, media := u.call(ctx, srv.Addr(), u.offer("0 101", "a=rtpmap:101 telephone-event/8000"))
	u.sendAudio(media)
	tests := []struct {
		ct, body string
		code     int
	}{
		{ct: "application/dtmf-relay", body: "Signal=4\r\nDuration=160\r\n", code: 200},
		{ct: "text/plain", body: "hello", code: 415},
		{ct: "application/dtmf-relay", body: "Signal=?\r\n", code: 400},
		{ct: "application/dtmf", body: "#", code: 200},
	}
	for _, tt := range tests {
		if code := u.info(ctx, sess, tt.ct, tt.body); code != tt.code {
			t.Errorf("INFO %s %q: %d, want %d", tt.ct, tt.body, code, tt.code)
		}
	}
	r := <-got
	if r[0] != "4#" || r[1] != "info" {
		t.Errorf("keys %q via %q", r[0], r[1])
	}
	<-u.byes
}
