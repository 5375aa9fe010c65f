package ledger

import (
	"errors"
	"strings"
	"testing"
)

func TestExportOpText(t *testing.T) {
	for _, op := range []ExportOp{ExportOpNew, ExportOpChanged, ExportOpCancelled} {
		got, err := ParseExportOp(strings.ToUpper(op.String()))
		if err != nil || got != op {
			t.Errorf("ParseExportOp(%q) = %v, %v", op, got, err)
		}
		var back ExportOp
		b, _ := op.MarshalText()
		if err := back.UnmarshalText(b); err != nil || back != op {
			t.Errorf("text round trip of %v: %v, %v", op, back, err)
		}
	}
	for _, bad := range []string{"", "unknown", "deleted"} {
		if _, err := ParseExportOp(bad); err == nil {
			t.Errorf("ParseExportOp(%q): no error", bad)
		}
	}
	if s := ExportOp(9).String(); s != "ExportOp(9)" {
		t.Errorf("ExportOp(9) = %q", s)
	}
}

func TestPlanExport(t *testing.T) {
	row := func(status EntryStatus, version int64) ExportRow {
		return ExportRow{Entry: Entry{ID: 7, SiteCode: "77", Status: status, Version: version},
			SiteName: "駅前", ContractorID: "acme", CCUSSiteID: "1", CCUSBusinessID: "2"}
	}
	noSite := row(EntryStatusClosed, 2)
	noSite.CCUSSiteID = ""
	noContractor := row(EntryStatusClosed, 2)
	noContractor.ContractorID, noContractor.CCUSBusinessID = "", ""
	noBusiness := row(EntryStatusOpen, 1)
	noBusiness.CCUSBusinessID = ""
	never, held2, settled := FeedState{}, FeedState{Version: 2, Held: true}, FeedState{Version: 2}
	tests := []struct {
		name    string
		r       ExportRow
		sent    FeedState
		onlyNew bool
		o       ExportOptions
		want    ExportDecision
	}{
		{"feed: never sent", row(EntryStatusOpen, 1), never, true, ExportOptions{},
			ExportDecision{Action: ExportWrite, Op: ExportOpNew, Sent: FeedState{1, true}}},
		{"feed: checked out since", row(EntryStatusClosed, 3), held2, true, ExportOptions{},
			ExportDecision{Action: ExportWrite, Op: ExportOpChanged, Sent: FeedState{3, true}}},
		{"feed: cancelled since", row(EntryStatusCancelled, 3), held2, true, ExportOptions{},
			ExportDecision{Action: ExportWrite, Op: ExportOpCancelled, Sent: FeedState{3, false}}},
		{"feed: cancelled, never sent", row(EntryStatusCancelled, 2), never, true, ExportOptions{},
			ExportDecision{Action: ExportSettle, Sent: FeedState{2, false}}},
		{"feed: registered again after a cancellation was sent", row(EntryStatusOpen, 3), settled, true, ExportOptions{},
			ExportDecision{Action: ExportWrite, Op: ExportOpNew, Sent: FeedState{3, true}}},
		{"feed: not due", row(EntryStatusClosed, 2), held2, true, ExportOptions{}, ExportDecision{Action: ExportSkip}},
		{"feed: needs review", row(EntryStatusNeedsReview, 1), never, true, ExportOptions{}, ExportDecision{Action: ExportReview}},
		{"feed: needs review, included", row(EntryStatusNeedsReview, 1), never, true, ExportOptions{IncludeReview: true},
			ExportDecision{Action: ExportWrite, Op: ExportOpNew, Sent: FeedState{1, true}}},
		{"no CCUS site ID", noSite, never, true, ExportOptions{},
			ExportDecision{Action: ExportHold, Reason: "site 77 (駅前) has no CCUS site ID (現場ID)"}},
		{"no contractor", noContractor, never, false, ExportOptions{},
			ExportDecision{Action: ExportHold, Reason: "site 77 has no contractor, so no CCUS business ID (事業者ID)"}},
		{"no business ID", noBusiness, never, true, ExportOptions{},
			ExportDecision{Action: ExportHold, Reason: "contractor acme has no CCUS business ID (事業者ID)"}},
		{"full: sent before", row(EntryStatusClosed, 2), held2, false, ExportOptions{},
			ExportDecision{Action: ExportWrite, Op: ExportOpNew, Sent: FeedState{2, true}}},
		{"full: changed since", row(EntryStatusClosed, 3), held2, false, ExportOptions{},
			ExportDecision{Action: ExportWrite, Op: ExportOpNew, Sent: FeedState{3, true}}},
		{"full: cancelled", row(EntryStatusCancelled, 3), held2, false, ExportOptions{}, ExportDecision{Action: ExportSkip}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlanExport(tt.r, tt.sent, tt.onlyNew, tt.o); got != tt.want {
				t.Errorf("PlanExport = %+v, want %+v", got, tt.want)
			}
		})
	}
	// Only a change of the feed's state is recorded.
	if d := PlanExport(row(EntryStatusClosed, 2), held2, false, ExportOptions{}); d.Record(held2) {
		t.Error("a full export records an entry sent as it is")
	}
}

func TestExportSummary(t *testing.T) {
	var s ExportSummary
	if got := s.String(); got != "exported 0 entries" || s.Err() != nil {
		t.Errorf("empty summary: %q, %v", got, s.Err())
	}
	r := ExportRow{Entry: Entry{WorkDate: "2026-11-27", SiteCode: "77", TechnicianID: "12345678901234"}}
	for _, d := range []ExportDecision{
		{Action: ExportWrite, Op: ExportOpNew}, {Action: ExportWrite, Op: ExportOpNew}, {Action: ExportWrite, Op: ExportOpNew},
		{Action: ExportWrite, Op: ExportOpNew}, {Action: ExportWrite, Op: ExportOpChanged}, {Action: ExportWrite, Op: ExportOpChanged},
		{Action: ExportWrite, Op: ExportOpCancelled}, {Action: ExportReview}, {Action: ExportSettle},
		{Action: ExportHold, Reason: "site 77 (駅前) has no CCUS site ID (現場ID)"}, {Action: ExportSkip},
	} {
		s.Count(r, d)
	}
	want := "exported 7 entries (2 changed, 1 cancelled); 1 entry needs review, left out until reviewed; 1 held back:\n" +
		"  2026-11-27 site 77 technician 12345678901234: site 77 (駅前) has no CCUS site ID (現場ID)"
	if got := s.String(); got != want {
		t.Errorf("summary:\n%s\nwant\n%s", got, want)
	}
	if !errors.Is(s.Err(), ErrHeldBack) || !strings.HasPrefix(s.Err().Error(), "1 entry held back") {
		t.Errorf("Err = %v", s.Err())
	}
	s.DryRun = true
	if got := s.String(); !strings.HasPrefix(got, "would export 7 entries (2 changed, 1 cancelled); 1 entry needs review, would be left out") ||
		!strings.Contains(got, "1 would be held back:") {
		t.Errorf("dry run: %q", got)
	}
	big := ExportSummary{New: 4_500_000}
	if got := big.String(); got != "exported 4,500,000 entries" {
		t.Errorf("big: %q", got)
	}
}
