package sip

// MaskNumber hides all but the last 4 digits of a telephone number for
// logs ("+819012345678" -> "*********5678"). Short numbers are masked
// entirely but for their last digit.
func MaskNumber(s string) string {
	keep := 4
	if len(s) <= keep {
		keep = min(1, len(s))
	}
	b := []byte(s)
	for i := 0; i < len(b)-keep; i++ {
		b[i] = '*'
	}
	return string(b)
}
