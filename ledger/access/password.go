package access

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/dezura/dezura/ledger"
)

// Passwords are hashed with argon2id (RFC 9106), OWASP's first choice: it
// is memory-hard, so a stolen hash costs an attacker memory as well as
// time per guess, which GPUs lack; it has no 72-byte limit (bcrypt cuts
// longer passwords); and golang.org/x/crypto, already a dependency, has
// it. The parameters are OWASP's minimum for argon2id (19 MiB, 2 passes,
// one lane: about 30 ms here) and are stored in each hash, so raising them
// later re-hashes nothing and old hashes still verify.
type hashParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}

var defaultParams = hashParams{memory: 19 * 1024, time: 2, threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// MinPasswordLen and MaxPasswordLen bound a password in characters.
	MinPasswordLen = 10
	MaxPasswordLen = 128
)

func hashPassword(p hashParams, password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyPassword compares password with a hash made by hashPassword, in
// time that does not depend on where they differ.
func verifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var p hashParams
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil ||
		p.memory == 0 || p.memory > 1<<20 || p.time == 0 || p.time > 16 || p.threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// ValidatePassword checks a new password: MinPasswordLen to
// MaxPasswordLen characters, not the login name.
func ValidatePassword(login, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return ledger.InvalidField("Password", RulePasswordShort, "the password is shorter than %d characters", MinPasswordLen)
	case n > MaxPasswordLen:
		return ledger.InvalidField("Password", ledger.RuleTooLong, "the password is longer than %d characters", MaxPasswordLen)
	case strings.EqualFold(strings.TrimSpace(password), login):
		return ledger.InvalidField("Password", RulePasswordIsLogin, "the password is the login name")
	}
	return nil
}

// Rules of account fields, beside ledger's.
const (
	RulePasswordShort   = "password_short"
	RulePasswordIsLogin = "password_is_login"
	RuleLogin           = "login"
	RuleRole            = "role"
	RuleRoleNotAllowed  = "role_not_allowed"
)

// NewPassword returns a random password of 16 capital letters and
// digits (80 bits), for the demo accounts and a reset by the operator.
func NewPassword() string { return rand.Text()[:16] }

// NewToken returns 32 random bytes, base64url: a session ID or a CSRF
// token.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
