package sip

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/dezura/dezura/prompts"
	"github.com/pion/sdp/v3"
)

// Media is what an SDP offer/answer exchange settled for one call.
type Media struct {
	// Law and PayloadType are the G.711 codec chosen: the first PCMU or
	// PCMA in the caller's order of preference (RFC 3264 §6.1).
	Law         prompts.Law
	PayloadType uint8
	// EventPT and EventClock describe the caller's telephone-event format
	// (RFC 4733 §7.1.1) when Events is true.
	Events     bool
	EventPT    uint8
	EventClock uint32
	EventFmtp  string
	// Remote is where the caller said to send RTP (c= and m= port). It may
	// be invalid (c=0.0.0.0); symmetric RTP latching replaces it.
	Remote netip.AddrPort
}

// CodecName is "PCMU" or "PCMA".
func (m Media) CodecName() string {
	if m.Law == prompts.Alaw {
		return "PCMA"
	}
	return "PCMU"
}

// maxSDPSize bounds the offers we parse.
const maxSDPSize = 16 << 10

// NegotiateOffer reads an SDP offer and picks what to answer: the first
// G.711 format in the caller's order and the caller's telephone-event
// payload type and clock rate (unless mode excludes RFC 4733). It returns
// ErrMalformedSDP or ErrNoCommonCodec. It does no I/O.
func NegotiateOffer(offer []byte, mode DTMFMode) (Media, error) {
	var m Media
	if len(offer) == 0 || len(offer) > maxSDPSize {
		return m, fmt.Errorf("%w: %d bytes", ErrMalformedSDP, len(offer))
	}
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(offer); err != nil {
		return m, fmt.Errorf("%w: %w", ErrMalformedSDP, err)
	}
	sawAudio := false
	for _, md := range sd.MediaDescriptions {
		if md == nil || md.MediaName.Media != "audio" {
			continue
		}
		sawAudio = true
		if md.MediaName.Port.Value <= 0 || md.MediaName.Port.Value > 65535 {
			continue // rejected stream (RFC 3264 §6)
		}
		if strings.Join(md.MediaName.Protos, "/") != "RTP/AVP" {
			continue // SRTP, AVPF and friends are not offered by us
		}
		law, pt, ok := pickG711(md)
		if !ok {
			continue
		}
		conn := md.ConnectionInformation
		if conn == nil {
			conn = sd.ConnectionInformation
		}
		if conn == nil || conn.Address == nil {
			return m, fmt.Errorf("%w: no c= line for audio", ErrMalformedSDP)
		}
		if conn.NetworkType != "IN" || (conn.AddressType != "IP4" && conn.AddressType != "IP6") {
			return m, fmt.Errorf("%w: c= %s %s", ErrMalformedSDP, conn.NetworkType, conn.AddressType)
		}
		host := conn.Address.Address
		if i := strings.IndexByte(host, '/'); i >= 0 {
			host = host[:i]
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return m, fmt.Errorf("%w: c= address %q", ErrMalformedSDP, host)
		}
		m.Law, m.PayloadType = law, pt
		if !ip.IsUnspecified() {
			m.Remote = netip.AddrPortFrom(ip.Unmap(), uint16(md.MediaName.Port.Value))
		}
		if mode == DTMFAuto || mode == DTMFRFC4733 {
			m.EventPT, m.EventClock, m.EventFmtp, m.Events = pickTelephoneEvent(md)
		}
		return m, nil
	}
	if !sawAudio {
		return m, fmt.Errorf("%w: no audio stream", ErrNoCommonCodec)
	}
	return m, ErrNoCommonCodec
}

// rtpmap returns the encoding name (upper case) and clock rate for payload
// type pt from a=rtpmap (RFC 4566 §6), or the static RTP/AVP assignment
// (RFC 3551 §6) when there is none.
func rtpmap(md *sdp.MediaDescription, pt int) (string, uint32, bool) {
	for _, a := range md.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		num, rest, ok := strings.Cut(a.Value, " ")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(num); err != nil || n != pt {
			continue
		}
		name, clock, _ := strings.Cut(strings.TrimSpace(rest), "/")
		clock, _, _ = strings.Cut(clock, "/") // drop channels
		c, err := strconv.ParseUint(clock, 10, 32)
		if err != nil || c == 0 {
			return "", 0, false
		}
		return strings.ToUpper(name), uint32(c), true
	}
	switch pt {
	case 0:
		return "PCMU", 8000, true
	case 8:
		return "PCMA", 8000, true
	}
	return "", 0, false
}

func pickG711(md *sdp.MediaDescription) (prompts.Law, uint8, bool) {
	for _, f := range md.MediaName.Formats {
		pt, err := strconv.Atoi(f)
		if err != nil || pt < 0 || pt > 127 {
			continue
		}
		name, clock, ok := rtpmap(md, pt)
		if !ok || clock != 8000 {
			continue
		}
		switch name {
		case "PCMU":
			return prompts.Ulaw, uint8(pt), true
		case "PCMA":
			return prompts.Alaw, uint8(pt), true
		}
	}
	return prompts.LawUnknown, 0, false
}

