package prompts

import (
	"bytes"
	"sort"

	"github.com/zaf/g711"
)

// Heard is one clip found in a recording by Recognise.
type Heard struct {
	Lang     string
	Name     string
	Offset   int  // byte (= sample) offset in the recording where the clip starts
	Frames   int  // whole frames of the clip found there
	Complete bool // every frame of the clip was found (not cut off by barge-in or hang-up)
}

// Recognise finds, in order, the clips of the catalogue played in a
// recording of G.711 audio in law: what a caller heard. Prompts are sent as
// the clips' own frames, unmodified, so a clip is recognised by its frames
// appearing byte for byte, at any byte offset; a clip cut off after its
// first frame is still reported (Complete false). Audio that is no clip
// (silence, comfort noise, lost packets) is skipped.
//
// Where clips start with the same audio, the longest match wins, then a
// complete one, then the first by language and name; for example English
// digit_1 and num_1 are both "one".
//
// It is meant for tests that check a call played the right prompts; it costs
// a map lookup per byte of the recording.
func (c *Catalogue) Recognise(law Law, audio []byte) []Heard {
	return c.recognise(law, audio, false)
}

// recognise is Recognise; with ulawZero the clips' μ-law negative zero
// (0x7F) is read as positive zero (0xFF), as it comes back from linear PCM.
func (c *Catalogue) recognise(law Law, audio []byte, ulawZero bool) []Heard {
	type candidate struct {
		lang  string
		clip  *Clip
		audio []byte // the clip's bytes in law, canonical if ulawZero
	}
	starts := map[string][]candidate{}
	for _, lang := range c.Languages() {
		names, _ := c.Names(lang)
		for _, name := range names {
			cl := c.langs[lang].clips[name]
			b := cl.Ulaw
			if law == Alaw {
				b = cl.Alaw
			}
			if ulawZero {
				b = bytes.ReplaceAll(b, []byte{0x7F}, []byte{0xFF})
			}
			first := string(b[:FrameSize])
			starts[first] = append(starts[first], candidate{lang, cl, b})
		}
	}
	for _, cs := range starts {
		sort.SliceStable(cs, func(i, j int) bool {
			if cs[i].lang != cs[j].lang {
				return cs[i].lang < cs[j].lang
			}
			return cs[i].clip.Name < cs[j].clip.Name
		})
	}
	var out []Heard
	for i := 0; i+FrameSize <= len(audio); {
		cs := starts[string(audio[i:i+FrameSize])]
		if len(cs) == 0 {
			i++
			continue
		}
		var best Heard
		for _, cand := range cs {
			k := 1
			for k < cand.clip.Frames() && i+(k+1)*FrameSize <= len(audio) &&
				string(audio[i+k*FrameSize:i+(k+1)*FrameSize]) == string(cand.audio[k*FrameSize:(k+1)*FrameSize]) {
				k++
			}
			h := Heard{Lang: cand.lang, Name: cand.clip.Name, Offset: i, Frames: k, Complete: k == cand.clip.Frames()}
			if h.Frames > best.Frames || h.Frames == best.Frames && h.Complete && !best.Complete {
				best = h
			}
		}
		out = append(out, best)
		i += best.Frames * FrameSize
	}
	return out
}

// RecognisePCM is Recognise for a recording kept as 16-bit little-endian
// linear PCM (a WAV file's data), decoded from G.711 in law: it encodes the
// audio back, which restores the frames exactly but for μ-law's negative
// zero: 0x7F and 0xFF both decode to 0 and encode back as 0xFF, so the
// clips are compared with 0x7F read as 0xFF.
func (c *Catalogue) RecognisePCM(law Law, pcm []byte) []Heard {
	if law == Alaw {
		return c.Recognise(law, g711.EncodeAlaw(pcm))
	}
	return c.recognise(law, g711.EncodeUlaw(pcm), true)
}
