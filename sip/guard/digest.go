package guard

import (
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"strings"
)

// DigestResponse computes the request-digest ("response" parameter) of
// RFC 2617 §3.2.2.1 and RFC 7616 §3.4.1, as used by SIP (RFC 3261 §22.4):
//
//	HA1 = H(username ":" realm ":" secret)
//	      for -sess: H(H(username ":" realm ":" secret) ":" nonce ":" cnonce)
//	HA2 = H(method ":" digest-uri)                  (qop=auth or absent)
//	response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)  with qop
//	         = H(HA1 ":" nonce ":" HA2)                            without (RFC 2069)
//
// as lower-case hex. c.Algorithm picks H (MD5 or SHA-256); c.Response is
// not read. qop=auth-int is not supported (SIP bodies are not hashed).
func DigestResponse(c Credentials, secret, method string) string {
	h := c.Algorithm.newHash()
	ha1 := hexHash(h, c.Username, ":", c.Realm, ":", secret)
	if c.Algorithm.sess() {
		ha1 = hexHash(h, ha1, ":", c.Nonce, ":", c.CNonce)
	}
	ha2 := hexHash(h, method, ":", c.URI)
	if c.QOP == "" {
		return hexHash(h, ha1, ":", c.Nonce, ":", ha2)
	}
	return hexHash(h, ha1, ":", c.Nonce, ":", c.NC, ":", c.CNonce, ":", c.QOP, ":", ha2)
}

func hexHash(h hash.Hash, parts ...string) string {
	h.Reset()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	var sum [64]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// responseEqual compares two hex digests in constant time (for equal
// lengths), case-insensitively as RFC 7616 §3.4.1 allows upper-case hex
// from some clients.
func responseEqual(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(want)) == 1
}

// challenge formats a WWW-Authenticate header value (RFC 3261 §20.44,
// §22.1; RFC 7616 §3.3; RFC 8760 §2.4 for algorithms other than MD5).
// qop-options is quoted as RFC 3261 §25.1 requires.
func challenge(realm, nonce string, alg Algorithm, stale bool) string {
	var b strings.Builder
	b.Grow(len(realm) + len(nonce) + 80)
	b.WriteString(`Digest realm="`)
	b.WriteString(realm)
	b.WriteString(`", nonce="`)
	b.WriteString(nonce)
	b.WriteString(`", algorithm=`)
	b.WriteString(alg.String())
	b.WriteString(`, qop="auth"`)
	if stale {
		b.WriteString(`, stale=true`)
	}
	return b.String()
}
