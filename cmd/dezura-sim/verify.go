package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dezura/dezura/ledger"
	_ "github.com/dezura/dezura/ledger/postgres" // registers postgres:// with ledger.Open
	_ "github.com/dezura/dezura/ledger/sqlite"   // registers sqlite: with ledger.Open
	"github.com/dezura/dezura/simulator"
)

// recordReader is the part of the ledger admin API the check needs.
type recordReader interface {
	ListCalls(ctx context.Context, f ledger.CallFilter) ([]ledger.CallRecord, error)
	ListEntries(ctx context.Context, f ledger.EntryFilter) ([]ledger.Entry, error)
	EntryEvents(ctx context.Context, entryID int64) ([]ledger.Event, error)
}

// expectation is what every completed call keyed: the site, and for a
// foreman's call the crew he checked in.
type expectation struct {
	Site string
	Crew []string // technician IDs; empty for a technician's own call
}

// verification compares what the simulator keyed with what the service
// recorded: a digit lost or doubled shows as a wrong site, an unexpected
// outcome, or a missing call record; for foreman calls, as a crew member
// without an entry or with two check-ins.
type verification struct {
	Checked  int        `json:"checked"`
	Matched  int        `json:"matched"`
	Missing  int        `json:"missing_records"`
	Mismatch int        `json:"mismatched"`
	Crew     *crewCheck `json:"crew,omitempty"`
	Passed   bool       `json:"passed"`
	Examples []string   `json:"examples,omitempty"`
}

// crewCheck is the foreman scenario's check of the entries themselves:
// on every work date a completed call fell on, each crew member has
// exactly one entry at the site with a check-in, made by one check-in
// event entered by a foreman (later calls that key him again add nothing).
type crewCheck struct {
	WorkDates []string `json:"work_dates"`
	Expected  int      `json:"expected"` // crew members times work dates
	Recorded  int      `json:"recorded"` // of those, with one entry and one check-in event
	Missing   int      `json:"missing"`  // no entry, or an entry without a check-in
	Doubled   int      `json:"doubled"`  // more than one entry or check-in event
}

// successOutcomes are the call outcomes of a check-in or check-out that
// went through.
var successOutcomes = map[string]bool{"registered": true, "already_registered": true}

// verifyCalls reads the service's call records from the store at dbURL and
// checks each completed call of the run against them. Records are written
// as the service ends a call, so missing ones are looked for again for up
// to wait.
func verifyCalls(ctx context.Context, dbURL string, since time.Time, calls []simulator.CallSummary, want expectation, wait time.Duration) (verification, error) {
	var v verification
	st, err := ledger.Open(ctx, dbURL)
	if err != nil {
		return v, fmt.Errorf("open %s to check call records: %w", dbURL, err)
	}
	defer st.Close()
	lister, ok := st.(recordReader)
	if !ok {
		return v, fmt.Errorf("the store at %s cannot list calls and entries", dbURL)
	}
	deadline := time.Now().Add(wait)
	for {
		recs, err := lister.ListCalls(ctx, ledger.CallFilter{Since: since.Add(-time.Minute)})
		if err != nil {
			return v, fmt.Errorf("list call records: %w", err)
		}
		byID := make(map[string]ledger.CallRecord, len(recs))
		for _, r := range recs {
			byID[r.CallID] = r
		}
		v = verification{}
		dates := map[string]bool{}
		for _, c := range calls {
			if !c.Completed {
				continue
			}
			v.Checked++
			r, ok := byID[c.CallID]
			if !ok {
				v.Missing++
				continue
			}
			dates[ledger.WorkDate(r.ArrivedAt)] = true
			if why := mismatch(r, want); why != "" {
				v.Mismatch++
				if len(v.Examples) < 5 {
					v.Examples = append(v.Examples, fmt.Sprintf("call %s keyed %q: recorded site %q outcome %q %s: %s", c.CallID, c.KeysSent, r.SiteCode, r.Outcome, r.Reason, why))
				}
				continue
			}
			v.Matched++
		}
		if v.Missing == 0 || time.Now().After(deadline) {
			if len(want.Crew) > 0 {
				cc, err := checkCrew(ctx, lister, want, slices.Sorted(maps.Keys(dates)), &v.Examples)
				if err != nil {
					return v, err
				}
				v.Crew = &cc
			}
			v.Passed = v.Missing == 0 && v.Mismatch == 0 && (v.Crew == nil || v.Crew.Missing == 0 && v.Crew.Doubled == 0)
			return v, nil
		}
		t := time.NewTimer(200 * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return v, ctx.Err()
		}
	}
}

