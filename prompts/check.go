package prompts

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dezura/dezura/prompts/internal/synth"
	"github.com/zaf/g711"
)

// A company can record its own prompts (a directory DIR/<lang>/<name>.wav
// given to `dezura serve --prompts DIR`). CheckDir says, before the
// service uses them, what a recording set lacks or gets wrong: the
// format, every name of the catalogue, each clip's length and level, and
// the silence around and inside it, which callers' phones and the
// simulator take for the end of a prompt when it lasts 700 ms.

// CheckRules are what each recorded clip must meet.
type CheckRules struct {
	// MaxLeading and MaxTrailing bound the silence before the first and
	// after the last sound; MaxPause the longest silence inside.
	MaxLeading, MaxTrailing, MaxPause time.Duration
	// MinSpeech is the least sound a clip must have; MaxLength the longest
	// clip, MaxPieceLength the longest piece of a read-back (a digit, an
	// hour, a minute, a number, a label such as "site code").
	MinSpeech, MaxLength, MaxPieceLength time.Duration
	// MinPeakDBFS: a clip whose loudest 10 ms are quieter is too quiet.
	MinPeakDBFS float64
	// MaxClipped is the largest share of samples at full scale.
	MaxClipped float64
	// SilenceDBFS: 10 ms quieter than this are silence.
	SilenceDBFS float64
}

// DefaultCheckRules are the rules `dezura prompts check` applies.
func DefaultCheckRules() CheckRules {
	return CheckRules{
		MaxLeading: 300 * time.Millisecond, MaxTrailing: 500 * time.Millisecond, MaxPause: 600 * time.Millisecond,
		MinSpeech: 100 * time.Millisecond, MaxLength: 30 * time.Second, MaxPieceLength: 1500 * time.Millisecond,
		MinPeakDBFS: -20, MaxClipped: 0.001, SilenceDBFS: -40,
	}
}

// Finding is one thing wrong with a recorded prompt set.
type Finding struct {
	Path    string `json:"path"` // the file, or the directory a file is missing from
	Lang    string `json:"lang,omitempty"`
	Name    string `json:"name,omitempty"`
	Problem string `json:"problem"`
}

func (f Finding) String() string { return f.Path + ": " + f.Problem }

// window is the length over which the level is measured: 10 ms.
const window = SampleRate / 100

// CheckDir checks the recordings in dir against the catalogue: for each of
// langs (nil: the language directories dir has) every name must be there
// as a WAV file the service can play and that meets r. It returns the
// findings, none for a good set; an error only if dir cannot be read.
func (c *Catalogue) CheckDir(dir string, langs []string, r CheckRules) ([]Finding, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadOverride, err)
	}
	var found []Finding
	present := map[string]bool{}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if _, ok := c.langs[e.Name()]; !ok || !isDir(p) {
			found = append(found, Finding{Path: p, Problem: fmt.Sprintf("not a language directory (have %s)", strings.Join(c.Languages(), ", "))})
			continue
		}
		present[e.Name()] = true
	}
	if langs == nil {
		for l := range present {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		if len(langs) == 0 {
			found = append(found, Finding{Path: dir, Problem: "no language directory (ja/, en/)"})
		}
	}
	for _, lang := range langs {
		l, ok := c.langs[lang]
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownLanguage, lang)
		}
		found = append(found, l.checkDir(filepath.Join(dir, lang), lang, r)...)
	}
	return found, nil
}

func (l *language) checkDir(dir, lang string, r CheckRules) []Finding {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return []Finding{{Path: dir, Lang: lang, Problem: "no directory for this language: " + err.Error()}}
	}
	var found []Finding
	seen := map[string]bool{}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		ext := filepath.Ext(e.Name())
		name := strings.TrimSuffix(e.Name(), ext)
		switch {
		case isDir(p) || !strings.EqualFold(ext, ".wav"):
			found = append(found, Finding{Path: p, Lang: lang, Problem: "not a .wav file"})
			continue
		case l.clips[name] == nil:
			found = append(found, Finding{Path: p, Lang: lang, Problem: fmt.Sprintf("no prompt is named %q", name)})
			continue
		}
		seen[name] = true
		for _, problem := range checkFile(p, name, r) {
			found = append(found, Finding{Path: p, Lang: lang, Name: name, Problem: problem})
		}
	}
	names := make([]string, 0, len(l.clips))
	for n := range l.clips {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !seen[n] {
			found = append(found, Finding{Path: filepath.Join(dir, n+".wav"), Lang: lang, Name: n,
				Problem: fmt.Sprintf("missing (%s)", strings.ReplaceAll(l.text[n], "\n", " "))})
		}
	}
	return found
}

