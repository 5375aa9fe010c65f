package prompts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zaf/g711"
)

// wavSpec describes a WAV file for makeWAV.
type wavSpec struct {
	tag        uint16
	channels   uint16
	rate       uint32
	bits       uint16
	extensible bool
	data       []byte
	extra      []byte // a chunk placed before fmt, e.g. LIST
}

func makeWAV(s wavSpec) []byte {
	le := binary.LittleEndian
	var fmtb bytes.Buffer
	tag := s.tag
	if s.extensible {
		tag = wavExtensible
	}
	align := s.channels * s.bits / 8
	for _, v := range []any{tag, s.channels, s.rate, s.rate * uint32(align), align, s.bits} {
		binary.Write(&fmtb, le, v)
	}
	if s.extensible {
		binary.Write(&fmtb, le, uint16(22)) // cbSize
		binary.Write(&fmtb, le, s.bits)     // valid bits
		binary.Write(&fmtb, le, uint32(0))  // channel mask
		binary.Write(&fmtb, le, s.tag)      // sub-format GUID: tag, then the fixed tail
		fmtb.Write([]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71})
	}
	var body bytes.Buffer
	body.WriteString("WAVE")
	chunk := func(id string, b []byte) {
		body.WriteString(id)
		binary.Write(&body, le, uint32(len(b)))
		body.Write(b)
		if len(b)%2 == 1 {
			body.WriteByte(0)
		}
	}
	if s.extra != nil {
		chunk("LIST", s.extra)
	}
	chunk("fmt ", fmtb.Bytes())
	chunk("data", s.data)
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, le, uint32(body.Len()))
	out.Write(body.Bytes())
	return out.Bytes()
}

// tone returns n samples of a 440 Hz tone as little-endian 16-bit PCM.
func tone(n int) []byte {
	b := make([]byte, 2*n)
	for i := range n {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/SampleRate))
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

func TestDecodeWAV(t *testing.T) {
	pcm := tone(1000)
	ulaw := g711.EncodeUlaw(pcm)
	alaw := g711.EncodeAlaw(pcm)
	good := []struct {
		name     string
		spec     wavSpec
		wantUlaw []byte
		wantAlaw []byte
	}{
		{"pcm16", wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16, data: pcm}, ulaw, alaw},
		{"ulaw", wavSpec{tag: wavUlaw, channels: 1, rate: 8000, bits: 8, data: ulaw}, ulaw, g711.Ulaw2Alaw(ulaw)},
		{"alaw", wavSpec{tag: wavAlaw, channels: 1, rate: 8000, bits: 8, data: alaw}, g711.Alaw2Ulaw(alaw), alaw},
		{"extensible pcm", wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16, extensible: true, data: pcm}, ulaw, alaw},
		{"odd LIST chunk first", wavSpec{tag: wavUlaw, channels: 1, rate: 8000, bits: 8, data: ulaw, extra: []byte("INFOx")}, ulaw, g711.Ulaw2Alaw(ulaw)},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			cl, err := DecodeWAV("x", makeWAV(tt.spec))
			if err != nil {
				t.Fatal(err)
			}
			if cl.Frames() != 7 || len(cl.Alaw) != len(cl.Ulaw) { // 1000 samples -> 7 frames
				t.Fatalf("%d frames, alaw %d ulaw %d", cl.Frames(), len(cl.Alaw), len(cl.Ulaw))
			}
			if !bytes.Equal(cl.Ulaw[:1000], tt.wantUlaw) || !bytes.Equal(cl.Alaw[:1000], tt.wantAlaw) {
				t.Error("audio differs")
			}
			for i := 1000; i < len(cl.Ulaw); i++ {
				if cl.Ulaw[i] != 0xFF || cl.Alaw[i] != 0xD5 {
					t.Fatalf("padding at %d: %#x %#x", i, cl.Ulaw[i], cl.Alaw[i])
				}
			}
		})
	}

	base := wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16, data: pcm}
	bad := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "not a RIFF WAVE"},
		{"mp3", []byte("ID3\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "not a RIFF WAVE"},
		{"16 kHz", makeWAV(with(base, func(s *wavSpec) { s.rate = 16000 })), "sample rate 16000 Hz, want 8000"},
		{"44.1 kHz", makeWAV(with(base, func(s *wavSpec) { s.rate = 44100 })), "sample rate 44100 Hz"},
		{"stereo", makeWAV(with(base, func(s *wavSpec) { s.channels = 2 })), "2 channels, want 1"},
		{"8-bit PCM", makeWAV(with(base, func(s *wavSpec) { s.bits = 8; s.data = pcm[:1000] })), "8-bit PCM, want 16-bit"},
		{"24-bit PCM", makeWAV(with(base, func(s *wavSpec) { s.bits = 24; s.data = pcm[:999] })), "24-bit PCM"},
		{"float", makeWAV(with(base, func(s *wavSpec) { s.tag = 3; s.bits = 32 })), "format 3, want"},
		{"16-bit μ-law", makeWAV(with(base, func(s *wavSpec) { s.tag = wavUlaw })), "16-bit G.711, want 8-bit"},
		{"no audio", makeWAV(with(base, func(s *wavSpec) { s.data = []byte{} })), "no audio"},
		{"half a sample", makeWAV(with(base, func(s *wavSpec) { s.data = pcm[:3] })), "not whole samples"},
		{"truncated", makeWAV(base)[:500], "runs past the end"},
		{"no data", makeWAV(base)[:36], "no data chunk"},
		{"header only", []byte("RIFF\x04\x00\x00\x00WAVE"), "no fmt chunk"},
		{"short fmt", []byte("RIFF\x10\x00\x00\x00WAVEfmt \x04\x00\x00\x00\x01\x00\x01\x00"), "fmt chunk of 4 bytes"},
		{"broken chunk header", append(makeWAV(base), 'x', 'y'), "truncated chunk header"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeWAV("x", tt.b)
			if !errors.Is(err, ErrBadWAV) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrBadWAV saying %q", err, tt.want)
			}
		})
	}
}

