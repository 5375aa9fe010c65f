package guard

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCredentials(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want Credentials
		bad  bool
	}{
		{name: "sip typical", in: `Digest username="pbx", realm="dezura", nonce="abc", uri="sip:100@192.0.2.1", response="0123", algorithm=MD5, cnonce="cn", qop=auth, nc=00000001`,
			want: Credentials{Username: "pbx", Realm: "dezura", Nonce: "abc", URI: "sip:100@192.0.2.1", Response: "0123", Algorithm: MD5, AlgorithmName: "MD5", CNonce: "cn", QOP: "auth", NC: "00000001"}},
		{name: "no algorithm is MD5, case-insensitive names, LWS", in: "digest  USERNAME = \"a\" ,\r\n\tRealm=\"r\",nonce=\"n\",uri=\"u\",response=\"x\"",
			want: Credentials{Username: "a", Realm: "r", Nonce: "n", URI: "u", Response: "x", Algorithm: MD5}},
		{name: "escapes and unknown params", in: `Digest username="a\"b\\c", realm="", nonce="n", uri="u", response="x", foo=bar, baz="q,u=o"`,
			want: Credentials{Username: `a"b\c`, Realm: "", Nonce: "n", URI: "u", Response: "x", Algorithm: MD5}},
		{name: "quoted qop and algorithm", in: `Digest username="a", realm="r", nonce="n", uri="u", response="x", algorithm="sha-256", qop="auth"`,
			want: Credentials{Username: "a", Realm: "r", Nonce: "n", URI: "u", Response: "x", Algorithm: SHA256, AlgorithmName: "sha-256", QOP: "auth"}},
		{name: "unknown algorithm kept", in: `Digest username="a", realm="r", nonce="n", uri="u", response="x", algorithm=SHA-512-256, userhash=true`,
			want: Credentials{Username: "a", Realm: "r", Nonce: "n", URI: "u", Response: "x", Algorithm: AlgorithmUnknown, AlgorithmName: "SHA-512-256", UserHash: true}},
		{name: "basic", in: `Basic YWxhZGRpbjpvcGVuc2VzYW1l`, bad: true},
		{name: "empty", in: ``, bad: true},
		{name: "scheme only", in: `Digest`, bad: true},
		{name: "no space", in: `Digestusername="a"`, bad: true},
		{name: "missing response", in: `Digest username="a", realm="r", nonce="n", uri="u"`, bad: true},
		{name: "missing realm", in: `Digest username="a", nonce="n", uri="u", response="x"`, bad: true},
		{name: "repeated", in: `Digest username="a", username="b", realm="r", nonce="n", uri="u", response="x"`, bad: true},
		{name: "unterminated", in: `Digest username="a, realm="r"`, bad: true},
		{name: "dangling escape", in: `Digest username="a\`, bad: true},
		{name: "no comma", in: `Digest username="a" realm="r"`, bad: true},
		{name: "no value", in: `Digest username=, realm="r"`, bad: true},
		{name: "trailing comma", in: `Digest username="a", realm="r", nonce="n", uri="u", response="x",`, bad: true},
		{name: "control char", in: "Digest username=\"a\x00\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"", bad: true},
		{name: "escaped control char", in: "Digest username=\"a\\\x01\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"", bad: true},
		{name: "too long", in: `Digest username="` + strings.Repeat("a", maxCredentialsLen) + `", realm="r", nonce="n", uri="u", response="x"`, bad: true},
	} {
		got, err := ParseCredentials(tc.in)
		if tc.bad {
			if !errors.Is(err, ErrBadCredentials) {
				t.Errorf("%s: %+v, %v; want ErrBadCredentials", tc.name, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", tc.name, got, err, tc.want)
		}
	}
}

// FuzzParseCredentials: no panic; an accepted value has the required fields,
// and formatting it and parsing again gives the same credentials.
func FuzzParseCredentials(f *testing.F) {
	for _, seed := range []string{
		`Digest username="pbx", realm="dezura", nonce="abc", uri="sip:100@192.0.2.1", response="0123", algorithm=MD5, cnonce="cn", qop=auth, nc=00000001`,
		`Digest username="a\"b", realm="", nonce="n", uri="u", response="x", opaque="o", userhash=true`,
		"digest username = \"a\" ,\r\n realm=r,nonce=n,uri=u,response=x,algorithm=\"SHA-256-sess\"",
		`Digest username="a\`, `Digest`, `Basic x`, `Digest ,,,`, `Digest a="`, "Digest username=\"\xff\"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseCredentials(in)
		if err != nil {
			if !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("error %v does not wrap ErrBadCredentials", err)
			}
			return
		}
		if c.Username == "" || c.Nonce == "" || c.URI == "" || c.Response == "" {
			t.Fatalf("accepted without required fields: %+v", c)
		}
		if c.AlgorithmName == "" && c.Algorithm != MD5 {
			t.Fatalf("default algorithm %v", c.Algorithm)
		}
		s := c.String()
		if len(s) > maxCredentialsLen {
			return // escaping may grow a value past the limit
		}
		again, err := ParseCredentials(s)
		if err != nil || again != c {
			t.Fatalf("round trip of %q:\n %+v\n %q\n %+v, %v", in, c, s, again, err)
		}
	})
}
