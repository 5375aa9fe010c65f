package simulator

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// ptime is the packet time the simulator offers and sends (RFC 4566 §6).
const ptime = 20

// buildOffer returns the SDP offer (RFC 3264 §5) for one audio stream at
// rtp: the codecs in order of preference, then telephone-event/8000 with
// eventPT (RFC 4733 §7.1.1), ptime 20.
func buildOffer(rtp netip.AddrPort, codecs []Codec, eventPT uint8, sessionID uint64) ([]byte, error) {
	addrType := "IP4"
	if rtp.Addr().Is6() && !rtp.Addr().Is4In6() {
		addrType = "IP6"
	}
	ip := rtp.Addr().Unmap().String()
	md := &sdp.MediaDescription{
		MediaName: sdp.MediaName{
			Media:  "audio",
			Port:   sdp.RangedPort{Value: int(rtp.Port())},
			Protos: []string{"RTP", "AVP"},
		},
	}
	for _, c := range codecs {
		pt := strconv.Itoa(int(c.PayloadType()))
		md.MediaName.Formats = append(md.MediaName.Formats, pt)
		md.Attributes = append(md.Attributes, sdp.NewAttribute("rtpmap", pt+" "+c.String()+"/8000"))
	}
	ev := strconv.Itoa(int(eventPT))
	md.MediaName.Formats = append(md.MediaName.Formats, ev)
	md.Attributes = append(md.Attributes,
		sdp.NewAttribute("rtpmap", ev+" telephone-event/8000"),
		sdp.NewAttribute("fmtp", ev+" 0-16"),
		sdp.NewAttribute("ptime", strconv.Itoa(ptime)),
		sdp.NewPropertyAttribute("sendrecv"),
	)
	s := &sdp.SessionDescription{
		Origin: sdp.Origin{
			Username: "dezura-sim", SessionID: sessionID, SessionVersion: sessionID,
			NetworkType: "IN", AddressType: addrType, UnicastAddress: ip,
		},
		SessionName: "dezura-sim",
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN", AddressType: addrType, Address: &sdp.Address{Address: ip},
		},
		TimeDescriptions:  []sdp.TimeDescription{{}},
		MediaDescriptions: []*sdp.MediaDescription{md},
	}
	b, err := s.Marshal()
	if err != nil {
		return nil, fmt.Errorf("simulator: marshal SDP offer: %w", err)
	}
	return b, nil
}

// answer is what the simulator takes from the service's SDP answer.
type answer struct {
	Addr     netip.AddrPort // where to send RTP
	Codec    Codec          // the audio codec chosen by the answerer
	PT       uint8          // its payload type
	EventPT  uint8          // telephone-event payload type, when HasEvent
	HasEvent bool
}

// parseAnswer reads an SDP answer (RFC 3264 §6) to an offer of the given
// codecs. It takes the first audio stream with a non-zero port; the chosen
// codec is the first format of that stream that is a playable G.711 codec we
// offered. It does no I/O.
func parseAnswer(body []byte, offered []Codec) (answer, error) {
	var s sdp.SessionDescription
	if err := s.Unmarshal(body); err != nil {
		return answer{}, fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	for _, md := range s.MediaDescriptions {
		if md == nil || md.MediaName.Media != "audio" {
			continue
		}
		port := md.MediaName.Port.Value
		if port <= 0 || port > 65535 {
			continue // RFC 3264 §6: port 0 rejects the stream
		}
		ci := md.ConnectionInformation
		if ci == nil {
			ci = s.ConnectionInformation
		}
		if ci == nil || ci.Address == nil {
			return answer{}, fmt.Errorf("%w: no connection address", ErrBadAnswer)
		}
		ip, err := netip.ParseAddr(strings.TrimSpace(ci.Address.Address))
		if err != nil {
			return answer{}, fmt.Errorf("%w: connection address %q: %w", ErrBadAnswer, ci.Address.Address, err)
		}
		a := answer{Addr: netip.AddrPortFrom(ip, uint16(port))}
		names := rtpmaps(md)
		for _, f := range md.MediaName.Formats {
			n, err := strconv.ParseUint(f, 10, 8)
			if err != nil {
				continue
			}
			pt := uint8(n)
			name, ok := names[pt]
			if !ok && pt < 96 {
				// Static payload types need no rtpmap (RFC 3551 §6).
				switch pt {
				case 0:
					name = "PCMU"
				case 8:
					name = "PCMA"
				}
			}
			if strings.EqualFold(name, "telephone-event") {
				if !a.HasEvent {
					a.EventPT, a.HasEvent = pt, true
				}
				continue
			}
			c, err := ParseCodec(name)
			if err != nil || !c.playable() || a.Codec != CodecUnknown || !containsCodec(offered, c) {
				continue
			}
			a.Codec, a.PT = c, pt
		}
		if a.Codec == CodecUnknown {
			return answer{}, fmt.Errorf("%w: no offered G.711 codec in answer", ErrBadAnswer)
		}
		return a, nil
	}
	return answer{}, fmt.Errorf("%w: no accepted audio stream", ErrBadAnswer)
}

// rtpmaps returns payload type to encoding name from a=rtpmap lines
// (RFC 4566 §6: "a=rtpmap:<pt> <name>/<clock>[/<channels>]").
func rtpmaps(md *sdp.MediaDescription) map[uint8]string {
	m := make(map[uint8]string)
	for _, at := range md.Attributes {
		if at.Key != "rtpmap" {
			continue
		}
		ptStr, rest, ok := strings.Cut(strings.TrimSpace(at.Value), " ")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(ptStr, 10, 8)
		if err != nil {
			continue
		}
		name, clock, _ := strings.Cut(strings.TrimSpace(rest), "/")
		if clock != "" && !strings.HasPrefix(clock, "8000") {
			continue // only 8 kHz is usable here
		}
		m[uint8(n)] = name
	}
	return m
}

func containsCodec(cs []Codec, c Codec) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}
