package spool

import "errors"

var (
	// ErrCorrupt: a spool line whose checksum or JSON does not hold.
	ErrCorrupt = errors.New("spool: corrupt record")
	// ErrNotCached: the database is unreachable and the technician or site
	// was never seen, so the request cannot be confirmed from the spool.
	ErrNotCached = errors.New("spool: database unreachable and not in the directory cache")
	// ErrClosed: the spool was closed.
	ErrClosed = errors.New("spool: closed")
)
