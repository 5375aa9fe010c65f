package billing

import "fmt"

// Kind is what an invoice charges for.
type Kind uint8

const (
	KindUnknown    Kind = iota
	KindAnnual          // a year's base fee (plus the initial fee in the first year)
	KindAttendance      // per-attendance charges of one closed month
	KindCredit          // credit note (適格返還請求書) voiding an invoice
)

var kindNames = [...]string{"unknown", "annual", "attendance", "credit"}

// String returns the name stored in the database and shown in exports.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if i > 0 && n == s {
			return Kind(i), nil
		}
	}
	return KindUnknown, fmt.Errorf("billing: unknown invoice kind %q", s)
}
