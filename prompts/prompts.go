// Package prompts holds the prompt catalogue: clips per language, stored
// pre-encoded as 8 kHz G.711 in 20 ms frames so playback never transcodes.
//
// The clips are synthesised from the text tables text/<lang>.tsv by
// `go generate ./prompts` (espeak-ng and sox) and embedded as μ-law; Load
// derives A-law once. A directory of WAV files can replace any clip by name
// (professionally recorded audio).
package prompts

import "strings"

//go:generate go run ./internal/gen -text text -out clips

// FrameSize is the number of bytes (= samples) in one 20 ms G.711 frame at 8 kHz.
const FrameSize = 160

// SampleRate is the sample rate of every clip, in Hz.
const SampleRate = 8000

// Law is a G.711 companding law.
type Law uint8

const (
	LawUnknown Law = iota
	Ulaw           // PCMU, RTP payload type 0
	Alaw           // PCMA, RTP payload type 8
)

// String returns the RTP encoding name (RFC 3551 section 6): "PCMU" or "PCMA".
func (l Law) String() string {
	switch l {
	case Ulaw:
		return "PCMU"
	case Alaw:
		return "PCMA"
	}
	return "unknown"
}

// ParseLaw parses an encoding name ("PCMU", "PCMA", "ulaw", "alaw", any
// case); anything else is LawUnknown.
func ParseLaw(s string) Law {
	switch strings.ToLower(s) {
	case "pcmu", "ulaw", "mulaw", "u-law", "μ-law":
		return Ulaw
	case "pcma", "alaw", "a-law":
		return Alaw
	}
	return LawUnknown
}

// Silence is the law's code for a zero sample: 0xFF for μ-law, 0xD5 for A-law.
func (l Law) Silence() byte {
	if l == Alaw {
		return 0xD5
	}
	return 0xFF
}

// Clip is one prompt, pre-encoded in both laws. Both slices have the same
// length, a multiple of FrameSize (the last frame padded with silence).
// Clips are shared by every call: never modify them.
type Clip struct {
	Name string
	Ulaw []byte
	Alaw []byte
}

// Frames is the number of 20 ms frames in the clip.
func (c *Clip) Frames() int { return len(c.Ulaw) / FrameSize }

// Frame returns frame i encoded in law. It does not copy.
func (c *Clip) Frame(law Law, i int) []byte {
	b := c.Ulaw
	if law == Alaw {
		b = c.Alaw
	}
	return b[i*FrameSize : (i+1)*FrameSize]
}

// newClip builds a clip from audio in both laws (same length), padding each
// to whole frames with its silence byte. It copies, so the inputs may be
// read-only (embedded) memory.
func newClip(name string, ulaw, alaw []byte) *Clip {
	n := (len(ulaw) + FrameSize - 1) / FrameSize * FrameSize
	buf := make([]byte, 2*n)
	u, a := buf[:n:n], buf[n:]
	copy(u, ulaw)
	copy(a, alaw)
	for i := len(ulaw); i < n; i++ {
		u[i] = Ulaw.Silence()
		a[i] = Alaw.Silence()
	}
	return &Clip{Name: name, Ulaw: u, Alaw: a}
}
