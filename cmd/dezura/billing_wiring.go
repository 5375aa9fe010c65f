package main

import (
	"context"
	"fmt"
	"time"

	"github.com/dezura/dezura/ledger"
)

// attendanceCounter gives billing the technician-days of a contractor's
// sites from the ledger: one per technician and work date with an entry
// that was not cancelled. billing declares the interface; this adapter is
// the only place that knows both sides.
type attendanceCounter struct{ admin ledger.Admin }

// TechnicianDays counts technician-days with work dates in [from, to),
// both midnights in Tokyo.
func (a attendanceCounter) TechnicianDays(ctx context.Context, contractorID string, from, to time.Time) (int, error) {
	last := ledger.WorkDate(to.Add(-time.Nanosecond))
	entries, err := a.admin.ListEntries(ctx, ledger.EntryFilter{
		From: ledger.WorkDate(from), To: last, ContractorID: contractorID,
	})
	if err != nil {
		return 0, fmt.Errorf("count technician-days of %s: %w", contractorID, err)
	}
	type day struct{ tech, date string }
	seen := make(map[day]struct{}, len(entries))
	for _, e := range entries {
		if e.Status == ledger.EntryStatusCancelled {
			continue
		}
		seen[day{e.TechnicianID, e.WorkDate}] = struct{}{}
	}
	return len(seen), nil
}
