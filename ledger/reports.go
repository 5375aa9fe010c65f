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
	// DailyReport counts, per site, the entries of work date workDate
	// (YYYY-MM-DD; ErrInvalid otherwise) by state and the calls that
	// arrived that day (Asia/Tokyo) by outcome.
	DailyReport(ctx context.Context, workDate string) (DailyReport, error)
}

// SiteDay is one site's line in the daily report.
type SiteDay struct {
	Site        string         `json:"site"`
	Entries     int            `json:"entries"`      // work-history entries of the day
	CheckedIn   int            `json:"checked_in"`   // with a check-in time
	CheckedOut  int            `json:"checked_out"`  // with a check-out time
	Open        int            `json:"open"`         // in, not yet out
	NeedsReview int            `json:"needs_review"` // for the contractor to look at
	Cancelled   int            `json:"cancelled"`
	Calls       int            `json:"calls"`    // calls about this site that day
	Outcomes    map[string]int `json:"outcomes"` // calls by outcome
}

// DailyReport is, for a contractor's office, who turned up at each site on
// one work date and how the calls went.
type DailyReport struct {
	Date  string    `json:"date"`  // the work date, YYYY-MM-DD (Asia/Tokyo)
	Sites []SiteDay `json:"sites"` // by site code; every site with an entry or a call
	// CallsWithoutSite counts calls that ended before a site was chosen.
	CallsWithoutSite int `json:"calls_without_site"`
}
