// Package prompts holds the prompt catalogue: clips per language, stored
// pre-encoded as 8 kHz G.711 in 20 ms frames so playback never transcodes.
package prompts

// FrameSize is the number of bytes (= samples) in one 20 ms G.711 frame at 8 kHz.
const FrameSize = 160

// Law is a G.711 companding law.
type Law uint8

const (
	LawUnknown Law = iota
	Ulaw           // PCMU, RTP payload type 0
	Alaw           // PCMA, RTP payload type 8
)

// Clip is one prompt, pre-encoded in both laws. Both slices have the same
// length, a multiple of FrameSize (the last frame padded with silence).
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
