package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dezura/dezura/ledger"
)

// siteDay is one site's line in the daily report.
type siteDay struct {
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

// dailyReport is `dezura report daily --date D`.
type dailyReport struct {
	Date  string    `json:"date"`
	Sites []siteDay `json:"sites"`
	// CallsWithoutSite counts calls that ended before a site was chosen.
	CallsWithoutSite int `json:"calls_without_site"`
}

type reportCmd struct {
	Daily reportDailyCmd `cmd:"" help:"Per site for one work date: entries, check-ins and -outs, open, needs review, calls by outcome."`
}

// reportDailyCmd is `dezura report daily [--date D] [--json]`: for a
// contractor's office, who turned up at each site that day, and how the
// calls went.
type reportDailyCmd struct {
	jsonFlag
	Date workDate `default:"${today}" help:"work date, YYYY-MM-DD (Asia/Tokyo)"`
}

func (c *reportDailyCmd) Run(ctx context.Context, admin ledger.Admin, o *output) error {
	rep, err := buildDailyReport(ctx, admin, c.Date.String(), c.Date.Time())
	if err != nil {
		return err
	}
	if c.JSON {
		return o.JSON(rep)
	}
	// One column per outcome that occurred, so the table stays as wide as
	// the day needs.
	seen := map[string]bool{}
	for _, s := range rep.Sites {
		for k := range s.Outcomes {
			seen[k] = true
		}
	}
	outcomes := slices.Sorted(maps.Keys(seen))
	header := []string{"SITE", "ENTRIES", "IN", "OUT", "OPEN", "REVIEW", "CANCELLED", "CALLS"}
	for _, k := range outcomes {
		header = append(header, strings.ToUpper(strings.ReplaceAll(k, "_", " ")))
	}
	rows := make([][]string, 0, len(rep.Sites))
	for _, s := range rep.Sites {
		row := []string{s.Site}
		for _, n := range []int{s.Entries, s.CheckedIn, s.CheckedOut, s.Open, s.NeedsReview, s.Cancelled, s.Calls} {
			row = append(row, strconv.Itoa(n))
		}
		for _, k := range outcomes {
			row = append(row, strconv.Itoa(s.Outcomes[k]))
		}
		rows = append(rows, row)
	}
	o.Printf("work date %s\n", rep.Date)
	if err := o.Table(header, rows); err != nil {
		return err
	}
	if rep.CallsWithoutSite > 0 {
		o.Printf("%s ended before a site was chosen\n", count(rep.CallsWithoutSite, "call"))
	}
	return nil
}

// buildDailyReport counts the entries of work date date (which starts at
// day, midnight in Tokyo) and the calls that arrived that day, per site.
func buildDailyReport(ctx context.Context, admin ledger.Admin, date string, day time.Time) (dailyReport, error) {
	rep := dailyReport{Date: date, Sites: []siteDay{}}
	bySite := map[string]*siteDay{}
	site := func(code string) *siteDay {
		s, ok := bySite[code]
		if !ok {
			s = &siteDay{Site: code, Outcomes: map[string]int{}}
			bySite[code] = s
		}
		return s
	}
	entries, err := admin.ListEntries(ctx, ledger.EntryFilter{From: date, To: date})
	if err != nil {
		return rep, fmt.Errorf("entries of %s: %w", date, err)
	}
	for _, e := range entries {
		s := site(e.SiteCode)
		s.Entries++
		if !e.CheckIn.IsZero() {
			s.CheckedIn++
		}
		if !e.CheckOut.IsZero() {
			s.CheckedOut++
		}
		switch e.Status {
		case ledger.EntryStatusOpen:
			s.Open++
		case ledger.EntryStatusNeedsReview:
			s.NeedsReview++
		case ledger.EntryStatusCancelled:
			s.Cancelled++
		}
	}
	calls, err := admin.ListCalls(ctx, ledger.CallFilter{Since: day})
	if err != nil {
		return rep, fmt.Errorf("calls of %s: %w", date, err)
	}
	end := day.AddDate(0, 0, 1)
	for _, c := range calls {
		if !c.ArrivedAt.Before(end) {
			continue
		}
		if c.SiteCode == "" {
			rep.CallsWithoutSite++
			continue
		}
		s := site(c.SiteCode)
		s.Calls++
		s.Outcomes[c.Outcome]++
	}
	for _, s := range bySite {
		rep.Sites = append(rep.Sites, *s)
	}
	sort.Slice(rep.Sites, func(i, j int) bool { return rep.Sites[i].Site < rep.Sites[j].Site })
	return rep, nil
}