func checkFile(path, name string, r CheckRules) []string {
	b, err := readLimited(path, maxWAVBytes)
	if err != nil {
		return []string{err.Error()}
	}
	ulaw, _, err := decodeWAV(b)
	if err != nil {
		return []string{err.Error()}
	}
	return CheckAudio(name, decodePCM(g711.DecodeUlaw(ulaw)), r)
}

func decodePCM(b []byte) []int16 {
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
	}
	return out
}

// CheckAudio checks the samples (8 kHz) of the clip name against r and
// says what is wrong, nothing for a good clip. It is a pure function.
func CheckAudio(name string, pcm []int16, r CheckRules) []string {
	var problems []string
	loud := make([]bool, 0, len(pcm)/window+1)
	peak, clipped := math.Inf(-1), 0
	for i := 0; i < len(pcm); i += window {
		w := pcm[i:min(i+window, len(pcm))]
		var sum float64
		for _, s := range w {
			sum += float64(s) * float64(s)
			if s >= 32000 || s <= -32000 {
				clipped++
			}
		}
		level := 10 * math.Log10(sum/float64(len(w))/(32768*32768)+1e-12)
		peak = max(peak, level)
		loud = append(loud, level > r.SilenceDBFS)
	}
	ms := func(windows int) time.Duration { return time.Duration(windows) * 10 * time.Millisecond }
	first, last := -1, -1
	speech, pause, longest := 0, 0, 0
	for i, l := range loud {
		if !l {
			pause++
			continue
		}
		if first < 0 {
			first = i
		} else {
			longest = max(longest, pause)
		}
		pause = 0
		last = i
		speech++
	}
	length := time.Duration(len(pcm)) * time.Second / SampleRate
	switch {
	case first < 0 || ms(speech) < r.MinSpeech:
		return append(problems, fmt.Sprintf("no speech (less than %v above %.0f dBFS)", r.MinSpeech, r.SilenceDBFS))
	case ms(first) > r.MaxLeading:
		problems = append(problems, fmt.Sprintf("%v of silence before the speech, more than %v", ms(first), r.MaxLeading))
	}
	if trailing := ms(len(loud) - 1 - last); trailing > r.MaxTrailing {
		problems = append(problems, fmt.Sprintf("%v of silence after the speech, more than %v", trailing, r.MaxTrailing))
	}
	if ms(longest) > r.MaxPause {
		problems = append(problems, fmt.Sprintf("a pause of %v inside, more than %v: callers take 700 ms of silence for the end of a prompt", ms(longest), r.MaxPause))
	}
	maxLen := r.MaxLength
	if synth.IsPiece(name) {
		maxLen = r.MaxPieceLength
	}
	if length > maxLen {
		problems = append(problems, fmt.Sprintf("%v long, more than %v", length.Round(10*time.Millisecond), maxLen))
	}
	if peak < r.MinPeakDBFS {
		problems = append(problems, fmt.Sprintf("too quiet: loudest %.1f dBFS, want at least %.0f dBFS", peak, r.MinPeakDBFS))
	}
	if share := float64(clipped) / float64(len(pcm)); share > r.MaxClipped {
		problems = append(problems, fmt.Sprintf("clipped: %.2f %% of samples at full scale", 100*share))
	}
	return problems
}

// Listing is one clip of the catalogue: its name and words in a language.
type Listing struct {
	Lang string `json:"lang"`
	Name string `json:"name"`
	Text string `json:"text"`
}

// List returns every clip of every language (or of langs), by language and
// name: what a company records.
func (c *Catalogue) List(langs ...string) ([]Listing, error) {
	if len(langs) == 0 {
		langs = c.Languages()
	}
	var out []Listing
	for _, lang := range langs {
		names, err := c.Names(lang)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			text, err := c.Text(lang, n)
			if err != nil {
				return nil, err
			}
			out = append(out, Listing{Lang: lang, Name: n, Text: text})
		}
	}
	return out, nil
}
