package guard

import (
	"crypto/md5"
	"crypto/sha256"
	"fmt"
	"hash"
	"strings"
)

// Algorithm is a digest algorithm (RFC 7616 §3.3, §6.1; RFC 8760 for SIP).
type Algorithm uint8

// The algorithms. The -sess variants hash the client nonce into HA1
// (RFC 7616 §3.4.2).
const (
	AlgorithmUnknown Algorithm = iota
	MD5
	MD5Sess
	SHA256
	SHA256Sess
)

var algorithmNames = [...]string{"unknown", "MD5", "MD5-sess", "SHA-256", "SHA-256-sess"}

// String returns the name as written in the algorithm parameter
// ("MD5", "SHA-256-sess", ...).
func (a Algorithm) String() string {
	if int(a) < len(algorithmNames) {
		return algorithmNames[a]
	}
	return "unknown"
}

// ParseAlgorithm parses an algorithm name, case-insensitively (RFC 7616
// §3.3 gives the token as case-insensitive).
func ParseAlgorithm(s string) (Algorithm, error) {
	for a := MD5; a <= SHA256Sess; a++ {
		if strings.EqualFold(s, algorithmNames[a]) {
			return a, nil
		}
	}
	return AlgorithmUnknown, fmt.Errorf("%w: algorithm %q", ErrUnknownEnum, s)
}

func (a Algorithm) sess() bool { return a == MD5Sess || a == SHA256Sess }

func (a Algorithm) newHash() hash.Hash {
	switch a {
	case SHA256, SHA256Sess:
		return sha256.New()
	default:
		return md5.New()
	}
}
