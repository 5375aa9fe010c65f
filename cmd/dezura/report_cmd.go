package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/dezura/dezura/ledger"
)

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
	if _, err := ledger.ParseWorkDate(*date); err != nil {
		return fmt.Errorf("%w: --date %q: give a date as YYYY-MM-DD", errUsage, *date)
	}
	st, _, err := openAdmin(ctx, *f.db)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := st.DailyReport(ctx, *date)
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
