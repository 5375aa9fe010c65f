package main

import (
	"context"
	"fmt"
	"time"

	"github.com/dezura/dezura/ledger"
	_ "github.com/dezura/dezura/ledger/postgres" // registers postgres:// with ledger.Open
	_ "github.com/dezura/dezura/ledger/sqlite"   // registers sqlite: with ledger.Open
	"github.com/dezura/dezura/simulator"
)

// callLister is the part of the ledger admin API the check needs.
type callLister interface {
	ListCalls(ctx context.Context, f ledger.CallFilter) ([]ledger.CallRecord, error)
}

// verification compares what the simulator keyed with what the service
// recorded: a digit lost or doubled shows as a wrong site, an unexpected
// outcome, or a missing call record.
type verification struct {
	Checked  int      `json:"checked"`
	Matched  int      `json:"matched"`
	Missing  int      `json:"missing_records"`
	Mismatch int      `json:"mismatched"`
	Examples []string `json:"examples,omitempty"`
}

// successOutcomes are the call outcomes of a check-in or check-out that
// went through.
var successOutcomes = map[string]bool{"registered": true, "already_registered": true}

// verifyCalls reads the service's call records from the store at dbURL and
// checks each completed call of the run against them. Records are written
// as the service ends a call, so missing ones are looked for again for up
// to wait.
func verifyCalls(ctx context.Context, dbURL string, since time.Time, calls []simulator.CallSummary, site string, wait time.Duration) (verification, error) {
	var v verification
	st, err := ledger.Open(ctx, dbURL)
	if err != nil {
		return v, fmt.Errorf("open %s to check call records: %w", dbURL, err)
	}
	defer st.Close()
	lister, ok := st.(callLister)
	if !ok {
		return v, fmt.Errorf("the store at %s cannot list calls", dbURL)
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
		for _, c := range calls {
			if !c.Completed {
				continue
			}
			v.Checked++
			r, ok := byID[c.CallID]
			switch {
			case !ok:
				v.Missing++
			case !successOutcomes[r.Outcome] || r.SiteCode != site:
				v.Mismatch++
				if len(v.Examples) < 5 {
					v.Examples = append(v.Examples, fmt.Sprintf("call %s keyed %q: recorded site %q outcome %q %s", c.CallID, c.KeysSent, r.SiteCode, r.Outcome, r.Reason))
				}
			default:
				v.Matched++
			}
		}
		if v.Missing == 0 || time.Now().After(deadline) {
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
