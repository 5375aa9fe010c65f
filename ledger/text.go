package ledger

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Longest text, in characters, that dezura takes for each free-text
// field. CCUS publishes no lengths for these fields that we could find,
// so these are dezura's own bounds, generous over real values: a name of
// 60 characters holds 姓, ミドルネーム and 名 of a foreign technician
// written out in katakana; 職種 and 立場 are short words (型枠大工, 職長).
// Site and contractor names are official names of works and companies.
const (
	MaxTechnicianNameLen = 60  // 氏名
	MaxTradeLen          = 30  // 職種
	MaxRoleLen           = 20  // 立場
	MaxSiteNameLen       = 100 // 現場名
	MaxContractorNameLen = 100 // 事業者名
)

// formulaLike reports whether a spreadsheet would run s as a formula (or
// take it apart): it starts with = + - @, a tab or a carriage return.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// CheckText says why s cannot be stored as the text of field, "" if it
// can: longer than max characters, starting like a spreadsheet formula
// (a CSV export neutralises such cells, other readers of the database may
// not), holding control or text-direction characters, or bytes that were
// not text (invalid UTF-8, or U+FFFD where a file's bytes could not be
// decoded). Empty text passes: whether a field is required is the
// caller's rule.
func CheckText(field, s string, max int) string {
	if !utf8.ValidString(s) {
		return field + " is not valid UTF-8 text"
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("%s has %d characters, at most %d", field, n, max)
	}
	if formulaLike(s) {
		return fmt.Sprintf("%s starts with %q, which a spreadsheet runs as a formula", field, s[:1])
	}
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return field + " has bytes that are neither UTF-8 nor Shift_JIS text (save the file as UTF-8)"
		case unicode.IsControl(r), bidiControl(r):
			return fmt.Sprintf("%s has the control character %U", field, r)
		}
	}
	return ""
}

// bidiControl reports the invisible characters that reorder text on
// screen (a name that reads differently from what it is).
func bidiControl(r rune) bool {
	return r == 0x200E || r == 0x200F || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}