// pickTelephoneEvent returns the caller's telephone-event format, the one
// at 8000 Hz (our audio clock, RFC 4733 §2.1) if there are several.
func pickTelephoneEvent(md *sdp.MediaDescription) (pt uint8, clock uint32, fmtp string, ok bool) {
	for _, f := range md.MediaName.Formats {
		n, err := strconv.Atoi(f)
		if err != nil || n < 96 || n > 127 {
			continue
		}
		name, c, found := rtpmap(md, n)
		if !found || name != "TELEPHONE-EVENT" {
			continue
		}
		if ok && clock == 8000 {
			continue
		}
		pt, clock, ok = uint8(n), c, true
		fmtp = ""
		for _, a := range md.Attributes {
			if a.Key != "fmtp" {
				continue
			}
			num, rest, cut := strings.Cut(a.Value, " ")
			if cut && num == f {
				fmtp = strings.TrimSpace(rest)
			}
		}
	}
	if ok && fmtp == "" {
		fmtp = "0-15"
	}
	return pt, clock, fmtp, ok
}

// BuildAnswer writes the SDP answer for m with our RTP address local.
// sessionID is the o= session id and version (RFC 4566 §5.2).
func BuildAnswer(m Media, local netip.AddrPort, sessionID uint64) ([]byte, error) {
	formats := []string{strconv.Itoa(int(m.PayloadType))}
	attrs := []sdp.Attribute{
		{Key: "rtpmap", Value: fmt.Sprintf("%d %s/8000", m.PayloadType, m.CodecName())},
	}
	if m.Events {
		formats = append(formats, strconv.Itoa(int(m.EventPT)))
		attrs = append(attrs,
			sdp.Attribute{Key: "rtpmap", Value: fmt.Sprintf("%d telephone-event/%d", m.EventPT, m.EventClock)},
			sdp.Attribute{Key: "fmtp", Value: fmt.Sprintf("%d %s", m.EventPT, m.EventFmtp)},
		)
	}
	return buildSDP(local, sessionID, formats, attrs)
}

// offerEventPT is the telephone-event payload type of our own offers.
const offerEventPT = 101

// BuildOffer writes our SDP offer for a late-offer call (an INVITE
// without SDP; RFC 3261 §13.2.1): PCMU, PCMA and, unless mode excludes
// RFC 4733, telephone-event 101 at 8000 Hz.
func BuildOffer(local netip.AddrPort, sessionID uint64, mode DTMFMode) ([]byte, error) {
	formats := []string{"0", "8"}
	attrs := []sdp.Attribute{
		{Key: "rtpmap", Value: "0 PCMU/8000"},
		{Key: "rtpmap", Value: "8 PCMA/8000"},
	}
	if mode == DTMFAuto || mode == DTMFRFC4733 {
		formats = append(formats, strconv.Itoa(offerEventPT))
		attrs = append(attrs,
			sdp.Attribute{Key: "rtpmap", Value: fmt.Sprintf("%d telephone-event/8000", offerEventPT)},
			sdp.Attribute{Key: "fmtp", Value: fmt.Sprintf("%d 0-16", offerEventPT)},
		)
	}
	return buildSDP(local, sessionID, formats, attrs)
}

// offeredByUs reports whether an answer to BuildOffer picked formats we
// offered (RFC 3264 §6.1: the answer uses the offer's payload types).
func offeredByUs(m Media, mode DTMFMode) bool {
	if (m.Law == prompts.Ulaw && m.PayloadType != 0) || (m.Law == prompts.Alaw && m.PayloadType != 8) {
		return false
	}
	if m.Events && (m.EventPT != offerEventPT || m.EventClock != 8000 || (mode != DTMFAuto && mode != DTMFRFC4733)) {
		return false
	}
	return true
}

func buildSDP(local netip.AddrPort, sessionID uint64, formats []string, attrs []sdp.Attribute) ([]byte, error) {
	addrType := "IP4"
	if local.Addr().Is6() {
		addrType = "IP6"
	}
	ip := local.Addr().String()
	attrs = append(attrs,
		sdp.Attribute{Key: "ptime", Value: "20"},
		sdp.Attribute{Key: "sendrecv"},
	)
	sd := sdp.SessionDescription{
		Origin: sdp.Origin{
			Username: "dezura", SessionID: sessionID, SessionVersion: sessionID,
			NetworkType: "IN", AddressType: addrType, UnicastAddress: ip,
		},
		SessionName: "dezura",
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN", AddressType: addrType, Address: &sdp.Address{Address: ip},
		},
		TimeDescriptions: []sdp.TimeDescription{{}},
		MediaDescriptions: []*sdp.MediaDescription{{
			MediaName: sdp.MediaName{
				Media:   "audio",
				Port:    sdp.RangedPort{Value: int(local.Port())},
				Protos:  []string{"RTP", "AVP"},
				Formats: formats,
			},
			Attributes: attrs,
		}},
	}
	b, err := sd.Marshal()
	if err != nil {
		return nil, fmt.Errorf("sip: marshal SDP: %w", err)
	}
	return b, nil
}
