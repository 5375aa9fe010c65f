package ledger

import (
	"context"
	"time"
)

// Office is what an office's screens need beyond Admin: lists a page at a
// time, today's board, edits, re-enabling what was disabled, security
// codes and the history of changes, each applied within a Scope (see
// Scope: the ledger, not the screen, decides what a caller may see and
// change). Something outside the scope is not found (ErrNotFound); a
// change the scope may see but not make is ErrForbidden. Every change is
// written to the audit log with the context's actor (WithActor) in the
// same transaction. Both stores implement it, as part of DB; Admin's
// registration methods are these with ScopeAll.
type Office interface {
	// Board is the board of one work date: per site who is in, who has
	// left, who has an entry from the day before still open, and what
	// needs review, for a page of the scope's sites that are not disabled.
	Board(ctx context.Context, sc Scope, q BoardQuery) (Board, error)

	SitesPage(ctx context.Context, sc Scope, q ListQuery) (Page[Site], error)
	ScopedSite(ctx context.Context, sc Scope, code string) (Site, error)
	// CreateSite registers a site of a contractor the scope may change.
	CreateSite(ctx context.Context, sc Scope, s Site) error
	// UpdateSite changes a site's name, CCUS site ID, dates and DID; the
	// code and contractor stay.
	UpdateSite(ctx context.Context, sc Scope, s Site) error
	SetSiteDisabled(ctx context.Context, sc Scope, code string, disabled bool) error

	TechniciansPage(ctx context.Context, sc Scope, q ListQuery) (Page[TechnicianRow], error)
	ScopedTechnician(ctx context.Context, sc Scope, id string) (TechnicianRow, error)
	// CreateTechnician registers one technician (with an optional security
	// code and phone) of a contractor the scope may change.
	CreateTechnician(ctx context.Context, sc Scope, t TechnicianImport) error
	// UpdateTechnician changes a technician's name and language.
	UpdateTechnician(ctx context.Context, sc Scope, t Technician) error
	SetTechnicianDisabled(ctx context.Context, sc Scope, id string, disabled bool) error
	// SetSecurityCode stores the card's 4-digit security code (as a salted
	// hash; it is never read back), or removes it with "".
	SetSecurityCode(ctx context.Context, sc Scope, technicianID, code string) error

	PhonesPage(ctx context.Context, sc Scope, q ListQuery) (Page[PhoneRow], error)
	ScopedPhone(ctx context.Context, sc Scope, number string) (PhoneRow, error)
	CreatePhone(ctx context.Context, sc Scope, p Phone) error
	// UpdatePhone gives a number to another technician, or makes it a
	// foreman phone of the contractor.
	UpdatePhone(ctx context.Context, sc Scope, p Phone) error
	SetPhoneDisabled(ctx context.Context, sc Scope, number string, disabled bool) error

	// SiteAssignments lists a site's assignments (施工体制) with names.
	SiteAssignments(ctx context.Context, sc Scope, siteCode string) ([]AssignmentRow, error)
	CreateAssignment(ctx context.Context, sc Scope, a Assignment) error
	// UpdateAssignment changes the trade and role of an assignment.
	UpdateAssignment(ctx context.Context, sc Scope, a Assignment) error
	SetAssignmentDisabled(ctx context.Context, sc Scope, siteCode, technicianID string, disabled bool) error

	// ScopedContractors lists the contractors the scope sees, by ID.
	ScopedContractors(ctx context.Context, sc Scope) ([]Contractor, error)
	// EntriesPage lists work-history entries matching f, newest work date
	// first, a page at a time.
	EntriesPage(ctx context.Context, sc Scope, f EntryFilter, after string) (Page[EntryRow], error)
	// History is the audit log of one object ("site:77"), or of everything
	// the scope may see when q.Object is "", newest first.
	History(ctx context.Context, sc Scope, q HistoryQuery) (Page[Change], error)
}

// Page sizes of the Office lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// ListQuery selects a page of a list.
type ListQuery struct {
	// Search: part of a name, or the start of a code, ID or number.
	Search string
	// After is the Next of the previous page ("" for the first).
	After string
	// Limit is rows per page: 0 is DefaultPageSize, at most MaxPageSize.
	Limit int
	// WithDisabled includes disabled rows.
	WithDisabled bool
	// ContractorID narrows the list to one contractor within the scope.
	ContractorID string
}

// PageLimit is the number of rows a page of limit asks for holds.
func PageLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}

// Page is one page of a list; Next, when not "", is the After of the
// next page.
type Page[T any] struct {
	Rows []T
	Next string
}

// TechnicianRow is a technician as the office lists them.
type TechnicianRow struct {
	Technician
	HasSecurityCode bool
	ContractorName  string
}

// PhoneRow is a registered number with whom it belongs to.
type PhoneRow struct {
	Phone
	TechnicianName string
	ContractorName string // of the technician, or the foreman phone's contractor
}

// AssignmentRow is an assignment with the technician's name.
type AssignmentRow struct {
	Assignment
	TechnicianName string
}

// EntryRow is a work-history entry with the names people read.
type EntryRow struct {
	Entry
	TechnicianName string
	SiteName       string
}

// BoardQuery selects the board of one work date.
type BoardQuery struct {
	Date  string // YYYY-MM-DD (Asia/Tokyo); required
	After string // the Next of the previous page of sites
	Limit int    // sites per page (PageLimit)
	// ReviewDays is how many work dates, up to Date, the review list
	// looks back (0: BoardReviewDays).
	ReviewDays int
}

// BoardReviewDays is how far back the board looks for entries that need
// review, by default.
const BoardReviewDays = 7

// Board is the board of one work date.
type Board struct {
	Date      string
	Yesterday string
	Totals    BoardTotals // over every site of the scope, not only this page
	Sites     []SiteBoard
	Next      string
}

// BoardTotals counts the board's lines.
type BoardTotals struct {
	In            int // checked in on Date, not out
	Left          int // in and out on Date
	OpenYesterday int // checked in the day before, never out
	Review        int // needs review, within the review days
}

// SiteBoard is one site's part of the board.
type SiteBoard struct {
	Site          Site
	In            []EntryRow
	Left          []EntryRow
	OpenYesterday []EntryRow
	Review        []EntryRow
}

// HistoryQuery selects audit records.
type HistoryQuery struct {
	Object string // "site:77", "technician:...", ...; "" for all
	After  string
	Limit  int
}

// Change is one audit record: who changed what, when, from what to what.
type Change struct {
	ID           int64
	At           time.Time
	Actor        string // Actor.String()
	Action       string // "site.add", "site.update", "site.disable", ...
	Object       string // "site:77"
	ContractorID string // whose record it is ("" for none)
	Before       string // JSON of the record before ("" for an add)
	After        string // JSON of the record after
}
