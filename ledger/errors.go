package ledger

import "errors"

var (
	ErrNotFound          = errors.New("ledger: not found")
	ErrUnknownTechnician = errors.New("ledger: unknown technician")
	ErrUnknownSite       = errors.New("ledger: unknown site")
	ErrSiteClosed        = errors.New("ledger: site closed")
)
