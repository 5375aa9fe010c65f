package simulator

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestOfferAnswerRoundTrip(t *testing.T) {
	addr := netip.MustParseAddrPort("127.0.0.1:40000")
	b, err := buildOffer(addr, []Codec{CodecPCMA, CodecPCMU}, 96, 42)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"m=audio 40000 RTP/AVP 8 0 96\r\n", "a=rtpmap:96 telephone-event/8000", "a=fmtp:96 0-16", "a=ptime:20", "c=IN IP4 127.0.0.1"} {
		if !strings.Contains(s, want) {
			t.Errorf("offer lacks %q:\n%s", want, s)
		}
	}
	// The offer read as an answer picks the first codec.
	a, err := parseAnswer(b, []Codec{CodecPCMU, CodecPCMA})
	if err != nil {
		t.Fatal(err)
	}
	if a != (answer{Addr: addr, Codec: CodecPCMA, PT: 8, EventPT: 96, HasEvent: true}) {
		t.Errorf("answer %+v", a)
	}
}

func TestParseAnswer(t *testing.T) {
	const head = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n"
	both := []Codec{CodecPCMU, CodecPCMA}
	tests := []struct {
		name    string
		sdp     string
		offered []Codec
		want    answer
		err     bool
	}{
		{"session c= and static pt", head + "c=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n", both,
			answer{netip.MustParseAddrPort("10.0.0.2:5004"), CodecPCMU, 0, 101, true}, false},
		{"media c= wins", head + "c=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 5004 RTP/AVP 8\r\nc=IN IP4 10.0.0.3\r\n", both,
			answer{netip.MustParseAddrPort("10.0.0.3:5004"), CodecPCMA, 8, 0, false}, false},
		{"dynamic pt for PCMA", head + "c=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 5004 RTP/AVP 110 96\r\na=rtpmap:110 pcma/8000\r\na=rtpmap:96 telephone-event/8000\r\n", both,
			answer{netip.MustParseAddrPort("10.0.0.2:5004"), CodecPCMA, 110, 96, true}, false},
		{"not offered", head + "c=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 5004 RTP/AVP 8\r\n", []Codec{CodecPCMU}, answer{}, true},
		{"rejected stream", head + "c=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n", both, answer{}, true},
		{"no address", head + "t=0 0\r\nm=audio 5004 RTP/AVP 0\r\n", both, answer{}, true},
		{"bad address", head + "c=IN IP4 host.example\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n", both, answer{}, true},
		{"only video", head + "c=IN IP4 10.0.0.2\r\nt=0 0\r\nm=video 5004 RTP/AVP 96\r\n", both, answer{}, true},
		{"G729 only", head + "c=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 5004 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n", []Codec{CodecG729}, answer{}, true},
		{"16 kHz ignored", head + "c=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 5004 RTP/AVP 97 0\r\na=rtpmap:97 PCMU/16000\r\n", both,
			answer{netip.MustParseAddrPort("10.0.0.2:5004"), CodecPCMU, 0, 0, false}, false},
		{"garbage", "hello", both, answer{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAnswer([]byte(tt.sdp), tt.offered)
			if tt.err {
				if !errors.Is(err, ErrBadAnswer) {
					t.Fatalf("err %v, want ErrBadAnswer", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseAnswer(f *testing.F) {
	offer, _ := buildOffer(netip.MustParseAddrPort("127.0.0.1:4000"), []Codec{CodecPCMU, CodecPCMA}, 101, 1)
	f.Add(offer)
	f.Add([]byte("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"))
	f.Add([]byte("v=0\r\nm=audio 0 RTP/AVP\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := parseAnswer(b, []Codec{CodecPCMU, CodecPCMA})
		if err != nil {
			return
		}
		if !a.Codec.playable() || !a.Addr.IsValid() || a.Addr.Port() == 0 {
			t.Fatalf("accepted unusable answer %+v", a)
		}
	})
}

func TestCodecParse(t *testing.T) {
	for c := CodecPCMU; c <= CodecG729; c++ {
		got, err := ParseCodec(strings.ToLower(c.String()))
		if err != nil || got != c {
			t.Errorf("ParseCodec(%q) = %v, %v", c, got, err)
		}
	}
	if _, err := ParseCodec("opus"); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("opus: %v", err)
	}
	if CodecUnknown.String() != "unknown" || Codec(99).String() != "unknown" {
		t.Error("unknown codec names")
	}
}
