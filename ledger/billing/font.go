package billing

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// DefaultFontPath is IPAexGothic as Debian's fonts-ipaexfont installs it.
// Invoices embed the font (the glyphs they use) so that they print the
// same everywhere. The binary reads it from the system rather than
// carrying 6 MB of font: Debian keeps it up to date, and the package
// that installs dezura depends on fonts-ipaexfont.
const DefaultFontPath = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"

// missingGlyph stands in for a character the font cannot draw: 〓 (geta),
// the mark Japanese typesetting uses for a missing character. An empty
// box (tofu) would hide that anything is missing.
const missingGlyph = '〓'

// Font is a TrueType font with Japanese glyphs, loaded once and used for
// every PDF.
type Font struct {
	Path   string
	ttf    []byte
	glyphs map[uint16]uint16
}

// LoadFont reads a TrueType font ("": DefaultFontPath). A missing file is
// an ErrFontMissing that says which package installs it.
func LoadFont(path string) (*Font, error) {
	if path == "" {
		path = DefaultFontPath
	}
	ttf, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist: install Debian's fonts-ipaexfont (apt-get install fonts-ipaexfont)"+
			" or give the path of a TrueType font with Japanese glyphs", ErrFontMissing, path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFontMissing, err)
	}
	rec, err := fpdf.TtfParse(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not a TrueType font the PDF writer can embed: %w", ErrFontMissing, path, err)
	}
	f := &Font{Path: path, ttf: ttf, glyphs: rec.Chars}
	for _, r := range "請求書御中円" {
		if !f.Has(r) {
			return nil, fmt.Errorf("%w: %s has no Japanese glyphs (no %c)", ErrFontMissing, path, r)
		}
	}
	return f, nil
}

// Has reports whether the font can draw r. The PDF writer handles the
// Basic Multilingual Plane only: a character beyond it (𠮷, emoji) is
// never drawn.
func (f *Font) Has(r rune) bool {
	if r < 0x20 || r > 0xFFFF {
		return false
	}
	return f.glyphs[uint16(r)] != 0
}

// glyphCheck replaces the characters a font cannot draw and remembers them.
type glyphCheck struct {
	font    *Font
	missing map[rune]bool
}

func (g *glyphCheck) text(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || g.font.Has(r):
			sb.WriteRune(r)
		case r == '\t' || r == '\n' || r == '\r':
			sb.WriteByte(' ')
		default:
			g.missing[r] = true
			sb.WriteRune(missingGlyph)
		}
	}
	return sb.String()
}

func (g *glyphCheck) runes() []rune {
	out := make([]rune, 0, len(g.missing))
	for r := range g.missing {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
