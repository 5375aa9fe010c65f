package sip

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dezura/dezura/prompts"
	"github.com/pion/sdp/v3"
)

// offer builds an SDP offer with the given m= format list and attribute lines.
func offer(conn, mline string, attrs ...string) []byte {
	var b strings.Builder
	b.WriteString("v=0\r\no=alice 1 1 IN IP4 192.0.2.10\r\ns=-\r\n")
	if conn != "" {
		b.WriteString("c=" + conn + "\r\n")
	}
	b.WriteString("t=0 0\r\n")
	b.WriteString(mline + "\r\n")
	for _, a := range attrs {
		b.WriteString(a + "\r\n")
	}
	return []byte(b.String())
}

func TestNegotiateOffer(t *testing.T) {
	remote := netip.MustParseAddrPort("192.0.2.10:40000")
	tests := []struct {
		name  string
		offer []byte
		mode  DTMFMode
		want  Media
		err   error
	}{
		{
			name:  "PCMU first, te 101",
			offer: offer("IN IP4 192.0.2.10", "m=audio 40000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16"),
			mode:  DTMFAuto,
			want:  Media{Law: prompts.Ulaw, PayloadType: 0, Events: true, EventPT: 101, EventClock: 8000, EventFmtp: "0-16", Remote: remote},
		},
		{
			name:  "PCMA preferred, te 96",
			offer: offer("IN IP4 192.0.2.10", "m=audio 40000 RTP/AVP 8 0 96", "a=rtpmap:8 PCMA/8000", "a=rtpmap:96 telephone-event/8000"),
			mode:  DTMFAuto,
			want:  Media{Law: prompts.Alaw, PayloadType: 8, Events: true, EventPT: 96, EventClock: 8000, EventFmtp: "0-15", Remote: remote},
		},
		{
			name:  "G.711 after an unknown codec; te 48 kHz and 8 kHz picks 8 kHz",
			offer: offer("IN IP4 192.0.2.10", "m=audio 40000 RTP/AVP 9 18 8 110 111", "a=rtpmap:110 telephone-event/48000", "a=rtpmap:111 telephone-event/8000"),
			mode:  DTMFRFC4733,
			want:  Media{Law: prompts.Alaw, PayloadType: 8, Events: true, EventPT: 111, EventClock: 8000, EventFmtp: "0-15", Remote: remote},
		},
		{
			name:  "only te at 48 kHz is taken with its clock",
			offer: offer("IN IP4 192.0.2.10", "m=audio 40000 RTP/AVP 0 110", "a=rtpmap:110 telephone-event/48000"),
			mode:  DTMFAuto,
			want:  Media{Law: prompts.Ulaw, Events: true, EventPT: 110, EventClock: 48000, EventFmtp: "0-15", Remote: remote},
		},
		{
			name:  "dynamic PCMU",
			offer: offer("IN IP4 192.0.2.10", "m=audio 40000 RTP/AVP 97", "a=rtpmap:97 pcmu/8000"),
			mode:  DTMFAuto,
			want:  Media{Law: prompts.Ulaw, PayloadType: 97, Remote: remote},
		},
		{
			name:  "inband mode does not answer te",
			offer: offer("IN IP4 192.0.2.10", "m=audio 40000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000"),
			mode:  DTMFInband,
			want:  Media{Law: prompts.Ulaw, Remote: remote},
		},
		{
			name:  "media-level c= wins; hold address gives no remote",
			offer: offer("IN IP4 192.0.2.10", "m=audio 40000 RTP/AVP 0", "c=IN IP4 0.0.0.0"),
			mode:  DTMFAuto,
			want:  Media{Law: prompts.Ulaw},
		},
		{
			name:  "rejected first audio stream, second one used",
			offer: offer("IN IP4 192.0.2.10", "m=audio 0 RTP/AVP 0\r\nm=audio 40000 RTP/AVP 8"),
			mode:  DTMFAuto,
			want:  Media{Law: prompts.Alaw, PayloadType: 8, Remote: remote},
		},
		{name: "no G.711", offer: offer("IN IP4 192.0.2.10", "m=audio 40000 RTP/AVP 9 18 101", "a=rtpmap:101 telephone-event/8000"), err: ErrNoCommonCodec},
		{name: "G.711 at 16 kHz is not G.711", offer: offer("IN IP4 192.0.2.10", "m=audio 40000 RTP/AVP 97", "a=rtpmap:97 PCMU/16000"), err: ErrNoCommonCodec},
		{name: "SRTP only", offer: offer("IN IP4 192.0.2.10", "m=audio 40000 RTP/SAVP 0"), err: ErrNoCommonCodec},
		{name: "video only", offer: offer("IN IP4 192.0.2.10", "m=video 40000 RTP/AVP 31"), err: ErrNoCommonCodec},
		{name: "no c= line", offer: offer("", "m=audio 40000 RTP/AVP 0"), err: ErrMalformedSDP},
		{name: "bad c= address", offer: offer("IN IP4 not-an-ip", "m=audio 40000 RTP/AVP 0"), err: ErrMalformedSDP},
		{name: "empty", offer: nil, err: ErrMalformedSDP},
		{name: "garbage", offer: []byte("hello\r\nworld"), err: ErrMalformedSDP},
		{name: "bad port", offer: []byte("v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio x RTP/AVP 0\r\n"), err: ErrMalformedSDP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mode := tt.mode
			if mode == DTMFUnknown {
				mode = DTMFAuto
			}
			got, err := NegotiateOffer(tt.offer, mode)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestBuildAnswer(t *testing.T) {
	tests := []struct {
		name    string
		m       Media
		formats []string
		rtpmaps []string
		fmtp    string
	}{
		{
			name:    "PCMU with te 96",
			m:       Media{Law: prompts.Ulaw, PayloadType: 0, Events: true, EventPT: 96, EventClock: 8000, EventFmtp: "0-16"},
			formats: []string{"0", "96"},
			rtpmaps: []string{"0 PCMU/8000", "96 telephone-event/8000"},
			fmtp:    "96 0-16",
		},
		{
			name:    "PCMA without events",
			m:       Media{Law: prompts.Alaw, PayloadType: 8},
			formats: []string{"8"},
			rtpmaps: []string{"8 PCMA/8000"},
		},
	}
	local := netip.MustParseAddrPort("203.0.113.5:10002")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := BuildAnswer(tt.m, local, 42)
			if err != nil {
				t.Fatal(err)
			}
			var sd sdp.SessionDescription
			if err := sd.Unmarshal(b); err != nil {
				t.Fatalf("answer does not parse: %v\n%s", err, b)
			}
			if sd.ConnectionInformation == nil || sd.ConnectionInformation.Address.Address != "203.0.113.5" {
				t.Errorf("c= %+v", sd.ConnectionInformation)
			}
			if len(sd.MediaDescriptions) != 1 {
				t.Fatalf("%d m= lines", len(sd.MediaDescriptions))
			}
			md := sd.MediaDescriptions[0]
			if md.MediaName.Port.Value != 10002 || strings.Join(md.MediaName.Protos, "/") != "RTP/AVP" {
				t.Errorf("m= %v", md.MediaName)
			}
			if strings.Join(md.MediaName.Formats, " ") != strings.Join(tt.formats, " ") {
				t.Errorf("formats %v, want %v", md.MediaName.Formats, tt.formats)
			}
			var rtpmaps []string
			fmtp := ""
			for _, a := range md.Attributes {
				switch a.Key {
				case "rtpmap":
					rtpmaps = append(rtpmaps, a.Value)
				case "fmtp":
					fmtp = a.Value
				}
			}
			if strings.Join(rtpmaps, ",") != strings.Join(tt.rtpmaps, ",") || fmtp != tt.fmtp {
				t.Errorf("rtpmap %v fmtp %q", rtpmaps, fmtp)
			}
			if v, _ := md.Attribute("ptime"); v != "20" {
				t.Errorf("ptime %q", v)
			}
			// The answer must be acceptable to us as an offer, with the same result.
			back, err := NegotiateOffer(b, DTMFAuto)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.m
			want.Remote = local
			if back != want {
				t.Errorf("round trip %+v, want %+v", back, want)
			}
		})
	}
}

