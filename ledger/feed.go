package ledger

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The CCUS export is a change feed. Every entry carries a version that
// every change bumps (Entry.Version); the feed keeps, per entry, the
// version it last sent and whether its reader holds the entry
// (FeedState). An entry is due while the two versions differ. An export
// with EntryFilter.OnlyNew sends what is due; PlanExport says how, and
// the rules below are the only place that decides it.

// ExportOp is what one row of the export feed asks its reader to do with
// the entry it names (column operation).
type ExportOp uint8

const (
	ExportOpUnknown ExportOp = iota
	// ExportOpNew: the reader does not hold the entry (never sent, or sent
	// as cancelled since): add it. A full export (no OnlyNew) is the range
	// as it is, every row new.
	ExportOpNew
	// ExportOpChanged: the reader holds an older version: replace it.
	ExportOpChanged
	// ExportOpCancelled: the entry no longer counts: remove it.
	ExportOpCancelled
)

var exportOpNames = [...]string{
	ExportOpUnknown:   "unknown",
	ExportOpNew:       "new",
	ExportOpChanged:   "changed",
	ExportOpCancelled: "cancelled",
}

// String returns the operation column's text: new, changed or cancelled.
func (o ExportOp) String() string {
	if int(o) < len(exportOpNames) {
		return exportOpNames[o]
	}
	return fmt.Sprintf("ExportOp(%d)", uint8(o))
}

// ParseExportOp is the inverse of ExportOp.String.
func ParseExportOp(s string) (ExportOp, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for i, n := range exportOpNames {
		if i != int(ExportOpUnknown) && n == t {
			return ExportOp(i), nil
		}
	}
	return ExportOpUnknown, Invalid("unknown export operation %q (want new, changed or cancelled)", s)
}

