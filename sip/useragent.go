package sip

import (
	"bytes"
	"net"
	"runtime/debug"
	"strings"
	"sync"
)

// UserAgent is the product dezura names itself by in the User-Agent
// header of every request and response it sends (RFC 3261 §20.41) when
// Config.Version is empty: "dezura/VERSION", VERSION being the main
// module's version from the build information (a release tag, or the
// pseudo-version Go derives from the commit), "dev" when there is none
// (go run, tests).
func UserAgent() string { return userAgent() }

var userAgent = sync.OnceValue(func() string {
	v := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
	}
	return UserAgentFor(v)
})

// UserAgentFor is the User-Agent value for dezura of the given version,
// made a SIP token.
func UserAgentFor(version string) string { return "dezura/" + productVersion(version) }

// productVersion makes v a SIP token (RFC 3261 §25.1), "dev" for none.
func productVersion(v string) string {
	if v == "" || v == "(devel)" {
		return "dev"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-.!%*_+`'~", r)) {
			return r
		}
		return '-'
	}, v)
}

// uaConn is the SIP listening socket with a User-Agent header added to
// each SIP message written through it that has none. sipgo builds many
// of our messages itself (BYE, in-dialog requests, 100 Trying, answers to
// requests without a handler) and has no hook for a header, but every one
// of them leaves through this socket.
type uaConn struct {
	net.PacketConn
	header []byte // "User-Agent: dezura/VERSION\r\n"
	bufs   sync.Pool
}

func newUAConn(c net.PacketConn, product string) *uaConn {
	return &uaConn{PacketConn: c, header: []byte("User-Agent: " + product + "\r\n"),
		bufs: sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}}
}

// WriteTo sends b with the header added; it reports len(b) written, as
// the caller knows nothing of the addition.
func (c *uaConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	bp := c.bufs.Get().(*[]byte)
	defer c.bufs.Put(bp)
	out, added := insertHeader((*bp)[:0], b, c.header)
	if !added {
		return c.PacketConn.WriteTo(b, addr)
	}
	*bp = out[:0]
	if _, err := c.PacketConn.WriteTo(out, addr); err != nil {
		return 0, err
	}
	return len(b), nil
}

// insertHeader appends to dst the SIP message msg with header (a whole
// line, CRLF included) as its last header, and reports true; or, for
// anything that is not a SIP request or response or already has a header
// of that name, reports false (dst's contents are then of no use).
func insertHeader(dst, msg, header []byte) ([]byte, bool) {
	eol := bytes.Index(msg, []byte("\r\n"))
	if eol <= 0 {
		return dst, false
	}
	start := msg[:eol]
	if !bytes.HasPrefix(start, []byte("SIP/2.0 ")) && !bytes.HasSuffix(start, []byte(" SIP/2.0")) {
		return dst, false
	}
	end := bytes.Index(msg, []byte("\r\n\r\n"))
	if end < eol {
		return dst, false // no end of headers: not ours to change
	}
	var hdrs []byte // empty when the blank line follows the start line
	if end > eol {
		hdrs = msg[eol+2 : end]
	}
	name := header[:bytes.IndexByte(header, ':')]
	for line := range bytes.SplitSeq(hdrs, []byte("\r\n")) {
		if hasHeaderName(line, name) {
			return dst, false
		}
	}
	// Last among the headers: before the line that ends them, where no
	// folded continuation line can follow it.
	dst = append(dst, msg[:end+2]...)
	dst = append(dst, header...)
	return append(dst, msg[end+2:]...), true
}

// hasHeaderName reports whether line is a header named name, any case,
// with optional blanks before the colon (RFC 3261 §7.3.1: HCOLON).
func hasHeaderName(line, name []byte) bool {
	if len(line) <= len(name) || !bytes.EqualFold(line[:len(name)], name) {
		return false
	}
	rest := bytes.TrimLeft(line[len(name):], " \t")
	return len(rest) > 0 && rest[0] == ':'
}
