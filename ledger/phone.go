package ledger

import (
	"errors"
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
	bad := func(err error) (string, error) {
		return "", fmt.Errorf("%w: %q: %w", ErrInvalidPhone, s, err)
	}
	user, err := phoneUserPart(strings.TrimSpace(s))
	if err != nil {
		return bad(err)
	}
	digits, plus, err := phoneDigits(user)
	if err != nil {
		return bad(err)
	}
	full, err := phoneWithCountryCode(digits, plus)
	if err != nil {
		return bad(err)
	}
	e164, err := phoneE164(full)
	if err != nil {
		return bad(err)
	}
	return e164, nil
}

// phoneUserPart takes the number out of a name-addr ("Name" <sip:...>), a
// SIP or tel URI, or a bare SIP user part: the text before any host
// ("@...") or parameters (";user=phone", ";npdi").
func phoneUserPart(s string) (string, error) {
	if i := strings.IndexByte(s, '<'); i >= 0 {
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return "", errors.New("unclosed '<'")
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
	return s, nil
}

// phoneDigits keeps the digits of a number as people write it: full-width
// digits become ASCII, separators and a "(0)" trunk prefix (as in
// "+81 (0)90...") are dropped, and a leading '+' is reported as plus.
func phoneDigits(s string) (digits string, plus bool, err error) {
	s = strings.ReplaceAll(s, "(0)", "")
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９': // full-width digits typed in Japanese IMEs
			b.WriteRune('0' + (r - '０'))
		case r == '+' || r == '＋':
			if i != 0 || plus {
				return "", false, errors.New("'+' only at the start")
			}
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\t' ||
			r == '‐' || r == '－' || r == 'ー' || r == '\u3000':
			// visual separators
		default:
			return "", false, fmt.Errorf("unexpected character %q", r)
		}
	}
	if b.Len() == 0 {
		return "", false, errors.New("no digits")
	}
	return b.String(), plus, nil
}

// phoneWithCountryCode returns the digits of a number starting with its
// country code. Without a '+' a long number after 010 (Japan's
// international prefix) or 00 is international, a number starting with 0
// is a Japanese national number, and one starting with 81 already has
// Japan's country code.
func phoneWithCountryCode(d string, plus bool) (string, error) {
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
		//lint:ignore ST1005 always the last part of the message: it ends with the forms a number may take
		return "", errors.New("not a Japanese number: want 0..., 81... or +<country code>...")
	}
	if strings.HasPrefix(d, "0") {
		return "", errors.New("country code cannot start with 0")
	}
	return d, nil
}

// phoneE164 checks the length of a number that starts with its country
// code and returns it in E.164. A Japanese number loses a trunk 0 written
// after the country code ("+81 090...") and must have the 9 or 10 digits of
// the national numbering plan.
func phoneE164(d string) (string, error) {
	if strings.HasPrefix(d, "81") {
		nsn := strings.TrimPrefix(d[2:], "0") // "+81 090..." written with the trunk 0
		if len(nsn) < 9 || len(nsn) > 10 {
			return "", fmt.Errorf("a Japanese number has 10 or 11 digits with the leading 0, got %d", len(nsn)+1)
		}
		if nsn[0] == '0' {
			return "", errors.New("a Japanese area or service code cannot start with 00")
		}
		return "+81" + nsn, nil
	}
	if len(d) < 8 || len(d) > 15 {
		return "", fmt.Errorf("E.164 numbers have 8 to 15 digits, got %d", len(d))
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
