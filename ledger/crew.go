package ledger

// Crew numbers: a contractor gives each member of its crew a short number
// that a foreman keys instead of the 14-digit technician ID (代理登録).
const (
	CrewNumberMinLen = 2
	CrewNumberMaxLen = 3
)

// ValidateCrewNumber checks a crew number: 2 or 3 digits ("" clears one).
// The error wraps ErrInvalid and says what to key instead.
func ValidateCrewNumber(n string) error {
	if n == "" {
		return nil
	}
	if len(n) < CrewNumberMinLen || len(n) > CrewNumberMaxLen || !digitsOnly(n) {
		return Invalid("crew number %q: want %d or %d digits, e.g. 12", n, CrewNumberMinLen, CrewNumberMaxLen)
	}
	return nil
}

// IsCrewNumber reports whether keyed digits have the shape of a crew
// number rather than of a technician ID.
func IsCrewNumber(digits string) bool {
	return len(digits) >= CrewNumberMinLen && len(digits) <= CrewNumberMaxLen && digitsOnly(digits)
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
