package ledger

import (
	"context"
	"time"
)

// Contractor is a business (事業者) that registers sites and workers.
type Contractor struct {
	ID             string // dezura contractor ID, chosen at registration
	Name           string
	CCUSBusinessID string // CCUS 事業者ID, may be empty
	Disabled       bool
}

// Phone maps a caller number to the technician who calls from it, or to a
// contractor's foreman (ContractorID set, TechnicianID empty).
type Phone struct {
	E164         string
	TechnicianID string
	ContractorID string
	Disabled     bool
	// Source says who registered the number: PhoneSourceOffice (the
	// contractor's office, by the CLI or an import) or PhoneSourceSelf (the
	// technician, by his own call after his security code).
	Source string
	// DisabledBy says who disabled it: PhoneSourceOffice or PhoneSourceSelf
	// ("" while it is in use).
	DisabledBy string
	// Since is when the number was last registered.
	Since time.Time
}

// Assignment says a technician works at a site, with trade and role.
type Assignment struct {
	SiteCode     string
	TechnicianID string
	Trade        string // 職種
	Role         string // 立場, e.g. 職長 (foreman)
	Disabled     bool
}

// TechnicianImport is one row of a bulk technician import.
type TechnicianImport struct {
	Technician
	SecurityCode string // 4-digit code from the CCUS card; "" for none. Stored hashed.
	Phone        string // optional; normalised to E.164
	Line         int    // line in the imported file, for messages (0 if none)
}

// EntryFilter selects work-history entries. Zero fields select everything.
type EntryFilter struct {
	From, To     string // work dates YYYY-MM-DD, inclusive
	SiteCode     string
	TechnicianID string
	ContractorID string // the site's contractor
	Status       EntryStatus
	// OnlyNew selects the entries the export feed must send: recorded or
	// changed since it last sent them (see ExportEntries).
	OnlyNew bool
	Limit   int
}

// CallFilter selects call records. Zero fields select everything.
type CallFilter struct {
	Since   time.Time // arrived at or after
	Outcome string
	Limit   int
}

// ExportRow is one work-history entry in the shape CCUS asks for when work
// history is entered directly.
type ExportRow struct {
	Entry
	// Op is what the row asks the feed's reader to do with the entry.
	Op             ExportOp
	CCUSSiteID     string
	SiteName       string
	ContractorID   string
	CCUSBusinessID string
	TechnicianName string
}

// Correction is a contractor's change to an entry: new check-in and
// check-out times (zero keeps the current one), who made it and why.
type Correction struct {
	EntryID  int64
	CheckIn  time.Time
	CheckOut time.Time
	Actor    string // who (required)
	Reason   string // why (required)
	At       time.Time
}

// Event is one line of the append-only attendance log.
type Event struct {
	ID           int64
	Kind         string // check_in, check_out, correction, cancel, undo
	TechnicianID string
	SiteCode     string
	WorkDate     string
	At           time.Time // when it happened (for a correction: when it was made)
	EntryID      int64
	CallID       string
	Actor        string // "phone" for calls, "foreman:<contractor>:<E.164>" for proxy entry, else the person
	Reason       string
	Detail       string // for a correction: the times it set
}

// ExportSink receives export rows; *ExportWriter is one.
type ExportSink interface {
	Write(ExportRow) error
	// Flush is called after the last row; the rows count as exported only
	// if it succeeds.
	Flush() error
}

