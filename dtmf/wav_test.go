package dtmf

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/zaf/g711"
)

// wavFile builds a WAV file by hand.
type wavFile struct {
	format   uint16
	channels uint16
	rate     uint32
	bits     uint16
	fmtExtra []byte // bytes after the 16-byte fmt body
	before   []byte // whole chunks before data
	data     []byte
	dataSize int // announced size; -1 means len(data)
}

func (w wavFile) bytes() []byte {
	var fmtBody []byte
	fmtBody = binary.LittleEndian.AppendUint16(fmtBody, w.format)
	fmtBody = binary.LittleEndian.AppendUint16(fmtBody, w.channels)
	fmtBody = binary.LittleEndian.AppendUint32(fmtBody, w.rate)
	fmtBody = binary.LittleEndian.AppendUint32(fmtBody, w.rate*uint32(w.channels)*uint32(w.bits)/8)
	fmtBody = binary.LittleEndian.AppendUint16(fmtBody, w.channels*w.bits/8)
	fmtBody = binary.LittleEndian.AppendUint16(fmtBody, w.bits)
	fmtBody = append(fmtBody, w.fmtExtra...)
	var b []byte
	b = append(b, "RIFF\x00\x00\x00\x00WAVE"...)
	b = append(b, "fmt "...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(fmtBody)))
	b = append(b, fmtBody...)
	b = append(b, w.before...)
	b = append(b, "data"...)
	size := w.dataSize
	if size < 0 {
		size = len(w.data)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = append(b, w.data...)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func TestReadWAV(t *testing.T) {
	pcm := []int16{0, 1, -1, 32767, -32768, 1000}
	var pcmData, ulaw, alaw []byte
	var ulawWant, alawWant []int16
	for _, s := range pcm {
		pcmData = binary.LittleEndian.AppendUint16(pcmData, uint16(s))
		u := g711.EncodeUlawFrame(s)
		ulaw = append(ulaw, u)
		ulawWant = append(ulawWant, g711.DecodeUlawFrame(u))
		a := g711.EncodeAlawFrame(s)
		alaw = append(alaw, a)
		alawWant = append(alawWant, g711.DecodeAlawFrame(a))
	}
	extensible := func(tag uint16, bits uint16) []byte {
		x := []byte{22, 0}
		x = binary.LittleEndian.AppendUint16(x, bits)
		x = append(x, 4, 0, 0, 0)
		x = binary.LittleEndian.AppendUint16(x, tag)
		return append(x, "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"...)
	}
	list := append([]byte("LIST\x05\x00\x00\x00abcde"), 0) // odd size, padded
	cases := []struct {
		name string
		file []byte
		want []int16
		err  error
	}{
		{"pcm16", wavFile{format: 1, channels: 1, rate: 8000, bits: 16, data: pcmData, dataSize: -1}.bytes(), pcm, nil},
		{"ulaw", wavFile{format: 7, channels: 1, rate: 8000, bits: 8, fmtExtra: []byte{0, 0}, before: []byte("fact\x04\x00\x00\x00\x06\x00\x00\x00"), data: ulaw, dataSize: -1}.bytes(), ulawWant, nil},
		{"alaw", wavFile{format: 6, channels: 1, rate: 8000, bits: 8, data: alaw, dataSize: -1}.bytes(), alawWant, nil},
		{"pcm16 extensible", wavFile{format: 0xFFFE, channels: 1, rate: 8000, bits: 16, fmtExtra: extensible(1, 16), data: pcmData, dataSize: -1}.bytes(), pcm, nil},
		{"ulaw extensible", wavFile{format: 0xFFFE, channels: 1, rate: 8000, bits: 8, fmtExtra: extensible(7, 8), data: ulaw, dataSize: -1}.bytes(), ulawWant, nil},
		{"odd chunk before data", wavFile{format: 1, channels: 1, rate: 8000, bits: 16, before: list, data: pcmData, dataSize: -1}.bytes(), pcm, nil},
		{"empty data", wavFile{format: 1, channels: 1, rate: 8000, bits: 16, dataSize: -1}.bytes(), []int16{}, nil},

		{"not riff", []byte("RIFX\x00\x00\x00\x00WAVE"), nil, ErrNotWAV},
		{"not wave", []byte("RIFF\x00\x00\x00\x00AVI "), nil, ErrNotWAV},
		{"short header", []byte("RIFF"), nil, ErrNotWAV},
		{"empty", nil, nil, ErrNotWAV},
		{"stereo", wavFile{format: 1, channels: 2, rate: 8000, bits: 16, data: pcmData, dataSize: -1}.bytes(), nil, ErrWAVChannels},
		{"16 kHz", wavFile{format: 1, channels: 1, rate: 16000, bits: 16, data: pcmData, dataSize: -1}.bytes(), nil, ErrWAVRate},
		{"44.1 kHz", wavFile{format: 1, channels: 1, rate: 44100, bits: 16, data: pcmData, dataSize: -1}.bytes(), nil, ErrWAVRate},
		{"8-bit pcm", wavFile{format: 1, channels: 1, rate: 8000, bits: 8, data: ulaw, dataSize: -1}.bytes(), nil, ErrWAVFormat},
		{"float", wavFile{format: 3, channels: 1, rate: 8000, bits: 32, data: pcmData, dataSize: -1}.bytes(), nil, ErrWAVFormat},
		{"gsm", wavFile{format: 0x31, channels: 1, rate: 8000, bits: 0, data: pcmData, dataSize: -1}.bytes(), nil, ErrWAVFormat},
		{"truncated data", wavFile{format: 1, channels: 1, rate: 8000, bits: 16, data: pcmData, dataSize: 100}.bytes(), nil, ErrWAVTruncated},
		{"no data chunk", wavFile{format: 1, channels: 1, rate: 8000, bits: 16, data: pcmData, dataSize: -1}.bytes()[:36], nil, ErrWAVTruncated},
		{"truncated fmt", wavFile{format: 1, channels: 1, rate: 8000, bits: 16, data: pcmData, dataSize: -1}.bytes()[:30], nil, ErrWAVTruncated},
		{"data before fmt", []byte("RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00\x01\x00"), nil, ErrWAVFormat},
		{"huge data announced", wavFile{format: 1, channels: 1, rate: 8000, bits: 16, data: pcmData, dataSize: 0x7FFFFFFF}.bytes(), nil, ErrWAVFormat},
	}
	for _, tc := range cases {
		got, err := ReadWAV(bytes.NewReader(tc.file))
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.err)
			continue
		}
		if err == nil && !equalInt16(got, tc.want) {
			t.Errorf("%s: samples %v, want %v", tc.name, got, tc.want)
		}
	}
}

