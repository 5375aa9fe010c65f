package ledger

import (
	"errors"
	"fmt"
)

// Sentinels, matched with errors.Is. The errors the ledger returns say
// what happened in a sentence of their own; a sentinel's text shows only
// where an error is a bare sentinel.
var (
	ErrNotFound          = errors.New("not found")
	ErrUnknownTechnician = errors.New("unknown technician")
	ErrUnknownSite       = errors.New("unknown site")
	ErrSiteClosed        = errors.New("site closed")
	// ErrUnknownContractor: a contractor ID the ledger does not have.
	ErrUnknownContractor = errors.New("unknown contractor")
	// ErrInvalidPhone: a number NormalizePhone cannot turn into E.164.
	ErrInvalidPhone = errors.New("invalid phone number")
	// ErrExists: an add of something already registered.
	ErrExists = errors.New("already registered")
	// ErrInvalid: a record that breaks a rule (wrong ID length, bad date, ...).
	ErrInvalid = errors.New("invalid")
	// ErrUnsupportedURL: a store URL of a form ledger.Open does not know.
	ErrUnsupportedURL = errors.New("unsupported store URL")
	// ErrForbidden: a change the caller's Scope may see but not make.
	ErrForbidden = errors.New("not allowed")
	// ErrHeldBack: an export held entries back because their site or
	// contractor has no CCUS ID; the rest was exported.
	ErrHeldBack = errors.New("held back for a missing CCUS ID")
)

// clerkError says once, in words an office clerk can act on, what was
// wrong (and what to do), and matches its sentinels with errors.Is
// without repeating their text.
type clerkError struct {
	msg  string
	errs []error
}

func (e *clerkError) Error() string   { return e.msg }
func (e *clerkError) Unwrap() []error { return e.errs }

// NewError is an error matching kind whose text is the formatted sentence
// alone.
func NewError(kind error, format string, args ...any) error {
	return &clerkError{msg: fmt.Sprintf(format, args...), errs: []error{kind}}
}

// NotFound is an error matching ErrNotFound, and kind when it is not nil,
// whose text is the formatted sentence alone.
func NotFound(kind error, format string, args ...any) error {
	errs := []error{ErrNotFound}
	if kind != nil {
		errs = append(errs, kind)
	}
	return &clerkError{msg: fmt.Sprintf(format, args...), errs: errs}
}

// Exists is an error matching ErrExists whose text is the formatted
// sentence alone.
func Exists(format string, args ...any) error { return NewError(ErrExists, format, args...) }

// Invalid is an error matching ErrInvalid whose text is the formatted
// sentence alone: what rule the record breaks.
func Invalid(format string, args ...any) error { return NewError(ErrInvalid, format, args...) }

// UnknownTechnician says the technician ID is not registered; it matches
// ErrUnknownTechnician and ErrNotFound.
func UnknownTechnician(id string) error {
	return NotFound(ErrUnknownTechnician, "technician %s is not registered (add it with: dezura technician add)", id)
}

// UnknownSite says the site code is not registered; it matches
// ErrUnknownSite and ErrNotFound.
func UnknownSite(code string) error {
	return NotFound(ErrUnknownSite, "site %s is not registered (add it with: dezura site add)", code)
}

// UnknownContractor says the contractor ID is not registered; it matches
// ErrUnknownContractor and ErrNotFound.
func UnknownContractor(id string) error {
	return NotFound(ErrUnknownContractor, "contractor %s is not registered (add it with: dezura contractor add)", id)
}

// UnknownPhone says the number (E.164, shown masked) is not registered;
// it matches ErrNotFound.
func UnknownPhone(e164 string) error {
	return NotFound(nil, "phone %s is not registered (add it with: dezura phone add)", MaskPhone(e164))
}

// UnknownEntry says there is no work-history entry id; it matches
// ErrNotFound.
func UnknownEntry(id int64) error {
	return NotFound(nil, "entry %d does not exist (list them with: dezura entries list)", id)
}

// MaskPhone keeps a caller number out of logs and errors in full: all but
// its last four digits.
func MaskPhone(e164 string) string {
	if len(e164) <= 4 {
		return "****"
	}
	return e164[:len(e164)-4] + "****"
}
