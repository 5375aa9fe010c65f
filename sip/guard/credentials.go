package guard

import (
	"fmt"
	"strings"
)

// maxCredentialsLen bounds the Authorization header value the parser reads.
const maxCredentialsLen = 4096

// Credentials is a parsed Digest Authorization header value (RFC 3261
// §20.7 and §25.1 "credentials"; RFC 2617 §3.2.2; RFC 7616 §3.4). Field
// values are unquoted. Algorithm is MD5 when the parameter is absent
// (RFC 2617 §3.2.1) and AlgorithmUnknown for a name this package does not
// know (AlgorithmName keeps it).
type Credentials struct {
	Username      string
	Realm         string
	Nonce         string
	URI           string
	Response      string
	Algorithm     Algorithm
	AlgorithmName string // as received; "" when absent
	CNonce        string
	Opaque        string
	QOP           string // "" (RFC 2069 compatibility) or "auth"
	NC            string // nonce count, 8 hex digits when QOP is set
	UserHash      bool   // RFC 7616 §3.4.4 (not supported by Guard)
}

// ParseCredentials parses an Authorization (or Proxy-Authorization) header
// value: the scheme "Digest" (case-insensitive) followed by comma-separated
// auth-params, name=token or name="quoted string" (RFC 3261 §25.1: LWS is
// allowed around '=' and ','; quoted-pair "\x" escapes are undone). Unknown
// parameters are ignored; a repeated parameter, a missing username, realm,
// nonce, uri or response, or a value longer than the limit is an error
// wrapping ErrBadCredentials.
func ParseCredentials(s string) (Credentials, error) {
	var c Credentials
	if len(s) > maxCredentialsLen {
		return c, fmt.Errorf("%w: %d bytes", ErrBadCredentials, len(s))
	}
	p := paramParser{s: s}
	p.skipLWS()
	scheme := p.token()
	if !strings.EqualFold(scheme, "Digest") {
		return c, fmt.Errorf("%w: scheme is not Digest", ErrBadCredentials)
	}
	if p.i < len(p.s) && !isLWS(p.s[p.i]) {
		return c, fmt.Errorf("%w: no space after scheme", ErrBadCredentials)
	}
	var seen uint16
	var userhash string
	first := true
	for {
		p.skipLWS()
		if p.i == len(p.s) {
			break
		}
		if !first {
			if p.s[p.i] != ',' {
				return c, fmt.Errorf("%w: want ',' at offset %d", ErrBadCredentials, p.i)
			}
			p.i++
			p.skipLWS()
		}
		first = false
		name := p.token()
		if name == "" {
			return c, fmt.Errorf("%w: want parameter name at offset %d", ErrBadCredentials, p.i)
		}
		p.skipLWS()
		if p.i == len(p.s) || p.s[p.i] != '=' {
			return c, fmt.Errorf("%w: want '=' after %q", ErrBadCredentials, name)
		}
		p.i++
		p.skipLWS()
		value, err := p.value()
		if err != nil {
			return c, fmt.Errorf("%w: parameter %q: %w", ErrBadCredentials, name, err)
		}
		bit, dst := c.field(strings.ToLower(name), &userhash)
		if dst == nil {
			continue
		}
		if seen&bit != 0 {
			return c, fmt.Errorf("%w: parameter %q repeated", ErrBadCredentials, name)
		}
		seen |= bit
		*dst = value
	}
	if c.Username == "" || c.Nonce == "" || c.URI == "" || c.Response == "" || seen&bitRealm == 0 {
		return c, fmt.Errorf("%w: username, realm, nonce, uri and response are required", ErrBadCredentials)
	}
	c.Algorithm = MD5
	if c.AlgorithmName != "" {
		c.Algorithm, _ = ParseAlgorithm(c.AlgorithmName)
	}
	c.UserHash = strings.EqualFold(userhash, "true")
	return c, nil
}

// Bits for repeated-parameter detection.
const (
	bitUsername uint16 = 1 << iota
	bitRealm
	bitNonce
	bitURI
	bitResponse
	bitAlgorithm
	bitCNonce
	bitOpaque
	bitQOP
	bitNC
	bitUserHash
)

