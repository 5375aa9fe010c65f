package simulator

import (
	"encoding/binary"
	"fmt"
	"io"
)

// WriteWAV writes samples as a RIFF/WAVE file: PCM (format 1), one channel,
// 8000 Hz, 16 bits little-endian.
func WriteWAV(w io.Writer, samples []int16) error {
	const (
		rate     = 8000
		channels = 1
		bits     = 16
	)
	dataLen := uint32(len(samples) * 2)
	h := make([]byte, 0, 44)
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, 36+dataLen)
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1)
	h = binary.LittleEndian.AppendUint16(h, channels)
	h = binary.LittleEndian.AppendUint32(h, rate)
	h = binary.LittleEndian.AppendUint32(h, rate*channels*bits/8)
	h = binary.LittleEndian.AppendUint16(h, channels*bits/8)
	h = binary.LittleEndian.AppendUint16(h, bits)
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, dataLen)
	body := make([]byte, 0, dataLen)
	for _, s := range samples {
		body = binary.LittleEndian.AppendUint16(body, uint16(s))
	}
	if _, err := w.Write(h); err != nil {
		return fmt.Errorf("simulator: write WAV header: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("simulator: write WAV data: %w", err)
	}
	return nil
}
