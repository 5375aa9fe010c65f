package prompts

import (
	"encoding/binary"
	"fmt"

	"github.com/zaf/g711"
)

// WAV format tags (the wFormatTag of the fmt chunk).
const (
	wavPCM        = 1
	wavAlaw       = 6
	wavUlaw       = 7
	wavExtensible = 0xFFFE
)

// MaxClipSeconds bounds an override clip: longer audio is refused.
const MaxClipSeconds = 300

// DecodeWAV decodes an 8 kHz mono WAV file (16-bit PCM, A-law or μ-law) into
// a clip in both laws, padded to whole frames. PCM is encoded to each law
// directly; G.711 input is kept as is and converted to the other law. It is a
// pure function of b and never panics; errors wrap ErrBadWAV and say what is
// wrong.
func DecodeWAV(name string, b []byte) (*Clip, error) {
	ulaw, alaw, err := decodeWAV(b)
	if err != nil {
		return nil, err
	}
	return newClip(name, ulaw, alaw), nil
}

type wavFormat struct {
	tag        uint16
	channels   uint16
	rate       uint32
	blockAlign uint16
	bits       uint16
}

func decodeWAV(b []byte) (ulaw, alaw []byte, err error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, nil, fmt.Errorf("%w: not a RIFF WAVE file", ErrBadWAV)
	}
	var (
		fmtChunk *wavFormat
		data     []byte
		haveData bool
	)
	for off := 12; off < len(b); {
		if len(b)-off < 8 {
			return nil, nil, fmt.Errorf("%w: truncated chunk header at byte %d", ErrBadWAV, off)
		}
		id := string(b[off : off+4])
		size := uint64(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		off += 8
		if size > uint64(len(b)-off) {
			return nil, nil, fmt.Errorf("%w: chunk %q of %d bytes runs past the end of the file", ErrBadWAV, printable(id), size)
		}
		body := b[off : off+int(size)]
		off += int(size)
		if size%2 == 1 && off < len(b) {
			off++ // RIFF chunks are padded to an even length
		}
		switch id {
		case "fmt ":
			if fmtChunk != nil {
				return nil, nil, fmt.Errorf("%w: two fmt chunks", ErrBadWAV)
			}
			f, err := parseFmt(body)
			if err != nil {
				return nil, nil, err
			}
			fmtChunk = f
		case "data":
			if haveData {
				return nil, nil, fmt.Errorf("%w: two data chunks", ErrBadWAV)
			}
			data, haveData = body, true
		}
	}
	if fmtChunk == nil {
		return nil, nil, fmt.Errorf("%w: no fmt chunk", ErrBadWAV)
	}
	if !haveData {
		return nil, nil, fmt.Errorf("%w: no data chunk", ErrBadWAV)
	}
	f := fmtChunk
	if f.channels != 1 {
		return nil, nil, fmt.Errorf("%w: %d channels, want 1 (mono)", ErrBadWAV, f.channels)
	}
	if f.rate != SampleRate {
		return nil, nil, fmt.Errorf("%w: sample rate %d Hz, want %d Hz", ErrBadWAV, f.rate, SampleRate)
	}
	bytesPerSample := 1
	switch f.tag {
	case wavPCM:
		if f.bits != 16 {
			return nil, nil, fmt.Errorf("%w: %d-bit PCM, want 16-bit", ErrBadWAV, f.bits)
		}
		bytesPerSample = 2
	case wavAlaw, wavUlaw:
		if f.bits != 8 {
			return nil, nil, fmt.Errorf("%w: %d-bit G.711, want 8-bit", ErrBadWAV, f.bits)
		}
	default:
		return nil, nil, fmt.Errorf("%w: format %d, want 16-bit PCM (1), A-law (6) or μ-law (7)", ErrBadWAV, f.tag)
	}
	if int(f.blockAlign) != bytesPerSample {
		return nil, nil, fmt.Errorf("%w: block align %d, want %d", ErrBadWAV, f.blockAlign, bytesPerSample)
	}
	if len(data)%bytesPerSample != 0 {
		return nil, nil, fmt.Errorf("%w: data of %d bytes is not whole samples", ErrBadWAV, len(data))
	}
	samples := len(data) / bytesPerSample
	if samples == 0 {
		return nil, nil, fmt.Errorf("%w: no audio", ErrBadWAV)
	}
	if samples > MaxClipSeconds*SampleRate {
		return nil, nil, fmt.Errorf("%w: %d s of audio, more than %d s", ErrBadWAV, samples/SampleRate, MaxClipSeconds)
	}
	switch f.tag {
	case wavPCM:
		return g711.EncodeUlaw(data), g711.EncodeAlaw(data), nil
	case wavUlaw:
		return data, g711.Ulaw2Alaw(data), nil
	default: // wavAlaw
		return g711.Alaw2Ulaw(data), data, nil
	}
}

// parseFmt parses a fmt chunk body: WAVEFORMATEX, and for
// WAVE_FORMAT_EXTENSIBLE the format tag taken from the sub-format GUID.
func parseFmt(b []byte) (*wavFormat, error) {
	if len(b) < 16 {
		return nil, fmt.Errorf("%w: fmt chunk of %d bytes, want at least 16", ErrBadWAV, len(b))
	}
	le := binary.LittleEndian
	f := &wavFormat{
		tag:        le.Uint16(b[0:2]),
		channels:   le.Uint16(b[2:4]),
		rate:       le.Uint32(b[4:8]),
		blockAlign: le.Uint16(b[12:14]),
		bits:       le.Uint16(b[14:16]),
	}
	if f.tag == wavExtensible {
		if len(b) < 40 {
			return nil, fmt.Errorf("%w: extensible fmt chunk of %d bytes, want 40", ErrBadWAV, len(b))
		}
		f.tag = le.Uint16(b[24:26]) // first bytes of the sub-format GUID
	}
	return f, nil
}

// printable keeps a chunk id readable in an error message.
func printable(s string) string {
	r := []byte(s)
	for i, c := range r {
		if c < 0x20 || c > 0x7e {
			r[i] = '?'
		}
	}
	return string(r)
}
