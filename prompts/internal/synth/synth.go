// Package synth holds how the prompt clips are synthesised (voices, speed,
// pauses) and the fingerprint that ties a generated clip to the table row and
// settings it was made from, so a test can tell when `go generate ./prompts`
// was not re-run after a table changed.
package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/dezura/dezura/prompts/internal/table"
)

// Version changes whenever the generator's processing changes.
const Version = 1

// Language describes how one table is spoken.
type Language struct {
	Voice string // espeak-ng voice
	Speed int    // words per minute
}

// Languages maps a language to its espeak-ng settings.
var Languages = map[string]Language{
	"ja": {Voice: "ja", Speed: 190},
	"en": {Voice: "en-us", Speed: 190},
}

// Pause is the silence in seconds appended after a clip: short after the
// pieces joined into a read-back (digits, hours, minutes, labels), longer
// after a sentence.
func Pause(name string) float64 {
	switch {
	case strings.HasSuffix(name, "_is"):
		return 0.08
	case IsPiece(name):
		return 0.06
	}
	return 0.15
}

// IsPiece reports whether the clip name is a piece of a read-back, said
// joined to others: a digit, an hour, a minute, a time word, a number, an
// action, or a label ("site code" before its digits).
func IsPiece(name string) bool {
	for _, p := range []string{"digit_", "hour_", "minute_", "time_", "action_", "num_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return strings.HasSuffix(name, "_is")
}

// VoiceFor is the espeak-ng voice for a row of lang's table.
func VoiceFor(lang string, row table.Row) string {
	if row.Voice != "" {
		return row.Voice
	}
	return Languages[lang].Voice
}

// Fingerprint identifies the input of a clip: settings, voice and reading.
func Fingerprint(lang string, row table.Row) string {
	h := sha256.Sum256(fmt.Appendf(nil, "v%d\x00%s\x00%d\x00%.2f\x00%s",
		Version, VoiceFor(lang, row), Languages[lang].Speed, Pause(row.Name), row.Reading))
	return hex.EncodeToString(h[:8])
}

// ClipSum identifies a clip's bytes.
func ClipSum(ulaw []byte) string {
	h := sha256.Sum256(ulaw)
	return hex.EncodeToString(h[:8])
}