// field maps a lower-cased parameter name to its bit and destination; nil
// for a parameter the parser ignores.
func (c *Credentials) field(name string, userhash *string) (uint16, *string) {
	switch name {
	case "username":
		return bitUsername, &c.Username
	case "realm":
		return bitRealm, &c.Realm
	case "nonce":
		return bitNonce, &c.Nonce
	case "uri":
		return bitURI, &c.URI
	case "response":
		return bitResponse, &c.Response
	case "algorithm":
		return bitAlgorithm, &c.AlgorithmName
	case "cnonce":
		return bitCNonce, &c.CNonce
	case "opaque":
		return bitOpaque, &c.Opaque
	case "qop":
		return bitQOP, &c.QOP
	case "nc":
		return bitNC, &c.NC
	case "userhash":
		return bitUserHash, userhash
	}
	return 0, nil
}

// String formats the credentials as an Authorization header value, quoting
// as RFC 7616 §3.4 does (algorithm, qop and nc unquoted). ParseCredentials
// of the result gives c back.
func (c Credentials) String() string {
	var b strings.Builder
	b.WriteString("Digest ")
	quoted := func(name, v string) {
		b.WriteString(name)
		b.WriteString(`="`)
		for i := 0; i < len(v); i++ {
			if v[i] == '"' || v[i] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v[i])
		}
		b.WriteString(`", `)
	}
	quoted("username", c.Username)
	quoted("realm", c.Realm)
	quoted("nonce", c.Nonce)
	quoted("uri", c.URI)
	quoted("response", c.Response)
	if c.AlgorithmName != "" {
		quoted("algorithm", c.AlgorithmName)
	}
	if c.CNonce != "" {
		quoted("cnonce", c.CNonce)
	}
	if c.Opaque != "" {
		quoted("opaque", c.Opaque)
	}
	if c.QOP != "" {
		quoted("qop", c.QOP)
	}
	if c.NC != "" {
		quoted("nc", c.NC)
	}
	if c.UserHash {
		b.WriteString("userhash=true, ")
	}
	return strings.TrimSuffix(b.String(), ", ")
}

// paramParser walks an auth-param list.
type paramParser struct {
	s string
	i int
}

func isLWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (p *paramParser) skipLWS() {
	for p.i < len(p.s) && isLWS(p.s[p.i]) {
		p.i++
	}
}

// token reads an RFC 3261 §25.1 token.
func (p *paramParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func isTokenChar(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("-.!%*_+`'~", c) >= 0
}

// value reads a token or a quoted-string (RFC 3261 §25.1), unquoting the
// latter. Control characters other than tab are refused inside quotes,
// escaped or not.
func (p *paramParser) value() (string, error) {
	if p.i < len(p.s) && p.s[p.i] == '"' {
		p.i++
		var b []byte
		start := p.i
		for p.i < len(p.s) {
			c := p.s[p.i]
			switch {
			case c == '"':
				p.i++
				if b == nil {
					return p.s[start : p.i-1], nil
				}
				return string(b), nil
			case c == '\\':
				if p.i+1 == len(p.s) {
					return "", fmt.Errorf("unterminated escape")
				}
				if e := p.s[p.i+1]; e < ' ' && e != '\t' || e == 0x7f {
					return "", fmt.Errorf("control character in quoted string")
				}
				if b == nil {
					b = append(make([]byte, 0, len(p.s)-start), p.s[start:p.i]...)
				}
				p.i++
				b = append(b, p.s[p.i])
				p.i++
			case c < ' ' && c != '\t' || c == 0x7f:
				return "", fmt.Errorf("control character in quoted string")
			default:
				if b != nil {
					b = append(b, c)
				}
				p.i++
			}
		}
		return "", fmt.Errorf("unterminated quoted string")
	}
	v := p.token()
	if v == "" {
		return "", fmt.Errorf("empty value")
	}
	return v, nil
}
