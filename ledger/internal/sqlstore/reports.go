package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/dezura/dezura/ledger"
)

// technicianDaysQuery counts in the database what billing charges per
// attendance: one per technician and work date at the contractor's sites,
// cancelled entries left out.
const technicianDaysQuery = `SELECT COUNT(*) FROM (SELECT DISTINCT e.technician_id, e.work_date
	FROM work_entries e JOIN sites s ON s.code = e.site_code
	WHERE s.contractor_id = ? AND e.work_date >= ? AND e.work_date <= ? AND e.status <> 'cancelled') days`

// TechnicianDays counts the contractor's technician-days with work dates
// in [from, to).
func (s *Store) TechnicianDays(ctx context.Context, contractorID string, from, to time.Time) (int, error) {
	first, last := ledger.WorkDate(from), ledger.WorkDate(to.Add(-time.Nanosecond))
	var n int
	if err := s.row(ctx, nil, technicianDaysQuery, contractorID, first, last).Scan(&n); err != nil {
		return 0, fmt.Errorf("count technician-days of %s from %s to %s: %w", contractorID, first, last, err)
	}
	return n, nil
}
