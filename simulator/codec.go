package simulator

import (
	"fmt"
	"strings"

	"github.com/zaf/g711"
)

// Codec is an audio codec the simulator can offer.
type Codec uint8

// Codecs. Only the G.711 laws can be sent and heard; others (G729) exist so
// a test can offer something the service must reject with 488.
const (
	CodecUnknown Codec = iota
	CodecPCMU
	CodecPCMA
	CodecG729
)

var codecNames = [...]string{"unknown", "PCMU", "PCMA", "G729"}

// staticPT is the RFC 3551 §6 static payload type of each codec.
var staticPT = [...]uint8{0, 0, 8, 18}

// String returns the SDP encoding name.
func (c Codec) String() string {
	if int(c) < len(codecNames) {
		return codecNames[c]
	}
	return "unknown"
}

// PayloadType returns the static RTP payload type (RFC 3551 §6).
func (c Codec) PayloadType() uint8 {
	if int(c) < len(staticPT) {
		return staticPT[c]
	}
	return 0
}

// ParseCodec parses an SDP encoding name, case-insensitively.
func ParseCodec(s string) (Codec, error) {
	for i, n := range codecNames {
		if i > 0 && strings.EqualFold(n, s) {
			return Codec(i), nil
		}
	}
	return CodecUnknown, fmt.Errorf("%w: unknown codec %q (want PCMU, PCMA or G729)", ErrInvalidOptions, s)
}

// playable reports whether the simulator can encode and decode c.
func (c Codec) playable() bool { return c == CodecPCMU || c == CodecPCMA }

// silenceByte is the G.711 code for a zero sample.
func (c Codec) silenceByte() byte {
	if c == CodecPCMA {
		return 0xD5
	}
	return 0xFF
}

// encode appends the G.711 encoding of samples to dst.
func (c Codec) encode(dst []byte, samples []int16) []byte {
	for _, s := range samples {
		if c == CodecPCMA {
			dst = append(dst, g711.EncodeAlawFrame(s))
		} else {
			dst = append(dst, g711.EncodeUlawFrame(s))
		}
	}
	return dst
}

// decode appends the linear samples of a G.711 payload to dst.
func (c Codec) decode(dst []int16, payload []byte) []int16 {
	for _, b := range payload {
		if c == CodecPCMA {
			dst = append(dst, g711.DecodeAlawFrame(b))
		} else {
			dst = append(dst, g711.DecodeUlawFrame(b))
		}
	}
	return dst
}
