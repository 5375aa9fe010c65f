// Package table parses the prompt text tables (prompts/text/<lang>.tsv).
//
// A table has one prompt a line: name<TAB>text[<TAB>reading[<TAB>voice]].
// The text is what a person reads (kanji for Japanese); the reading is what
// the synthesiser is given (kana for Japanese, since espeak-ng's Japanese
// voice reads kana only) and defaults to the text; the voice overrides the
// language's espeak-ng voice for that line. Blank lines and lines starting
// with '#' are comments.
package table

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Row is one prompt of a table.
type Row struct {
	Name    string
	Text    string
	Reading string
	Voice   string // empty: the language's default voice
	Line    int
}

// ErrSyntax is returned for a malformed table line.
var ErrSyntax = errors.New("table: syntax error")

// Parse reads a whole table. Names must be unique and made of a-z, 0-9, '_'.
func Parse(r io.Reader) ([]Row, error) {
	var rows []Row
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 || len(f) > 4 {
			return nil, fmt.Errorf("%w: line %d: want 2 to 4 tab-separated fields, have %d", ErrSyntax, n, len(f))
		}
		row := Row{Name: f[0], Text: strings.TrimSpace(f[1]), Line: n}
		if len(f) > 2 {
			row.Reading = strings.TrimSpace(f[2])
		}
		if len(f) > 3 {
			row.Voice = strings.TrimSpace(f[3])
		}
		if row.Reading == "" {
			row.Reading = row.Text
		}
		if !ValidName(row.Name) {
			return nil, fmt.Errorf("%w: line %d: bad name %q (want a-z, 0-9, _)", ErrSyntax, n, row.Name)
		}
		if row.Text == "" {
			return nil, fmt.Errorf("%w: line %d: %s has no text", ErrSyntax, n, row.Name)
		}
		if prev, ok := seen[row.Name]; ok {
			return nil, fmt.Errorf("%w: line %d: %s already defined on line %d", ErrSyntax, n, row.Name, prev)
		}
		seen[row.Name] = n
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("table: read: %w", err)
	}
	return rows, nil
}

// ValidName reports whether s is usable as a prompt name (and so as a file name).
func ValidName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