func with(s wavSpec, f func(*wavSpec)) wavSpec {
	f(&s)
	return s
}

func TestOverrideReplacesClip(t *testing.T) {
	dir := t.TempDir()
	pcm := tone(4000)
	write(t, filepath.Join(dir, "ja", "greeting.wav"), makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16, data: pcm}))
	ulaw := g711.EncodeUlaw(tone(1600))
	write(t, filepath.Join(dir, "ja", "digit_1.WAV"), makeWAV(wavSpec{tag: wavUlaw, channels: 1, rate: 8000, bits: 8, data: ulaw}))
	write(t, filepath.Join(dir, ".DS_Store"), []byte("junk")) // hidden files are ignored
	write(t, filepath.Join(dir, "ja", ".greeting.wav.swp"), []byte("junk"))
	// A symbolic link to a language directory is followed.
	other := t.TempDir()
	write(t, filepath.Join(other, "goodbye.wav"), makeWAV(wavSpec{tag: wavAlaw, channels: 1, rate: 8000, bits: 8, data: g711.EncodeAlaw(pcm)}))
	if err := os.Symlink(other, filepath.Join(dir, "en")); err != nil {
		t.Fatal(err)
	}

	embedded := load(t)
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := c.Clip("ja", Greeting)
	if g.Frames() != 25 || !bytes.Equal(g.Ulaw, g711.EncodeUlaw(pcm)) || !bytes.Equal(g.Alaw, g711.EncodeAlaw(pcm)) {
		t.Errorf("ja greeting not replaced: %d frames", g.Frames())
	}
	d, _ := c.Clip("ja", "digit_1")
	if d.Frames() != 10 || !bytes.Equal(d.Ulaw, ulaw) {
		t.Errorf("ja digit_1 not replaced: %d frames", d.Frames())
	}
	if g, _ := c.Clip("en", Goodbye); g.Frames() != 25 || !bytes.Equal(g.Alaw, g711.EncodeAlaw(pcm)) {
		t.Errorf("en goodbye (through a symbolic link) not replaced: %d frames", g.Frames())
	}
	// Other clips, and the same name in the other language, stay embedded.
	for _, k := range [][2]string{{"en", Greeting}, {"en", "digit_1"}, {"ja", Goodbye}} {
		a, _ := c.Clip(k[0], k[1])
		b, _ := embedded.Clip(k[0], k[1])
		if !bytes.Equal(a.Ulaw, b.Ulaw) {
			t.Errorf("%s %s changed", k[0], k[1])
		}
	}
	// Loading again from the embedded data is not affected by the override.
	if g2, _ := load(t).Clip("ja", Greeting); bytes.Equal(g2.Ulaw, g.Ulaw) {
		t.Error("override leaked into a later Load")
	}
}

