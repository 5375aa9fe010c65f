package ivr

import (
	"context"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// Directory answers who is calling and which site they mean.
type Directory interface {
	TechnicianByPhone(ctx context.Context, e164 string) (ledger.Technician, error)
	Technician(ctx context.Context, id string) (ledger.Technician, error)
	SiteByCode(ctx context.Context, code string) (ledger.Site, error)
}

// Recorder writes what a call did. RecordAttendance returns only once the
// entry is durable: the flow says "registered" after it returns.
type Recorder interface {
	RecordAttendance(ctx context.Context, req ledger.AttendanceRequest) (ledger.AttendanceResult, error)
	RecordCall(ctx context.Context, rec ledger.CallRecord) error
}

// Ledger is everything the flows need from the ledger: who is calling and
// which site, what to record, and the call path's shortcuts (a site's own
// number, the last site, security codes, foreman phones, today's entries,
// undo). ledger.DB, the spool's store and serve's timing wrapper satisfy
// it; the compiler checks that none of them drops a method.
type Ledger interface {
	Directory
	Recorder
	ledger.FlowStore
}

// Prompts is the catalogue the flow plays from.
type Prompts interface {
	Clip(lang, name string) (*prompts.Clip, error)
	Digits(lang, s string) ([]*prompts.Clip, error)
	// Time reads a clock time as a native speaker says it (in t's location).
	Time(lang string, t time.Time) ([]*prompts.Clip, error)
	// Number reads a cardinal number (0..9999).
	Number(lang string, n int) ([]*prompts.Clip, error)
}
