package billing

import "fmt"

// ValidateRegistration checks a qualified-invoice issuer registration number
// (適格請求書発行事業者登録番号): "T" followed by 13 digits whose first digit
// is the check digit of the corporate number (法人番号).
//
// The check digit is defined by 法人番号の指定等に関する省令 第2条:
//
//	check = 9 - (Σ_{n=1..12} Pn × Qn) mod 9
//
// where Pn is the n-th digit of the 12-digit base counted from the least
// significant digit and Qn is 1 when n is odd and 2 when n is even. The
// National Tax Agency's own number, T7000012050002, satisfies it.
func ValidateRegistration(s string) error {
	if len(s) != 14 || s[0] != 'T' {
		return fmt.Errorf("%w: %q: want T followed by 13 digits", ErrInvalidRegistration, s)
	}
	digits := s[1:]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return fmt.Errorf("%w: %q: want T followed by 13 digits", ErrInvalidRegistration, s)
		}
	}
	if want := CheckDigit(digits[1:]); int(digits[0]-'0') != want {
		return fmt.Errorf("%w: %q: check digit is %d, want %d", ErrInvalidRegistration, s, digits[0]-'0', want)
	}
	return nil
}

// CheckDigit returns the corporate-number check digit of a 12-digit base
// (see ValidateRegistration). It returns -1 if base is not 12 ASCII digits.
func CheckDigit(base string) int {
	if len(base) != 12 {
		return -1
	}
	sum := 0
	for n := 1; n <= 12; n++ {
		c := base[12-n]
		if c < '0' || c > '9' {
			return -1
		}
		q := 1
		if n%2 == 0 {
			q = 2
		}
		sum += int(c-'0') * q
	}
	return 9 - sum%9
}
