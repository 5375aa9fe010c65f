package main

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/dezura/dezura/ledger"
)

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

func (c *reportDailyCmd) Run(ctx context.Context, reports ledger.Reports, o *output) error {
	rep, err := reports.DailyReport(ctx, c.Date.String())
	if err != nil {
		return err
	}
	if c.JSON {
		return o.JSON(rep)
	}
	o.Printf("work date %s\n", rep.Date)
	header, rows := dailyReportTable(rep)
	if err := o.Table(header, rows); err != nil {
		return err
	}
	if rep.CallsWithoutSite > 0 {
		o.Printf("%s ended before a site was chosen\n", count(rep.CallsWithoutSite, "call"))
	}
	return nil
}

// dailyReportTable has one column per call outcome that occurred, so the
// table is as wide as the day needs.
func dailyReportTable(rep ledger.DailyReport) ([]string, [][]string) {
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
	return header, rows
}