func FuzzNegotiateOffer(f *testing.F) {
	f.Add(offer("IN IP4 192.0.2.10", "m=audio 40000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16"))
	f.Add(offer("IN IP4 192.0.2.10", "m=audio 40000 RTP/AVP 97 96", "a=rtpmap:97 PCMA/8000/1", "a=rtpmap:96 telephone-event/8000"))
	f.Add(offer("IN IP6 ::1", "m=audio 1 RTP/AVP 0"))
	f.Add([]byte("v=0\r\n"))
	files, _ := filepath.Glob(filepath.Join("testdata", "sdp", "*.sdp"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := NegotiateOffer(b, DTMFAuto)
		if err != nil {
			if !errors.Is(err, ErrMalformedSDP) && !errors.Is(err, ErrNoCommonCodec) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if m.Law != prompts.Ulaw && m.Law != prompts.Alaw {
			t.Fatalf("accepted without G.711: %+v", m)
		}
		if _, err := BuildAnswer(m, netip.MustParseAddrPort("127.0.0.1:10000"), 1); err != nil {
			t.Fatalf("answer for accepted offer: %v", err)
		}
	})
}

func TestBuildOfferAndAnswerCheck(t *testing.T) {
	local := netip.MustParseAddrPort("203.0.113.5:10000")
	tests := []struct {
		mode   DTMFMode
		events bool
	}{
		{mode: DTMFAuto, events: true},
		{mode: DTMFRFC4733, events: true},
		{mode: DTMFInband},
		{mode: DTMFInfo},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			b, err := BuildOffer(local, 7, tt.mode)
			if err != nil {
				t.Fatal(err)
			}
			m, err := NegotiateOffer(b, DTMFAuto)
			if err != nil {
				t.Fatal(err)
			}
			want := Media{Law: prompts.Ulaw, Remote: local}
			if tt.events {
				want.Events, want.EventPT, want.EventClock, want.EventFmtp = true, 101, 8000, "0-16"
			}
			if m != want {
				t.Errorf("offer reads back as %+v, want %+v", m, want)
			}
		})
	}
	checks := []struct {
		name string
		m    Media
		mode DTMFMode
		ok   bool
	}{
		{name: "PCMU 0", m: Media{Law: prompts.Ulaw}, mode: DTMFAuto, ok: true},
		{name: "PCMA 8 + 101", m: Media{Law: prompts.Alaw, PayloadType: 8, Events: true, EventPT: 101, EventClock: 8000}, mode: DTMFAuto, ok: true},
		{name: "PCMA on a dynamic type", m: Media{Law: prompts.Alaw, PayloadType: 97}, mode: DTMFAuto},
		{name: "events on another type", m: Media{Law: prompts.Ulaw, Events: true, EventPT: 96, EventClock: 8000}, mode: DTMFAuto},
		{name: "events we did not offer", m: Media{Law: prompts.Ulaw, Events: true, EventPT: 101, EventClock: 8000}, mode: DTMFInband},
	}
	for _, c := range checks {
		if got := offeredByUs(c.m, c.mode); got != c.ok {
			t.Errorf("%s: offeredByUs = %v", c.name, got)
		}
	}
}