// MarshalText makes operations read as names in JSON.
func (o ExportOp) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText parses an operation name.
func (o *ExportOp) UnmarshalText(b []byte) error {
	v, err := ParseExportOp(string(b))
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// FeedState is what the export feed has sent of one entry.
type FeedState struct {
	Version int64 // the entry's version the feed last sent; 0 for never
	Held    bool  // that row was new or changed: the reader holds the entry
}

// Due reports whether an entry now at version v must be sent (again).
func (f FeedState) Due(v int64) bool { return f.Version != v }

// ExportOptions change what an export does beyond which entries it reads.
type ExportOptions struct {
	// DryRun writes the rows but records nothing: the next export sends
	// them again.
	DryRun bool
	// IncludeReview exports entries needing review (status needs_review
	// in the row) instead of leaving them out until reviewed.
	IncludeReview bool
}

// ExportAction is what an export does with one entry.
type ExportAction uint8

const (
	ExportSkip   ExportAction = iota // nothing: not due, or cancelled in a full export
	ExportWrite                      // write the row, Op saying how, and record it sent
	ExportSettle                     // record only: cancelled before the reader ever held it
	ExportReview                     // leave out until reviewed; stays due
	ExportHold                       // hold back, Reason saying why; stays due
)

// ExportDecision is PlanExport's answer for one entry.
type ExportDecision struct {
	Action ExportAction
	Op     ExportOp // for ExportWrite
	Reason string   // for ExportHold
	// Sent is the feed's state of the entry once this export is recorded
	// (ExportWrite, ExportSettle).
	Sent FeedState
}

// Record reports whether the export must record d.Sent for the entry
// whose feed state was before: a written or settled entry whose state
// changes.
func (d ExportDecision) Record(before FeedState) bool {
	return (d.Action == ExportWrite || d.Action == ExportSettle) && d.Sent != before
}

// PlanExport decides what an export does with row r, whose feed state is
// sent: onlyNew for the feed (EntryFilter.OnlyNew), else a full export of
// the range.
//
//   - A full export writes every entry that is not cancelled, as new;
//     exporting a range twice gives the same rows.
//   - The feed writes what is due: new when the reader does not hold the
//     entry, changed when it holds an older version, cancelled when it
//     holds an entry that is now cancelled. An entry cancelled before the
//     reader ever held it is recorded without a row.
//   - An entry needing review stays out until reviewed, unless
//     o.IncludeReview.
//   - A row without the site's CCUS 現場ID or the contractor's 事業者ID is
//     held back, with the reason: CCUS cannot take it half-filled.
//
// Entries left out or held back are not recorded and stay due.
func PlanExport(r ExportRow, sent FeedState, onlyNew bool, o ExportOptions) ExportDecision {
	live := r.Status != EntryStatusCancelled
	switch {
	case onlyNew && !sent.Due(r.Version), !onlyNew && !live:
		return ExportDecision{Action: ExportSkip}
	case r.Status == EntryStatusNeedsReview && !o.IncludeReview:
		return ExportDecision{Action: ExportReview}
	case !live && !sent.Held:
		return ExportDecision{Action: ExportSettle, Sent: FeedState{Version: r.Version}}
	}
	if why := missingCCUSIDs(r); why != "" {
		return ExportDecision{Action: ExportHold, Reason: why}
	}
	op := ExportOpNew
	switch {
	case !onlyNew:
	case !live:
		op = ExportOpCancelled
	case sent.Held:
		op = ExportOpChanged
	}
	return ExportDecision{Action: ExportWrite, Op: op, Sent: FeedState{Version: r.Version, Held: live}}
}

// missingCCUSIDs says which CCUS IDs the row lacks, "" if none.
func missingCCUSIDs(r ExportRow) string {
	var why []string
	if r.CCUSSiteID == "" {
		why = append(why, fmt.Sprintf("site %s (%s) has no CCUS site ID (現場ID)", r.SiteCode, r.SiteName))
	}
	switch {
	case r.CCUSBusinessID != "":
	case r.ContractorID == "":
		why = append(why, fmt.Sprintf("site %s has no contractor, so no CCUS business ID (事業者ID)", r.SiteCode))
	default:
		why = append(why, fmt.Sprintf("contractor %s has no CCUS business ID (事業者ID)", r.ContractorID))
	}
	return strings.Join(why, "; ")
}

// HeldBack is an entry an export held back, and why.
type HeldBack struct {
	Row    ExportRow
	Reason string
}

// ExportSummary is what one export did.
type ExportSummary struct {
	New, Changed, Cancelled int // rows written, by operation
	NeedsReview             int // entries left out until reviewed
	Settled                 int // cancelled before the reader held them: recorded, no row
	HeldBack                []HeldBack
	DryRun                  bool
}

// Count adds one entry's decision to the summary.
func (s *ExportSummary) Count(r ExportRow, d ExportDecision) {
	switch d.Action {
	case ExportWrite:
		switch d.Op {
		case ExportOpChanged:
			s.Changed++
		case ExportOpCancelled:
			s.Cancelled++
		default:
			s.New++
		}
	case ExportSettle:
		s.Settled++
	case ExportReview:
		s.NeedsReview++
	case ExportHold:
		s.HeldBack = append(s.HeldBack, HeldBack{Row: r, Reason: d.Reason})
	}
}

// Rows is the number of rows written.
func (s ExportSummary) Rows() int { return s.New + s.Changed + s.Cancelled }

// Err is ErrHeldBack when anything was held back, else nil: the rest was
// exported, but a script should notice.
func (s ExportSummary) Err() error {
	if len(s.HeldBack) == 0 {
		return nil
	}
	return NewError(ErrHeldBack, "%s held back: register the missing CCUS IDs and export again", entriesText(len(s.HeldBack)))
}

var numbers = message.NewPrinter(language.Japanese)

func entriesText(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return numbers.Sprintf("%d entries", n)
}

// String says what the export did, for people: "exported 7 entries (2
// changed, 1 cancelled); 3 held back:" and one line per held-back entry;
// "would export ..." on a dry run.
func (s ExportSummary) String() string {
	var b strings.Builder
	verb, would := "exported ", ""
	if s.DryRun {
		verb, would = "would export ", "would be "
	}
	b.WriteString(verb + entriesText(s.Rows()))
	var ops []string
	if s.Changed > 0 {
		ops = append(ops, numbers.Sprintf("%d changed", s.Changed))
	}
	if s.Cancelled > 0 {
		ops = append(ops, numbers.Sprintf("%d cancelled", s.Cancelled))
	}
	if len(ops) > 0 {
		b.WriteString(" (" + strings.Join(ops, ", ") + ")")
	}
	if s.NeedsReview > 0 {
		need := " need review, "
		if s.NeedsReview == 1 {
			need = " needs review, "
		}
		b.WriteString("; " + entriesText(s.NeedsReview) + need + would + "left out until reviewed")
	}
	if len(s.HeldBack) > 0 {
		b.WriteString("; " + numbers.Sprintf("%d ", len(s.HeldBack)) + would + "held back:")
		for _, h := range s.HeldBack {
			fmt.Fprintf(&b, "\n  %s site %s technician %s: %s", h.Row.WorkDate, h.Row.SiteCode, h.Row.TechnicianID, h.Reason)
		}
	}
	return b.String()
}
