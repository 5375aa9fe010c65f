package prompts

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/dezura/dezura/prompts/internal/table"
	"github.com/zaf/g711"
)

// embedded holds the generated μ-law clips (clips/<lang>/<name>.ul) and the
// text tables they were made from (text/<lang>.tsv).
//
//go:embed clips/*/*.ul text/*.tsv
var embedded embed.FS

// Catalogue holds every clip of every language. It is read-only after Load
// and safe for concurrent use.
type Catalogue struct {
	langs map[string]*language
}

type language struct {
	clips map[string]*Clip
	text  map[string]string
}

// Load returns the embedded catalogue with clips from overrideDir (if not
// empty) replacing embedded ones of the same language and name. The override
// directory holds <lang>/<name>.wav files: 8 kHz mono WAV in 16-bit PCM,
// μ-law (format 7) or A-law (format 6). A file of an unknown language or
// name, or one that is not such a WAV file, is an error naming the file: the
// service should refuse to start rather than play garbage.
func Load(overrideDir string) (*Catalogue, error) {
	c, err := loadEmbedded(embedded)
	if err != nil {
		return nil, err
	}
	if overrideDir != "" {
		if err := c.loadOverrides(overrideDir); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func loadEmbedded(fsys fs.FS) (*Catalogue, error) {
	c := &Catalogue{langs: map[string]*language{}}
	tables, err := fs.Glob(fsys, "text/*.tsv")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadCatalogue, err)
	}
	for _, tpath := range tables {
		lang := strings.TrimSuffix(path.Base(tpath), ".tsv")
		src, err := fs.ReadFile(fsys, tpath)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadCatalogue, err)
		}
		rows, err := table.Parse(bytes.NewReader(src))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadCatalogue, tpath, err)
		}
		l := &language{clips: make(map[string]*Clip, len(rows)), text: make(map[string]string, len(rows))}
		for _, row := range rows {
			cl, err := embeddedClip(fsys, lang, row.Name)
			if err != nil {
				return nil, fmt.Errorf("%w: %s %s: %w", ErrBadCatalogue, lang, row.Name, err)
			}
			l.clips[row.Name] = cl
			l.text[row.Name] = row.Text
		}
		for _, name := range requiredNames {
			if l.clips[name] == nil {
				return nil, fmt.Errorf("%w: %s has no %s", ErrBadCatalogue, lang, name)
			}
		}
		c.langs[lang] = l
	}
	if c.langs[Japanese] == nil || c.langs[English] == nil {
		return nil, fmt.Errorf("%w: want languages %s and %s, have %v", ErrBadCatalogue, Japanese, English, c.Languages())
	}
	return c, nil
}

// Languages returns the catalogue's languages, sorted.
func (c *Catalogue) Languages() []string {
	out := make([]string, 0, len(c.langs))
	for l := range c.langs {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Names returns the names of every clip of lang, sorted.
func (c *Catalogue) Names(lang string) ([]string, error) {
	l, err := c.lang(lang)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(l.clips))
	for n := range l.clips {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// Text returns the words of the named clip as written in the text table
// (for logs, transcripts and tests; an override clip keeps the table's text).
func (c *Catalogue) Text(lang, name string) (string, error) {
	l, err := c.lang(lang)
	if err != nil {
		return "", err
	}
	t, ok := l.text[name]
	if !ok {
		return "", fmt.Errorf("%w: %q in %q", ErrUnknownClip, name, lang)
	}
	return t, nil
}

func (c *Catalogue) lang(lang string) (*language, error) {
	l := c.langs[lang]
	if l == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownLanguage, lang)
	}
	return l, nil
}

// Clip returns the named clip in lang ("ja", "en").
func (c *Catalogue) Clip(lang, name string) (*Clip, error) {
	l, err := c.lang(lang)
	if err != nil {
		return nil, err
	}
	cl := l.clips[name]
	if cl == nil {
		return nil, fmt.Errorf("%w: %q in %q", ErrUnknownClip, name, lang)
	}
	return cl, nil
}

// Clips returns the named clips of lang in order, to play one after another.
func (c *Catalogue) Clips(lang string, names ...string) ([]*Clip, error) {
	out := make([]*Clip, 0, len(names))
	for _, n := range names {
		cl, err := c.Clip(lang, n)
		if err != nil {
			return nil, err
		}
		out = append(out, cl)
	}
	return out, nil
}

// Digits returns the clips that read s (digits 0-9 only) back digit by digit.
func (c *Catalogue) Digits(lang, s string) ([]*Clip, error) {
	names, err := DigitNames(s)
	if err != nil {
		return nil, err
	}
	return c.Clips(lang, names...)
}

// embeddedClip reads clips/<lang>/<name>.ul straight into the clip's buffer
// and derives A-law from it: one allocation per clip.
func embeddedClip(fsys fs.FS, lang, name string) (*Clip, error) {
	f, err := fsys.Open("clips/" + lang + "/" + name + ".ul")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := int(st.Size())
	if size == 0 {
		return nil, errors.New("empty clip")
	}
	n := (size + FrameSize - 1) / FrameSize * FrameSize
	buf := make([]byte, 2*n)
	u, a := buf[:n:n], buf[n:]
	if _, err := io.ReadFull(f, u[:size]); err != nil {
		return nil, err
	}
	for i := size; i < n; i++ {
		u[i] = Ulaw.Silence()
	}
	for i, b := range u {
		a[i] = g711.Ulaw2AlawFrame(b)
	}
	return &Clip{Name: name, Ulaw: u, Alaw: a}, nil
}
