package dtmf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/zaf/g711"
)

// WAV format tags (RFC 2361 appendix A).
const (
	wavPCM        = 1
	wavALaw       = 6
	wavMuLaw      = 7
	wavExtensible = 0xFFFE
)

// maxWAVSamples bounds what ReadWAV accepts: 6 hours at 8 kHz (345 MB of
// int16). Beyond it the file is rejected rather than exhausting memory.
const maxWAVSamples = 6 * 3600 * sampleRate

// ReadWAV reads an 8 kHz mono WAV file and returns its samples as 16-bit
// linear PCM. It accepts 16-bit PCM (format tag 1), G.711 A-law (6) and
// μ-law (7), also inside WAVE_FORMAT_EXTENSIBLE. Chunks other than "fmt "
// and "data" are skipped. Errors wrap ErrNotWAV, ErrWAVFormat, ErrWAVRate,
// ErrWAVChannels or ErrWAVTruncated.
func ReadWAV(r io.Reader) ([]int16, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: %d-byte RIFF header: %w", ErrNotWAV, len(hdr), err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: no RIFF/WAVE signature", ErrNotWAV)
	}
	var (
		haveFmt bool
		format  uint16
		bits    uint16
	)
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("%w: no data chunk", ErrWAVTruncated)
			}
			return nil, fmt.Errorf("read WAV chunk header: %w", err)
		}
		id := string(ch[0:4])
		size := binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, fmt.Errorf("%w: fmt chunk of %d bytes", ErrWAVFormat, size)
			}
			buf := make([]byte, size+size&1)
			if _, err := io.ReadFull(r, buf); err != nil {
				return nil, fmt.Errorf("%w: in fmt chunk: %w", ErrWAVTruncated, err)
			}
			format = binary.LittleEndian.Uint16(buf[0:2])
			channels := binary.LittleEndian.Uint16(buf[2:4])
			rate := binary.LittleEndian.Uint32(buf[4:8])
			bits = binary.LittleEndian.Uint16(buf[14:16])
			if format == wavExtensible {
				// cbSize(2) validBits(2) channelMask(4) subformat GUID(16),
				// whose first two bytes are the format tag.
				if size < 40 {
					return nil, fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes", ErrWAVFormat, size)
				}
				format = binary.LittleEndian.Uint16(buf[24:26])
			}
			if channels != 1 {
				return nil, fmt.Errorf("%w: %d channels", ErrWAVChannels, channels)
			}
			if rate != sampleRate {
				return nil, fmt.Errorf("%w: %d Hz", ErrWAVRate, rate)
			}
			switch {
			case format == wavPCM && bits == 16:
			case (format == wavALaw || format == wavMuLaw) && bits == 8:
			default:
				return nil, fmt.Errorf("%w: format tag %d with %d bits per sample", ErrWAVFormat, format, bits)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, fmt.Errorf("%w: data chunk before fmt chunk", ErrWAVFormat)
			}
			return readWAVData(r, size, format)
		default:
			skip := int64(size) + int64(size&1)
			if n, err := io.CopyN(io.Discard, r, skip); err != nil {
				return nil, fmt.Errorf("%w: in %q chunk after %d of %d bytes", ErrWAVTruncated, id, n, skip)
			}
		}
	}
}

func readWAVData(r io.Reader, size uint32, format uint16) ([]int16, error) {
	bytesPer := 1
	if format == wavPCM {
		bytesPer = 2
	}
	n := int64(size) / int64(bytesPer)
	if n > maxWAVSamples {
		return nil, fmt.Errorf("%w: data chunk of %d samples is over the %d-sample limit", ErrWAVFormat, n, maxWAVSamples)
	}
	// Read in pieces so a header announcing more than the file holds costs
	// no more memory than the file.
	out := make([]int16, 0, min(n, 1<<16))
	buf := make([]byte, 8192)
	remaining := n * int64(bytesPer)
	for remaining > 0 {
		chunk := buf[:min(int64(len(buf)), remaining)]
		got, err := io.ReadFull(r, chunk)
		chunk = chunk[:got-got%bytesPer]
		switch format {
		case wavPCM:
			for i := 0; i+1 < len(chunk); i += 2 {
				out = append(out, int16(binary.LittleEndian.Uint16(chunk[i:])))
			}
		case wavMuLaw:
			for _, b := range chunk {
				out = append(out, g711.DecodeUlawFrame(b))
			}
		case wavALaw:
			for _, b := range chunk {
				out = append(out, g711.DecodeAlawFrame(b))
			}
		}
		remaining -= int64(got)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("%w: data chunk announces %d samples, file holds %d", ErrWAVTruncated, n, len(out))
			}
			return nil, fmt.Errorf("read WAV data: %w", err)
		}
	}
	return out, nil
}

// TimedEvent is a key found in a recording, with when it sounded (to the
// detector's 5 ms resolution) in milliseconds from the start.
type TimedEvent struct {
	Key     byte  `json:"-"`
	StartMS int64 `json:"start_ms"`
	EndMS   int64 `json:"end_ms"`
}

// DetectSamples runs a fresh in-band detector over a whole 8 kHz recording
// and returns every key found, in order. A key still sounding at the end of
// the recording ends there.
func DetectSamples(samples []int16) []TimedEvent { return DetectSamplesLost(samples, nil) }

// MarshalJSON writes {"key":"5","start_ms":120,"end_ms":180}.
func (e TimedEvent) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"key":%q,"start_ms":%d,"end_ms":%d}`, string(rune(e.Key)), e.StartMS, e.EndMS), nil
}

// WriteWAV writes samples as an 8 kHz mono 16-bit PCM WAV file (for tests,
// the simulator's recordings and bug reports).
func WriteWAV(w io.Writer, samples []int16) error {
	n := uint32(len(samples) * 2)
	b := make([]byte, 44, 44+len(samples)*2)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], 36+n)
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], wavPCM)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], sampleRate)
	binary.LittleEndian.PutUint32(b[28:], sampleRate*2)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], n)
	for _, s := range samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write WAV: %w", err)
	}
	return nil
}
