package main

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"
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

// reportCmd is `dezura report daily [--date D] [--json]`: for a
// contractor's office, who turned up at each site that day, and how the
// calls went.
func reportCmd(ctx context.Context, env cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "daily" {
		return fmt.Errorf("%w: usage: dezura report daily [--date YYYY-MM-DD] [--json]", errUsage)
	}
	f := newLedgerFlags("report daily", env)
	date := f.String("date", ledger.WorkDate(time.Now()), "work date, YYYY-MM-DD (Asia/Tokyo; default today)")
	asJSON := f.Bool("json", false, "print JSON")
	pos, err := f.parse(args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: report daily takes no arguments, got %q", errUsage, pos)
	}
	day, err := ledger.ParseWorkDate(*date)
	if err != nil {
		return fmt.Errorf("%w: --date %q: give a date as YYYY-MM-DD", errUsage, *date)
	}
	st, admin, err := openAdmin(ctx, *f.db)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := buildDailyReport(ctx, admin, *date, day)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env.Stdout, rep)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SITE\tENTRIES\tIN\tOUT\tOPEN\tREVIEW\tCANCELLED\tCALLS\tOUTCOMES\n")
	for _, s := range rep.Sites {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%v\n", s.Site, s.Entries, s.CheckedIn, s.CheckedOut,
			s.Open, s.NeedsReview, s.Cancelled, s.Calls, s.Outcomes)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.CallsWithoutSite > 0 {
		fmt.Fprintf(env.Stdout, "%d calls ended before a site was chosen\n", rep.CallsWithoutSite)
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
