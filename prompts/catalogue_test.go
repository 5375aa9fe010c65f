package prompts

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/dezura/dezura/prompts/internal/table"
	"github.com/zaf/g711"
)

func load(t testing.TB) *Catalogue {
	t.Helper()
	c, err := Load("")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// rmsPeak returns the RMS and peak of μ-law audio decoded to 16-bit PCM.
func rmsPeak(ulaw []byte) (rms float64, peak int) {
	var sum float64
	for _, b := range ulaw {
		s := int(g711.DecodeUlawFrame(b))
		sum += float64(s * s)
		if s < 0 {
			s = -s
		}
		peak = max(peak, s)
	}
	return math.Sqrt(sum / float64(len(ulaw))), peak
}

func TestEveryNameInEveryLanguageIsSpeech(t *testing.T) {
	c := load(t)
	if got := c.Languages(); strings.Join(got, ",") != "en,ja" {
		t.Fatalf("Languages() = %v, want [en ja]", got)
	}
	names := RequiredNames()
	for d := 0; d <= 9; d++ {
		names = append(names, DigitName(d))
	}
	for _, lang := range []string{Japanese, English} {
		for _, name := range names {
			cl, err := c.Clip(lang, name)
			if err != nil {
				t.Errorf("%s %s: %v", lang, name, err)
				continue
			}
			if cl.Name != name {
				t.Errorf("%s %s: clip named %q", lang, name, cl.Name)
			}
			// Shortest clips are single digits (~0.3 s); nothing should exceed 10 s.
			if cl.Frames() < 10 || cl.Frames() > 500 {
				t.Errorf("%s %s: %d frames, want 10..500", lang, name, cl.Frames())
			}
			rms, peak := rmsPeak(cl.Ulaw)
			if rms < 500 || peak < 4000 {
				t.Errorf("%s %s: RMS %.0f peak %d: silent or too quiet", lang, name, rms, peak)
			}
			if peak >= 32000 {
				t.Errorf("%s %s: peak %d: clipped", lang, name, peak)
			}
			// Leading silence is trimmed: speech starts in the first 100 ms.
			if _, p := rmsPeak(cl.Ulaw[:800]); p < 300 {
				t.Errorf("%s %s: first 100 ms silent (peak %d): leading silence not trimmed", lang, name, p)
			}
		}
	}
}

func TestEveryTableRowHasAClipAndText(t *testing.T) {
	c := load(t)
	for _, lang := range c.Languages() {
		src, err := embedded.ReadFile("text/" + lang + ".tsv")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := table.Parse(strings.NewReader(string(src)))
		if err != nil {
			t.Fatal(err)
		}
		names, err := c.Names(lang)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != len(rows) {
			t.Errorf("%s: %d clips, %d table rows", lang, len(names), len(rows))
		}
		for _, r := range rows {
			txt, err := c.Text(lang, r.Name)
			if err != nil || txt != r.Text {
				t.Errorf("%s %s: Text = %q, %v; want %q", lang, r.Name, txt, err, r.Text)
			}
		}
	}
}

func TestFramesAreWholeAndPaddedWithSilence(t *testing.T) {
	c := load(t)
	for _, lang := range c.Languages() {
		names, _ := c.Names(lang)
		for _, name := range names {
			cl, _ := c.Clip(lang, name)
			if len(cl.Ulaw) == 0 || len(cl.Ulaw)%FrameSize != 0 || len(cl.Alaw) != len(cl.Ulaw) {
				t.Errorf("%s %s: ulaw %d alaw %d bytes, want equal whole frames of %d", lang, name, len(cl.Ulaw), len(cl.Alaw), FrameSize)
				continue
			}
			last := cl.Frames() - 1
			if u, a := cl.Frame(Ulaw, last), cl.Frame(Alaw, last); u[FrameSize-1] != 0xFF || a[FrameSize-1] != 0xD5 {
				// The generator appends a pause, so the last sample is silence in both laws.
				t.Errorf("%s %s: last sample ulaw %#x alaw %#x, want 0xff 0xd5", lang, name, u[FrameSize-1], a[FrameSize-1])
			}
		}
	}
}

func TestAlawIsDerivedFromUlaw(t *testing.T) {
	// Every μ-law code converts to an A-law code of about the same value.
	for u := 0; u < 256; u++ {
		x := int(g711.DecodeUlawFrame(byte(u)))
		y := int(g711.DecodeAlawFrame(g711.Ulaw2AlawFrame(byte(u))))
		if d := abs(x - y); d > 16+abs(x)/16 {
			t.Errorf("μ-law %#x = %d, its A-law = %d", u, x, y)
		}
	}
	if got := g711.Ulaw2AlawFrame(Ulaw.Silence()); got != Alaw.Silence() {
		t.Errorf("μ-law silence converts to %#x, want %#x", got, Alaw.Silence())
	}
	c := load(t)
	for _, lang := range c.Languages() {
		names, _ := c.Names(lang)
		for _, name := range names {
			cl, _ := c.Clip(lang, name)
			u := g711.DecodeUlaw(cl.Ulaw)
			a := g711.DecodeAlaw(cl.Alaw)
			var diff, sig float64
			for i := 0; i+1 < len(u); i += 2 {
				x := float64(int16(uint16(u[i]) | uint16(u[i+1])<<8))
				y := float64(int16(uint16(a[i]) | uint16(a[i+1])<<8))
				diff += (x - y) * (x - y)
				sig += x * x
			}
			// Both laws carry the same audio: the difference is quantisation noise,
			// more than 30 dB below the signal.
			if snr := 10 * math.Log10(sig/max(diff, 1)); snr < 30 {
				t.Errorf("%s %s: A-law differs from μ-law (SNR %.1f dB)", lang, name, snr)
			}
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestClipErrors(t *testing.T) {
	c := load(t)
	tests := []struct {
		lang, name string
		want       error
	}{
		{"ja", "no_such_prompt", ErrUnknownClip},
		{"en", "", ErrUnknownClip},
		{"fr", Greeting, ErrUnknownLanguage},
		{"", Greeting, ErrUnknownLanguage},
		{"en", "hour_0", ErrUnknownClip}, // English uses a 12-hour clock
	}
	for _, tt := range tests {
		if _, err := c.Clip(tt.lang, tt.name); !errors.Is(err, tt.want) {
			t.Errorf("Clip(%q, %q) = %v, want %v", tt.lang, tt.name, err, tt.want)
		}
	}
	if _, err := c.Clips("ja", Greeting, "nope"); !errors.Is(err, ErrUnknownClip) {
		t.Errorf("Clips with an unknown name = %v", err)
	}
	if _, err := c.Text("ja", "nope"); !errors.Is(err, ErrUnknownClip) {
		t.Errorf("Text unknown = %v", err)
	}
	if _, err := c.Names("xx"); !errors.Is(err, ErrUnknownLanguage) {
		t.Errorf("Names unknown = %v", err)
	}
}

func TestLaw(t *testing.T) {
	tests := []struct {
		in   string
		want Law
		str  string
	}{
		{"PCMU", Ulaw, "PCMU"},
		{"pcma", Alaw, "PCMA"},
		{"ulaw", Ulaw, "PCMU"},
		{"alaw", Alaw, "PCMA"},
		{"G722", LawUnknown, "unknown"},
		{"", LawUnknown, "unknown"},
	}
	for _, tt := range tests {
		got := ParseLaw(tt.in)
		if got != tt.want || got.String() != tt.str {
			t.Errorf("ParseLaw(%q) = %v (%s), want %v (%s)", tt.in, got, got, tt.want, tt.str)
		}
		if tt.want != LawUnknown && ParseLaw(got.String()) != got {
			t.Errorf("%v does not round-trip", got)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(""); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPausesInsideClipsAreShort guards the contract with callers that find
// the end of a prompt by its silence (the simulator waits for 700 ms below an
// RMS of 330): no clip pauses that long inside, and every clip ends in
// silence of at least the generator's pause.
func TestPausesInsideClipsAreShort(t *testing.T) {
	const threshold = 330 // frame RMS, 16-bit linear
	c := load(t)
	for _, lang := range c.Languages() {
		names, _ := c.Names(lang)
		for _, name := range names {
			cl, _ := c.Clip(lang, name)
			run, longest := 0, 0
			for i := range cl.Frames() {
				if rms, _ := rmsPeak(cl.Frame(Ulaw, i)); rms < threshold {
					run++
					continue
				}
				longest = max(longest, run)
				run = 0
			}
			if longest*20 >= 500 {
				t.Errorf("%s %s: %d ms of silence inside the clip", lang, name, longest*20)
			}
			if run*20 < 60 {
				t.Errorf("%s %s: ends in %d ms of silence, want at least 60", lang, name, run*20)
			}
		}
	}
}