// Admin is what the registration CLI and reports need beyond Store. Both
// stores implement it, as part of DB.
type Admin interface {
	Migrate(ctx context.Context) error

	AddContractor(ctx context.Context, c Contractor) error
	Contractor(ctx context.Context, id string) (Contractor, error)
	Contractors(ctx context.Context) ([]Contractor, error)
	DisableContractor(ctx context.Context, id string) error
	// SetContractorCCUSBusinessID sets (or, with "", clears) the
	// contractor's CCUS 事業者ID. Entries the export feed has sent with the
	// old one are due again.
	SetContractorCCUSBusinessID(ctx context.Context, id, businessID string) error

	// AddTechnician registers t; securityCode ("" for none) is kept only as
	// a salted hash.
	AddTechnician(ctx context.Context, t Technician, securityCode string) error
	// ImportTechnicians adds all rows in one transaction, or none.
	ImportTechnicians(ctx context.Context, rows []TechnicianImport) error
	// Registered says which of keys are registered (CheckTechnicianImport).
	Registered(ctx context.Context, keys ImportKeys) (Registered, error)
	Technicians(ctx context.Context, contractorID string) ([]Technician, error)
	DisableTechnician(ctx context.Context, id string) error
	// CheckSecurityCode reports whether code matches the technician's stored hash.
	CheckSecurityCode(ctx context.Context, technicianID, code string) (bool, error)

	AddPhone(ctx context.Context, p Phone) error
	Phone(ctx context.Context, e164 string) (Phone, error)
	Phones(ctx context.Context) ([]Phone, error)
	DisablePhone(ctx context.Context, e164 string) error
	// PhoneEvents is the log of one number (every number for ""), oldest
	// first: who registered and disabled it, and when.
	PhoneEvents(ctx context.Context, e164 string) ([]PhoneEvent, error)
	// SetCrewNumber gives the technician a crew number (ValidateCrewNumber;
	// "" removes it), unique within his contractor (ErrExists).
	SetCrewNumber(ctx context.Context, technicianID, number string) error

	AddSite(ctx context.Context, s Site) error
	Sites(ctx context.Context, contractorID string) ([]Site, error)
	DisableSite(ctx context.Context, code string) error
	// SetSiteCCUSID sets (or, with "", clears) the site's CCUS 現場ID.
	// Entries the export feed has sent with the old one are due again.
	SetSiteCCUSID(ctx context.Context, code, ccusSiteID string) error

	Assign(ctx context.Context, a Assignment) error
	Assignments(ctx context.Context, siteCode string) ([]Assignment, error)
	DisableAssignment(ctx context.Context, siteCode, technicianID string) error

	ListEntries(ctx context.Context, f EntryFilter) ([]Entry, error)
	Entry(ctx context.Context, id int64) (Entry, error)
	// EntryEvents returns the attendance log of one entry, oldest first.
	EntryEvents(ctx context.Context, entryID int64) ([]Event, error)
	// CorrectEntry changes an entry's times; the entry becomes closed if it
	// has both, else needs review. The change is logged with who and why.
	CorrectEntry(ctx context.Context, c Correction) (Entry, error)
	// CancelEntry marks an entry cancelled, logged with who and why.
	CancelEntry(ctx context.Context, entryID int64, actor, reason string, at time.Time) (Entry, error)
	// SiteByDID returns the site whose called number (DID) is e164.
	SiteByDID(ctx context.Context, e164 string) (Site, error)
	ListCalls(ctx context.Context, f CallFilter) ([]CallRecord, error)
	// ExportEntries writes the CCUS export of the entries f selects to
	// sink, in work date, site, technician order, from one consistent
	// snapshot, then calls sink.Flush. PlanExport decides each entry's
	// row: with f.OnlyNew the feed (every entry recorded or changed since
	// the feed last sent it, as new, changed or cancelled), else the
	// range as it is (every entry that is not cancelled, as new). Unless
	// o.DryRun, and only once Flush succeeded, it records for every row
	// written the version it carried, so the next OnlyNew export sends an
	// entry again only once it changes; an error from the sink records
	// nothing. Held-back and needs-review entries are not recorded: they
	// stay due. The summary counts what was done.
	ExportEntries(ctx context.Context, f EntryFilter, o ExportOptions, sink ExportSink) (ExportSummary, error)

	// SeedDemo adds the demo data (contractor "demo", site 1234 デモ現場,
	// technician 12345678901234 on +819012345678, the contractor's foreman
	// phone +819012340000 and the crew DemoCrew assigned to site 1234);
	// running it again changes nothing.
	SeedDemo(ctx context.Context) error
}

// Demo data added by SeedDemo.
const (
	DemoContractorID = "demo"
	DemoSiteCode     = "1234"
	DemoCCUSSiteID   = "00000000001234"
	DemoTechnicianID = "12345678901234"
	DemoPhone        = "+819012345678"
	// DemoForemanPhone is the demo contractor's foreman (a phone with a
	// contractor and no technician): calls from it enter a crew (代理登録).
	DemoForemanPhone = "+819012340000"
)

// DemoCrew is the demo contractor's crew that SeedDemo assigns to site
// 1234 for the foreman to enter: technician IDs (14 digits), in order.
// It is a function so that callers cannot change the list.
func DemoCrew() []string {
	return []string{"12345678900001", "12345678900002", "12345678900003"}
}