func equalInt16(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWriteReadDetect(t *testing.T) {
	samples, err := Sequence("0123456789*#", 80*time.Millisecond, 120*time.Millisecond, nominal(-12))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteWAV(&buf, samples); err != nil {
		t.Fatal(err)
	}
	back, err := ReadWAV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !equalInt16(back, samples) {
		t.Fatal("WAV round trip changed the samples")
	}
	evs := DetectSamples(back)
	var keys []byte
	for i, e := range evs {
		keys = append(keys, e.Key)
		// Key i sounds from 120+200i to 200+200i ms; the detector's
		// times are within 10 ms.
		start, end := int64(120+200*i), int64(200+200*i)
		if abs64(e.StartMS-start) > 10 || abs64(e.EndMS-end) > 10 {
			t.Errorf("key %c: %d-%d ms, want about %d-%d", e.Key, e.StartMS, e.EndMS, start, end)
		}
	}
	if string(keys) != "0123456789*#" {
		t.Errorf("keys %q", keys)
	}
	j, err := json.Marshal(evs[:1])
	if err != nil || string(j) != `[{"key":"0","start_ms":`+itoa(evs[0].StartMS)+`,"end_ms":`+itoa(evs[0].EndMS)+`}]` {
		t.Errorf("JSON %s, %v", j, err)
	}
	// A key still sounding at the end of the recording ends there.
	tail, _ := Sequence("5", 100*time.Millisecond, 0, nominal(-12))
	evs = DetectSamples(tail)
	if len(evs) != 1 || evs[0].Key != '5' || evs[0].EndMS > 100 {
		t.Errorf("key at end of recording: %+v", evs)
	}
	if evs := DetectSamples(nil); len(evs) != 0 {
		t.Errorf("empty recording: %+v", evs)
	}
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func itoa(x int64) string { return strconv.FormatInt(x, 10) }

func FuzzReadWAV(f *testing.F) {
	f.Add(wavFile{format: 1, channels: 1, rate: 8000, bits: 16, data: []byte{1, 2, 3, 4}, dataSize: -1}.bytes())
	f.Add(wavFile{format: 7, channels: 1, rate: 8000, bits: 8, data: []byte{0xff, 0x7f}, dataSize: -1}.bytes())
	f.Add(wavFile{format: 6, channels: 1, rate: 8000, bits: 8, before: []byte("LIST\x01\x00\x00\x00a\x00"), data: []byte{0xd5}, dataSize: -1}.bytes())
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ReadWAV(bytes.NewReader(b))
		if err != nil {
			for _, want := range []error{ErrNotWAV, ErrWAVFormat, ErrWAVRate, ErrWAVChannels, ErrWAVTruncated} {
				if errors.Is(err, want) {
					return
				}
			}
			t.Fatalf("error of no known kind: %v", err)
		}
		if len(s) > len(b) {
			t.Fatalf("%d samples from %d bytes", len(s), len(b))
		}
		DetectSamples(s)
	})
}
