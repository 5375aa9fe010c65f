package prompts

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/dezura/dezura/prompts/internal/table"
	"github.com/zaf/g711"
)

func TestRecognise(t *testing.T) {
	c := load(t)
	for _, law := range []Law{Ulaw, Alaw} {
		t.Run(law.String(), func(t *testing.T) {
			var rec bytes.Buffer
			clip := func(lang, name string) *Clip {
				cl, err := c.Clip(lang, name)
				if err != nil {
					t.Fatal(err)
				}
				return cl
			}
			all := func(cl *Clip) []byte {
				if law == Alaw {
					return cl.Alaw
				}
				return cl.Ulaw
			}
			silence := func(n int) { rec.Write(bytes.Repeat([]byte{law.Silence()}, n)) }
			silence(37) // not frame-aligned
			rec.Write(all(clip("ja", Greeting)))
			silence(5 * FrameSize)
			rec.Write(all(clip("ja", EnterSite))[:3*FrameSize+17]) // barge-in after 3 frames
			for _, d := range "12" {
				rec.Write(all(clip("ja", "digit_"+string(d))))
			}
			rec.Write(all(clip("ja", ActionCheckIn)))
			rec.Write(all(clip("en", Registered)))
			silence(FrameSize)

			var got []string
			for _, h := range c.Recognise(law, rec.Bytes()) {
				got = append(got, fmt.Sprintf("%s/%s/%v", h.Lang, h.Name, h.Complete))
			}
			want := "ja/greeting/true ja/enter_site/false ja/digit_1/true ja/digit_2/true ja/action_checkin/true en/registered/true"
			if strings.Join(got, " ") != want {
				t.Errorf("Recognise = %v\nwant %s", got, want)
			}
			// The same recording kept as PCM (as the simulator's WAV file).
			pcm := g711.DecodeUlaw(rec.Bytes())
			if law == Alaw {
				pcm = g711.DecodeAlaw(rec.Bytes())
			}
			if h := c.RecognisePCM(law, pcm); len(h) != len(got) || h[len(h)-1].Name != Registered {
				t.Errorf("RecognisePCM = %+v", h)
			}
		})
	}
	if h := c.Recognise(Ulaw, bytes.Repeat([]byte{0xFF}, 8000)); len(h) != 0 {
		t.Errorf("silence recognised as %v", h)
	}
}

// BenchmarkRecognise measures recognising a 10 s recording.
func BenchmarkRecognise(b *testing.B) {
	c := load(b)
	var rec []byte
	for _, n := range []string{Greeting, EnterSite, ChooseAction, Registered} {
		cl, _ := c.Clip("ja", n)
		rec = append(rec, cl.Ulaw...)
	}
	b.SetBytes(int64(len(rec)))
	for b.Loop() {
		c.Recognise(Ulaw, rec)
	}
}

// TestClipsAreDistinct: Recognise can tell every clip of a language from the
// others, except clips that say the same words (English digit_1 and num_1
// are both "one", minute_40 and num_40 both "forty").
func TestClipsAreDistinct(t *testing.T) {
	c := load(t)
	for _, lang := range c.Languages() {
		src, _ := embedded.ReadFile("text/" + lang + ".tsv")
		rows, err := table.Parse(bytes.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		reading := map[string]string{}
		for _, r := range rows {
			reading[r.Name] = r.Reading
		}
		seen := map[string]string{}
		names, _ := c.Names(lang)
		for _, name := range names {
			cl, _ := c.Clip(lang, name)
			if prev, ok := seen[string(cl.Ulaw)]; ok {
				if reading[prev] != reading[name] {
					t.Errorf("%s: %s and %s are the same audio", lang, prev, name)
				}
				continue
			}
			seen[string(cl.Ulaw)] = name
		}
	}
}

// TestRecognisePCMUlawNegativeZero: a μ-law clip with negative zeros
// (0x7F, which decodes to 0 like 0xFF) is still recognised in a recording
// kept as linear PCM, as the simulator keeps what it heard.
func TestRecognisePCMUlawNegativeZero(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	var clip *Clip
	for _, name := range []string{Greeting, EnterSite, ChooseAction, Registered, Goodbye, EnterID} {
		cl, err := c.Clip(Japanese, name)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(cl.Ulaw, 0x7F) >= 0 {
			clip = cl
			break
		}
	}
	if clip == nil {
		t.Fatal("no clip with a μ-law negative zero to test with")
	}
	silence := bytes.Repeat([]byte{0xFF}, 4*FrameSize)
	rec := append(append(append([]byte{}, silence...), clip.Ulaw...), silence...)
	h := c.RecognisePCM(Ulaw, g711.DecodeUlaw(rec))
	if len(h) != 1 || h[0].Name != clip.Name || !h[0].Complete {
		t.Fatalf("RecognisePCM = %+v, want %s complete", h, clip.Name)
	}
}
