package guard

// MaskNumber hides all but the last 4 digits of a telephone number for logs,
// since a caller's number is personal data: "+819012345678" ->
// "+********5678". Only digits are masked, so a leading "+" and separators
// keep their shape and a log reader can still tell a national from an
// international number.
// A number of 4 digits or fewer keeps only its last digit, so a short
// extension or a fragment of a number is never shown whole. Give it the
// number (a URI's user part), not a whole URI: digits in a host are masked
// too.
func MaskNumber(s string) string {
	digits := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			digits++
		}
	}
	keep := 4
	if digits <= keep {
		keep = min(1, digits)
	}
	hide := digits - keep
	b := []byte(s)
	for i := 0; i < len(b) && hide > 0; i++ {
		if isDigit(b[i]) {
			b[i] = '*'
			hide--
		}
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
