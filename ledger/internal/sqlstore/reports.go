package sqlstore

import (
	"context"
	"fmt"
	"sort"
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

// dailyEntriesQuery counts one work date's entries per site by state.
const dailyEntriesQuery = `SELECT site_code, COUNT(*),
	SUM(CASE WHEN check_in IS NOT NULL THEN 1 ELSE 0 END),
	SUM(CASE WHEN check_out IS NOT NULL THEN 1 ELSE 0 END),
	SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END),
	SUM(CASE WHEN status = 'needs_review' THEN 1 ELSE 0 END),
	SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END)
	FROM work_entries WHERE work_date = ? GROUP BY site_code`

// dailyCallsQuery counts the calls that arrived in [from, to) per site and
// outcome (an empty site code: the call ended before a site was chosen).
const dailyCallsQuery = `SELECT site_code, outcome, COUNT(*) FROM calls
	WHERE arrived_at >= ? AND arrived_at < ? GROUP BY site_code, outcome`

// DailyReport counts one work date's entries and calls per site.
func (s *Store) DailyReport(ctx context.Context, workDate string) (ledger.DailyReport, error) {
	day, err := ledger.ParseWorkDate(workDate)
	if err != nil {
		return ledger.DailyReport{}, fmt.Errorf("daily report: %w: %w", ledger.ErrInvalid, err)
	}
	rep := ledger.DailyReport{Date: workDate, Sites: []ledger.SiteDay{}}
	bySite := map[string]*ledger.SiteDay{}
	site := func(code string) *ledger.SiteDay {
		d, ok := bySite[code]
		if !ok {
			d = &ledger.SiteDay{Site: code, Outcomes: map[string]int{}}
			bySite[code] = d
		}
		return d
	}
	if err := s.scanRows(ctx, dailyEntriesQuery, []any{workDate}, func(sc scanner) error {
		e := ledger.SiteDay{Outcomes: map[string]int{}} // one row per site: calls come after
		if err := sc.Scan(&e.Site, &e.Entries, &e.CheckedIn, &e.CheckedOut, &e.Open, &e.NeedsReview, &e.Cancelled); err != nil {
			return err
		}
		bySite[e.Site] = &e
		return nil
	}); err != nil {
		return rep, fmt.Errorf("daily report: entries of %s: %w", workDate, err)
	}
	if err := s.scanRows(ctx, dailyCallsQuery, []any{day.UTC(), day.AddDate(0, 0, 1).UTC()}, func(sc scanner) error {
		var code, outcome string
		var n int
		if err := sc.Scan(&code, &outcome, &n); err != nil {
			return err
		}
		if code == "" {
			rep.CallsWithoutSite += n
			return nil
		}
		d := site(code)
		d.Calls += n
		d.Outcomes[outcome] += n
		return nil
	}); err != nil {
		return rep, fmt.Errorf("daily report: calls of %s: %w", workDate, err)
	}
	for _, d := range bySite {
		rep.Sites = append(rep.Sites, *d)
	}
	sort.Slice(rep.Sites, func(i, j int) bool { return rep.Sites[i].Site < rep.Sites[j].Site })
	return rep, nil
}

type scanner interface{ Scan(...any) error }

// scanRows runs query on the database and calls scan for every row.
func (s *Store) scanRows(ctx context.Context, query string, args []any, scan func(scanner) error) error {
	rows, err := s.rows(ctx, nil, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