// mismatch says how a call record differs from what its call keyed, or ""
// when it does not.
func mismatch(r ledger.CallRecord, want expectation) string {
	if r.SiteCode != want.Site {
		return "wrong site"
	}
	if len(want.Crew) == 0 {
		if !successOutcomes[r.Outcome] {
			return "not registered"
		}
		return ""
	}
	// A foreman's call: each crew ID went to the ledger ("committed"),
	// none was refused, and the entry ended with "# alone". A call that
	// only keyed people already checked in today registers nothing new:
	// already_registered.
	committed, rejected := 0, 0
	for _, st := range r.Steps {
		switch st {
		case "committed":
			committed++
		case "foreman_rejected":
			rejected++
		}
	}
	switch {
	case !slices.Contains(r.Steps, "foreman"):
		return "not taken as a foreman's call"
	case rejected > 0:
		return fmt.Sprintf("%d technician IDs refused", rejected)
	case committed != len(want.Crew):
		return fmt.Sprintf("%d of %d technician IDs recorded", committed, len(want.Crew))
	case !slices.Contains(r.Steps, "foreman_done"):
		return "crew entry not finished"
	case r.Outcome != "registered" && r.Outcome != "already_registered":
		return "not registered"
	case len(r.EntryIDs) > len(want.Crew):
		return fmt.Sprintf("%d entries for a crew of %d", len(r.EntryIDs), len(want.Crew))
	}
	return ""
}

// checkCrew looks at the entries of want.Crew at want.Site on each date.
func checkCrew(ctx context.Context, st recordReader, want expectation, dates []string, examples *[]string) (crewCheck, error) {
	cc := crewCheck{WorkDates: dates}
	note := func(format string, args ...any) {
		if len(*examples) < 5 {
			*examples = append(*examples, fmt.Sprintf(format, args...))
		}
	}
	for _, d := range dates {
		for _, id := range want.Crew {
			cc.Expected++
			es, err := st.ListEntries(ctx, ledger.EntryFilter{From: d, To: d, SiteCode: want.Site, TechnicianID: id})
			if err != nil {
				return cc, fmt.Errorf("list entries of %s on %s: %w", id, d, err)
			}
			if len(es) > 1 {
				cc.Doubled++
				note("crew member %s: %d entries at site %s on %s", id, len(es), want.Site, d)
				continue
			}
			if len(es) == 0 || es[0].CheckIn.IsZero() {
				cc.Missing++
				note("crew member %s: no check-in at site %s on %s", id, want.Site, d)
				continue
			}
			evs, err := st.EntryEvents(ctx, es[0].ID)
			if err != nil {
				return cc, fmt.Errorf("events of entry %d: %w", es[0].ID, err)
			}
			ins, byForeman := 0, 0
			for _, e := range evs {
				if e.Kind == "check_in" {
					ins++
					if strings.HasPrefix(e.Actor, "foreman:") {
						byForeman++
					}
				}
			}
			switch {
			case ins > 1:
				cc.Doubled++
				note("crew member %s: %d check-ins in entry %d on %s", id, ins, es[0].ID, d)
			case byForeman != 1:
				cc.Missing++
				note("crew member %s: entry %d on %s was not checked in by a foreman", id, es[0].ID, d)
			default:
				cc.Recorded++
			}
		}
	}
	return cc, nil
}
