package guard

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// Secrets maps a peer's digest user name to its shared secret. Its String,
// GoString and LogValue methods print only the number of entries, so a
// Secrets (or a Config holding one) that reaches a log or an error message
// never shows a secret.
type Secrets map[string]string

// String returns "N peer secrets" (never the secrets).
func (s Secrets) String() string { return strconv.Itoa(len(s)) + " peer secrets" }

// GoString is String, so %#v does not print the secrets either.
func (s Secrets) GoString() string { return s.String() }

// LogValue implements slog.LogValuer: only the count is logged.
func (s Secrets) LogValue() slog.Value { return slog.IntValue(len(s)) }

// Format limits: a line longer than maxSecretsLine is an error, and so is a
// file with more than maxSecretsEntries entries.
const (
	maxSecretsLine    = 1024
	maxSecretsEntries = 100000
)

// LoadSecrets reads the --peer-secrets file. Like ssh with a private key,
// it refuses a file that group or others may read or write (error wrapping
// ErrSecretsPermissions that names the file and its mode and says how to
// fix it) and anything that is not a regular file. The format is that of
// ParseSecrets. Errors never contain a secret.
func LoadSecrets(path string) (Secrets, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("guard: peer secrets: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("guard: peer secrets: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrBadSecrets, path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o, so other users can read or change the peer secrets; "+
			"run chmod 600 %s (it must be readable by the service user only)",
			ErrSecretsPermissions, path, perm, path)
	}
	s, err := ParseSecrets(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ParseSecrets reads peer secrets, one "user:secret" or "user secret" per
// line ("user : secret" too). Spaces around the user name and the secret
// are trimmed; the secret
// is the rest of the line and may contain ':', '#' and inner spaces. Blank
// lines and lines whose first non-blank character is '#' are ignored (there
// are no comments after an entry). A user name is printable ASCII without
// spaces, '"', '\\' or ':'; a user may appear only once. Errors wrap
// ErrBadSecrets and give the line number, never the line.
func ParseSecrets(r io.Reader) (Secrets, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxSecretsLine)
	out := Secrets{}
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		i := strings.IndexAny(text, ": \t")
		if i < 0 {
			return nil, fmt.Errorf("%w: line %d: want user:secret", ErrBadSecrets, line)
		}
		user, secret := text[:i], strings.TrimSpace(text[i:])
		if strings.HasPrefix(secret, ":") { // "user:secret" or "user : secret"
			secret = strings.TrimSpace(secret[1:])
		}
		if user == "" {
			return nil, fmt.Errorf("%w: line %d: empty user name", ErrBadSecrets, line)
		}
		if !validUser(user) {
			return nil, fmt.Errorf("%w: line %d: user name has a character other than printable ASCII without space, '\"', '\\\\' or ':'", ErrBadSecrets, line)
		}
		if secret == "" {
			return nil, fmt.Errorf("%w: line %d: empty secret for user %q", ErrBadSecrets, line, user)
		}
		if _, dup := out[user]; dup {
			return nil, fmt.Errorf("%w: line %d: user %q listed twice", ErrBadSecrets, line, user)
		}
		if len(out) >= maxSecretsEntries {
			return nil, fmt.Errorf("%w: more than %d entries", ErrBadSecrets, maxSecretsEntries)
		}
		out[user] = secret
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: after line %d: %w", ErrBadSecrets, line, err)
	}
	return out, nil
}

func validUser(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == ':' {
			return false
		}
	}
	return true
}
