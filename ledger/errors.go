package ledger

import "errors"

var (
	ErrNotFound          = errors.New("ledger: not found")
	ErrUnknownTechnician = errors.New("ledger: unknown technician")
	ErrUnknownSite       = errors.New("ledger: unknown site")
	ErrSiteClosed        = errors.New("ledger: site closed")
)

// More sentinels, beside the contract's four above.
var (
	// ErrInvalidPhone: a number NormalizePhone cannot turn into E.164.
	ErrInvalidPhone = errors.New("ledger: invalid phone number")
	// ErrExists: an add of something already registered.
	ErrExists = errors.New("ledger: already exists")
	// ErrInvalid: a record that breaks a rule (wrong ID length, bad date, ...).
	ErrInvalid = errors.New("ledger: invalid")
	// ErrUnsupportedURL: a store URL of a form ledger.Open does not know.
	ErrUnsupportedURL = errors.New("ledger: unsupported store URL")
	// ErrHeldBack: an export held entries back because their site or
	// contractor has no CCUS ID; the rest was exported.
	ErrHeldBack = errors.New("ledger: register the missing CCUS IDs and export again")
)
