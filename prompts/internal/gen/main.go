// Command gen synthesises the embedded prompt clips from the text tables.
//
// Run it with `go generate ./prompts` (it needs espeak-ng and sox, from
// Debian's packages of the same names). For each language table
// text/<lang>.tsv and each row, it runs espeak-ng to a WAV file, sox to 8 kHz
// mono 16-bit PCM with leading and trailing silence trimmed, normalised and a
// short pause appended, encodes that to G.711 μ-law with zaf/g711 and writes
// clips/<lang>/<name>.ul. Clips whose row has gone are removed. The output is
// deterministic (no dither), so re-running it on unchanged tables changes
// nothing.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dezura/dezura/prompts/internal/table"
	"github.com/zaf/g711"
)

// language describes how one table is spoken.
type language struct {
	voice string // espeak-ng voice
	speed int    // words per minute
}

var languages = map[string]language{
	"ja": {voice: "ja", speed: 175},
	"en": {voice: "en-us", speed: 175},
}

func main() {
	textDir := flag.String("text", "text", "directory of <lang>.tsv tables")
	outDir := flag.String("out", "clips", "directory to write <lang>/<name>.ul")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := run(ctx, *textDir, *outDir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, textDir, outDir string) error {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found (apt-get install espeak-ng sox): %w", tool, err)
		}
	}
	tmp, err := os.MkdirTemp("", "dezura-prompts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	langs := make([]string, 0, len(languages))
	for l := range languages {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		if err := genLanguage(ctx, lang, languages[lang], textDir, outDir, tmp); err != nil {
			return fmt.Errorf("%s: %w", lang, err)
		}
	}
	return nil
}

func genLanguage(ctx context.Context, lang string, l language, textDir, outDir, tmp string) error {
	f, err := os.Open(filepath.Join(textDir, lang+".tsv"))
	if err != nil {
		return err
	}
	rows, err := table.Parse(f)
	f.Close()
	if err != nil {
		return err
	}
	dir := filepath.Join(outDir, lang)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	want := map[string]bool{}
	total := 0
	for _, row := range rows {
		ul, err := synthesise(ctx, l, row, tmp)
		if err != nil {
			return fmt.Errorf("line %d %s: %w", row.Line, row.Name, err)
		}
		name := row.Name + ".ul"
		want[name] = true
		total += len(ul)
		if err := writeIfChanged(filepath.Join(dir, name), ul); err != nil {
			return err
		}
	}
	// Remove clips whose row has gone.
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".ul") && !want[e.Name()] {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	fmt.Printf("%s: %d clips, %.1f s, %d bytes\n", lang, len(rows), float64(total)/8000, total)
	return nil
}

// pause is the silence appended after a clip: short after the pieces that are
// joined into a read-back (digits, hours, minutes, labels), longer after a
// sentence.
func pause(name string) float64 {
	for _, p := range []string{"digit_", "hour_", "minute_", "time_", "action_"} {
		if strings.HasPrefix(name, p) {
			return 0.06
		}
	}
	if strings.HasSuffix(name, "_is") {
		return 0.08
	}
	return 0.2
}

func synthesise(ctx context.Context, l language, row table.Row, tmp string) ([]byte, error) {
	voice := l.voice
	if row.Voice != "" {
		voice = row.Voice
	}
	wav := filepath.Join(tmp, row.Name+".wav")
	raw := filepath.Join(tmp, row.Name+".raw")
	if err := command(ctx, "espeak-ng", "-v", voice, "-s", strconv.Itoa(l.speed), "-w", wav, "--", row.Reading); err != nil {
		return nil, err
	}
	// Trim silence at both ends (silence effect on the clip and on its
	// reverse), normalise the peak to -6 dBFS, append the pause, then sox's
	// implicit rate conversion to 8 kHz. -D: no dither, for reproducible output.
	if err := command(ctx, "sox", "-V1", "-D", wav,
		"-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", "-L", "-t", "raw", raw,
		"silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "reverse",
		"norm", "-6", "pad", "0", strconv.FormatFloat(pause(row.Name), 'f', 2, 64)); err != nil {
		return nil, err
	}
	pcm, err := os.ReadFile(raw)
	if err != nil {
		return nil, err
	}
	if len(pcm) < 2*800 {
		return nil, errors.New("synthesised less than 100 ms of audio")
	}
	return g711.EncodeUlaw(pcm), nil
}

func command(ctx context.Context, name string, args ...string) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func writeIfChanged(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	return os.WriteFile(path, b, 0o644)
}
