package guard

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// parseChallenge reads a WWW-Authenticate value the way a client would.
func parseChallenge(t testing.TB, s string) map[string]string {
	t.Helper()
	if !strings.HasPrefix(s, "Digest ") {
		t.Fatalf("challenge %q", s)
	}
	p := paramParser{s: s, i: len("Digest ")}
	out := map[string]string{}
	for {
		p.skipLWS()
		if p.i == len(p.s) {
			return out
		}
		if len(out) > 0 {
			if p.s[p.i] != ',' {
				t.Fatalf("challenge %q: want ',' at %d", s, p.i)
			}
			p.i++
			p.skipLWS()
		}
		name := p.token()
		if p.i == len(p.s) || p.s[p.i] != '=' {
			t.Fatalf("challenge %q: want '=' at %d", s, p.i)
		}
		p.i++
		v, err := p.value()
		if err != nil {
			t.Fatalf("challenge %q: %v", s, err)
		}
		out[name] = v
	}
}

// answer builds the Authorization value a client sends for challenge.
func answer(t testing.TB, challenge, user, secret, method, uri string) string {
	t.Helper()
	ch := parseChallenge(t, challenge)
	alg, err := ParseAlgorithm(ch["algorithm"])
	if err != nil {
		t.Fatal(err)
	}
	c := Credentials{
		Username: user, Realm: ch["realm"], Nonce: ch["nonce"], URI: uri,
		Algorithm: alg, AlgorithmName: ch["algorithm"], CNonce: "0a4f113b", NC: "00000001", QOP: ch["qop"],
	}
	c.Response = DigestResponse(c, secret, method)
	return c.String()
}