func TestOverrideRejectsBadFiles(t *testing.T) {
	good := makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16, data: tone(800)})
	tests := []struct {
		name  string
		files map[string][]byte
		want  []string // in the error message
	}{
		{"unknown name", map[string][]byte{"ja/greting.wav": good}, []string{"ja/greting.wav", `no prompt named "greting"`}},
		{"unknown language", map[string][]byte{"fr/greeting.wav": good}, []string{"fr", `unknown language "fr"`}},
		{"wrong rate", map[string][]byte{"ja/greeting.wav": makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, data: tone(800)})}, []string{"ja/greeting.wav", "sample rate 16000 Hz"}},
		{"malformed", map[string][]byte{"en/goodbye.wav": good[:60]}, []string{"en/goodbye.wav", "runs past the end"}},
		{"not wav", map[string][]byte{"ja/greeting.mp3": []byte("ID3")}, []string{"ja/greeting.mp3", "not a .wav file"}},
		{"file at top level", map[string][]byte{"greeting.wav": good}, []string{"greeting.wav", "not a language directory"}},
		{"hour English lacks", map[string][]byte{"en/hour_13.wav": good}, []string{"en/hour_13.wav", "no prompt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, b := range tt.files {
				write(t, filepath.Join(dir, p), b)
			}
			c, err := Load(dir)
			if c != nil || !errors.Is(err, ErrBadOverride) {
				t.Fatalf("Load = %v, %v; want ErrBadOverride", c, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, ErrBadOverride) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing dir: %v", err)
	}
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzDecodeWAV feeds arbitrary files to the override reader: it must never
// panic, and what it accepts must be a well-formed clip.
func FuzzDecodeWAV(f *testing.F) {
	pcm := tone(300)
	f.Add(makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16, data: pcm}))
	f.Add(makeWAV(wavSpec{tag: wavUlaw, channels: 1, rate: 8000, bits: 8, data: g711.EncodeUlaw(pcm)}))
	f.Add(makeWAV(wavSpec{tag: wavAlaw, channels: 1, rate: 8000, bits: 8, data: g711.EncodeAlaw(pcm), extra: []byte("INFO")}))
	f.Add(makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16, extensible: true, data: pcm}))
	f.Add(makeWAV(wavSpec{tag: wavPCM, channels: 2, rate: 44100, bits: 16, data: pcm}))
	for _, name := range []string{"sox-pcm16.wav", "sox-ulaw.wav", "sox-alaw.wav", "sox-16khz.wav"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cl, err := DecodeWAV("f", b)
		if err != nil {
			if !errors.Is(err, ErrBadWAV) {
				t.Fatalf("error %v does not wrap ErrBadWAV", err)
			}
			return
		}
		if cl.Frames() == 0 || len(cl.Ulaw)%FrameSize != 0 || len(cl.Alaw) != len(cl.Ulaw) {
			t.Fatalf("accepted a malformed clip: ulaw %d alaw %d", len(cl.Ulaw), len(cl.Alaw))
		}
		if len(cl.Ulaw) > len(b)+FrameSize {
			t.Fatalf("clip of %d samples from a file of %d bytes", len(cl.Ulaw), len(b))
		}
	})
}

// TestDecodeSoxFiles reads files written by sox, as a user would make them.
func TestDecodeSoxFiles(t *testing.T) {
	tests := []struct {
		file string
		want string // "" = accepted, 800 samples (0.1 s) = 5 frames
	}{
		{"sox-pcm16.wav", ""},
		{"sox-ulaw.wav", ""},
		{"sox-alaw.wav", ""},
		{"sox-16khz.wav", "sample rate 16000 Hz"},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		cl, err := DecodeWAV(tt.file, b)
		if tt.want != "" {
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: err %v, want %q", tt.file, err, tt.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if cl.Frames() != 5 {
			t.Errorf("%s: %d frames, want 5", tt.file, cl.Frames())
		}
		if rms, _ := rmsPeak(cl.Ulaw); rms < 1000 {
			t.Errorf("%s: RMS %.0f, want a full-scale tone", tt.file, rms)
		}
	}
}
