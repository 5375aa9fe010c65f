package prompts

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxWAVBytes bounds the size of an override file read into memory: a
// 16-bit PCM clip of MaxClipSeconds plus headers.
const maxWAVBytes = MaxClipSeconds*SampleRate*2 + 64*1024

// loadOverrides replaces clips by the files dir/<lang>/<name>.wav. Hidden
// files and directories (".name") are ignored; anything else that is not a
// WAV file of a known language and name is an error naming the file.
func (c *Catalogue) loadOverrides(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadOverride, err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if !isDir(p) {
			return fmt.Errorf("%w: %s: not a language directory (want %s/<lang>/<name>.wav)", ErrBadOverride, p, dir)
		}
		l, ok := c.langs[e.Name()]
		if !ok {
			return fmt.Errorf("%w: %s: unknown language %q (have %s)", ErrBadOverride, p, e.Name(), strings.Join(c.Languages(), ", "))
		}
		if err := l.loadOverrides(p); err != nil {
			return err
		}
	}
	return nil
}

func (l *language) loadOverrides(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadOverride, err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		ext := filepath.Ext(e.Name())
		if isDir(p) || !strings.EqualFold(ext, ".wav") {
			return fmt.Errorf("%w: %s: not a .wav file", ErrBadOverride, p)
		}
		name := strings.TrimSuffix(e.Name(), ext)
		if l.clips[name] == nil {
			return fmt.Errorf("%w: %s: no prompt named %q", ErrBadOverride, p, name)
		}
		b, err := readLimited(p, maxWAVBytes)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadOverride, p, err)
		}
		cl, err := DecodeWAV(name, b)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadOverride, p, err)
		}
		l.clips[name] = cl
	}
	return nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadWAV, limit)
	}
	return b, nil
}

// isDir follows symbolic links, so an operator may link recordings in.
func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
