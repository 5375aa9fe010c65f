package trunk

import (
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// grantedExpires is the lifetime of our binding in a 2xx to REGISTER:
// the expires parameter of our Contact, else the Expires header, else
// what we asked for (RFC 3261 §10.2.4). missing reports a 2xx that lists
// bindings (§10.3 step 8: all current ones) without ours: the registrar
// did not keep it. A 2xx that lists none says nothing either way.
func grantedExpires(res *sip.Response, contact sip.Uri, asked time.Duration) (granted time.Duration, missing bool) {
	listed, ours := 0, false
	for _, h := range res.GetHeaders("Contact") {
		for _, v := range splitContacts(h.Value()) {
			var ch sip.ContactHeader
			if _, err := sip.ParseAddressValue(v, &ch.Address, &ch.Params); err != nil {
				continue
			}
			listed++
			if !sameBinding(ch.Address, contact) {
				continue
			}
			ours = true
			if e, ok := ch.Params.Get("expires"); ok && granted == 0 {
				if n, err := strconv.ParseUint(strings.TrimSpace(e), 10, 32); err == nil && n > 0 {
					granted = time.Duration(n) * time.Second
				}
			}
		}
	}
	missing = listed > 0 && !ours
	if granted > 0 {
		return granted, missing
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32); err == nil && n > 0 {
			return time.Duration(n) * time.Second, missing
		}
	}
	return asked, missing
}

// splitContacts splits a Contact value at commas outside <> and quotes.
func splitContacts(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			depth++
		case c == '>':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(v[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(v[start:]))
}

func sameBinding(a, b sip.Uri) bool {
	return a.User == b.User && strings.EqualFold(a.Host, b.Host) && portOr5060(a.Port) == portOr5060(b.Port)
}

func portOr5060(p int) int {
	if p == 0 {
		return 5060
	}
	return p
}
