package ledger

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// NormalizePhone turns a caller number as it arrives from a carrier, a PBX
// or a person into E.164 (+81...). It accepts Japanese national numbers
// ("09012345678", "090-1234-5678", "0120-123-456", "050..."), numbers with
// the country code with or without "+" ("+81 90-1234-5678", "8190..."),
// the international prefix 010, a "(0)" trunk prefix after +81, and SIP or
// tel URIs or bare SIP user parts with parameters
// ("sip:+819012345678;user=phone@host", "09012345678;npdi", "<sip:...>").
// Numbers of other countries in international form are kept as E.164.
// Anything else is rejected with an error wrapping ErrInvalidPhone.
func NormalizePhone(s string) (string, error) {
	orig := s
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: %q: %s", ErrInvalidPhone, orig, why)
	}
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 { // name-addr: "Name" <sip:...>
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return bad("unclosed '<'")
		}
		s = s[i+1 : i+j]
	}
	lower := strings.ToLower(s)
	for _, scheme := range []string{"sips:", "sip:", "tel:"} {
		if strings.HasPrefix(lower, scheme) {
			s = s[len(scheme):]
			break
		}
	}
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, "(0)", "")
	var b strings.Builder
	plus := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９': // full-width digits typed in Japanese IMEs
			b.WriteRune('0' + (r - '０'))
		case r == '+' || r == '＋':
			if i != 0 || plus {
				return bad("'+' only at the start")
			}
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\t' ||
			r == '‐' || r == '－' || r == 'ー' || r == '\u3000':
			// visual separators
		default:
			return bad(fmt.Sprintf("unexpected character %q", r))
		}
	}
	d := b.String()
	if d == "" {
		return bad("no digits")
	}
	switch {
	case plus:
	case strings.HasPrefix(d, "010") && len(d) > 11: // Japan's international prefix
		d = d[3:]
	case strings.HasPrefix(d, "00") && len(d) > 11: // common international prefix
		d = d[2:]
	case strings.HasPrefix(d, "0"): // national number with trunk prefix
		d = "81" + d[1:]
	case strings.HasPrefix(d, "81"):
	default:
		return bad("not a Japanese number: want 0..., 81... or +<country code>...")
	}
	if strings.HasPrefix(d, "0") {
		return bad("country code cannot start with 0")
	}
	if strings.HasPrefix(d, "81") {
		nsn := strings.TrimPrefix(d[2:], "0") // "+81 090..." written with the trunk 0
		if len(nsn) < 9 || len(nsn) > 10 {
			return bad(fmt.Sprintf("a Japanese number has 10 or 11 digits with the leading 0, got %d", len(nsn)+1))
		}
		if nsn[0] == '0' {
			return bad("a Japanese area or service code cannot start with 00")
		}
		return "+81" + nsn, nil
	}
	if len(d) < 8 || len(d) > 15 {
		return bad(fmt.Sprintf("E.164 numbers have 8 to 15 digits, got %d", len(d)))
	}
	return "+" + d, nil
}

// FormatPhoneNational shows an E.164 number (as NormalizePhone returns it)
// the way people in Japan write it: a Japanese number in national format
// with its area code grouped as the numbering plan has it (090-1234-5678,
// 03-1234-5678, 0120-123-456, 0476-12-3456), any other in international
// format (+1 650-253-0000). Input it cannot read comes back unchanged.
func FormatPhoneNational(e164 string) string {
	n, err := phonenumbers.Parse(e164, "JP")
	if err != nil {
		return e164
	}
	if n.GetCountryCode() == 81 {
		return phonenumbers.Format(n, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}
