package sip

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestProductVersion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "dev"},
		{"(devel)", "dev"},
		{"v1.2.3", "v1.2.3"},
		{"v0.0.0-20261127123456-e49a4b3c0ffe+dirty", "v0.0.0-20261127123456-e49a4b3c0ffe+dirty"},
		{"v1 beta/2;x", "v1-beta-2-x"},
		{"v1\r\nVia: x", "v1--Via--x"},
		{"版1", "-1"},
	} {
		if got := productVersion(tc.in); got != tc.want {
			t.Errorf("productVersion(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if ua := UserAgent(); !strings.HasPrefix(ua, "dezura/") || len(ua) == len("dezura/") {
		t.Errorf("UserAgent() = %q", ua)
	}
}

const uaLine = "User-Agent: dezura/test\r\n"

func TestInsertHeader(t *testing.T) {
	req := "BYE sip:a@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKx;rport\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"
	res := "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKx\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n"
	for _, tc := range []struct {
		name, in string
		want     string // "": left alone
	}{
		{"request", req, strings.TrimSuffix(req, "\r\n") + uaLine + "\r\n"},
		{"response with a body", res, strings.Replace(res, "\r\n\r\n", "\r\n"+uaLine+"\r\n", 1)},
		{"no headers", "SIP/2.0 200 OK\r\n\r\n", "SIP/2.0 200 OK\r\n" + uaLine + "\r\n"},
		{"folded first header", "SIP/2.0 200 OK\r\n x: 1\r\n\r\n", "SIP/2.0 200 OK\r\n x: 1\r\n" + uaLine + "\r\n"},
		{"has one already", "OPTIONS sip:x SIP/2.0\r\nUser-Agent: other\r\n\r\n", ""},
		{"has one, other case and blanks", "SIP/2.0 200 OK\r\nuser-agent : other\r\n\r\n", ""},
		{"a header that only starts alike", "SIP/2.0 200 OK\r\nUser-Agent-X: 1\r\n\r\n", "SIP/2.0 200 OK\r\nUser-Agent-X: 1\r\n" + uaLine + "\r\n"},
		{"keep-alive", "\r\n\r\n", ""},
		{"not SIP", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", ""},
		{"no end of headers", "SIP/2.0 200 OK\r\nVia: x\r\n", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, added := insertHeader(nil, []byte(tc.in), []byte(uaLine))
			if added != (tc.want != "") || (added && string(got) != tc.want) {
				t.Errorf("insertHeader = %q, %v; want %q", got, added, tc.want)
			}
		})
	}
}

// FuzzInsertHeader: whatever is written, a message is either left alone
// or gains exactly the one header line, and a SIP message that parsed
// before parses after with the header and everything else unchanged.
func FuzzInsertHeader(f *testing.F) {
	f.Add([]byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("INVITE sip:a@b SIP/2.0\r\nUser-Agent: x\r\n\r\n"))
	f.Add([]byte("\r\n\r\n"))
	f.Add([]byte("SIP/2.0 \r\n\r\n\r\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		out, added := insertHeader(make([]byte, 0, 8), msg, []byte(uaLine))
		if !added {
			return
		}
		if len(out) != len(msg)+len(uaLine) {
			t.Fatalf("grew by %d bytes", len(out)-len(msg))
		}
		end := bytes.Index(msg, []byte("\r\n\r\n")) + 2
		if !bytes.Equal(out[:end], msg[:end]) || string(out[end:end+len(uaLine)]) != uaLine || !bytes.Equal(out[end+len(uaLine):], msg[end:]) {
			t.Fatalf("%q became %q", msg, out)
		}
		before, err := sip.ParseMessage(msg)
		if err != nil {
			return
		}
		after, err := sip.ParseMessage(out)
		if err != nil {
			t.Fatalf("parsed before, not after: %v", err)
		}
		if h := after.GetHeaders("User-Agent"); len(h) != 1 || h[0].Value() != "dezura/test" {
			t.Fatalf("User-Agent headers after: %v", h)
		}
		// The same headers plus ours (sorted: the parser appends a
		// Content-Length it makes up for a body without one).
		hb, ha := headerLines(before), headerLines(after)
		hb = append(hb, strings.TrimSuffix(uaLine, "\r\n"))
		slices.Sort(hb)
		slices.Sort(ha)
		if !slices.Equal(ha, hb) || !bytes.Equal(after.Body(), before.Body()) {
			t.Fatalf("headers %q became %q; body %q became %q", hb, ha, before.Body(), after.Body())
		}
	})
}

// headerLines lists a parsed message's header lines in order.
func headerLines(m sip.Message) []string {
	var out []string
	if hs, ok := m.(interface{ Headers() []sip.Header }); ok {
		for _, h := range hs.Headers() {
			out = append(out, h.Name()+": "+h.Value())
		}
	}
	return out
}
