package ledger

import (
	"context"
	"time"
)

// Reports are the ledger's counts, computed by the database: billing's
// technician-days and the office's daily report. Both stores implement
// them, as part of DB.
type Reports interface {
	// TechnicianDays counts the billable technician-days (人日) of a
	// contractor: distinct (technician, work date) pairs of entries that
	// were not cancelled, at the contractor's sites, with work dates from
	// WorkDate(from) up to the work date of the instant before to, i.e.
	// [from, to) for midnights in Asia/Tokyo. It satisfies
	// billing.AttendanceCounter.
	TechnicianDays(ctx context.Context, contractorID string, from, to time.Time) (int, error)
}
