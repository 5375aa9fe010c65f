package sip

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/dezura/dezura/prompts"
)

// TestNegotiateRealOffers runs offers as real user agents send them
// (testdata/sdp) through the negotiation.
func TestNegotiateRealOffers(t *testing.T) {
	tests := []struct {
		file string
		want Media
		err  error
	}{
		{file: "asterisk.sdp", want: Media{Law: prompts.Ulaw, PayloadType: 0, Events: true, EventPT: 101, EventClock: 8000, EventFmtp: "0-16", Remote: netip.MustParseAddrPort("192.0.2.20:17850")}},
		{file: "freeswitch.sdp", want: Media{Law: prompts.Ulaw, PayloadType: 0, Events: true, EventPT: 97, EventClock: 8000, EventFmtp: "0-16", Remote: netip.MustParseAddrPort("198.51.100.30:24560")}},
		{file: "carrier-pcma.sdp", want: Media{Law: prompts.Alaw, PayloadType: 8, Events: true, EventPT: 100, EventClock: 8000, EventFmtp: "0-15", Remote: netip.MustParseAddrPort("203.0.113.40:40010")}},
		{file: "webrtc-opus-only.sdp", err: ErrNoCommonCodec},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "sdp", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := NegotiateOffer(b, DTMFAuto)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}
