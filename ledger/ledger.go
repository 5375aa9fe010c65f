// Package ledger holds dezura's records: contractors, technicians, phones,
// sites, the append-only attendance log, the work-history entries derived
// from it, and call records. It knows nothing of SIP.
//
// Store is the one contract both stores satisfy: embedded SQLite
// (ledger/sqlite) and PostgreSQL (ledger/postgres).
package ledger

import (
	"context"
	"time"
)

// Action is what a caller records at a site.
type Action uint8

const (
	ActionUnknown  Action = iota
	ActionCheckIn         // 入場
	ActionCheckOut        // 退場
)

// Technician is a CCUS-registered worker (技能者).
type Technician struct {
	ID           string // 14-digit CCUS technician ID (技能者ID)
	Name         string
	ContractorID string
	Language     string // "ja" (default) or "en"
	// CrewNumber is the short number (2 or 3 digits, unique within the
	// contractor) a foreman keys for this technician instead of the 14-digit
	// ID; "" for none.
	CrewNumber string
	Disabled   bool
}

// Site is a work site with a short dezura site code.
type Site struct {
	Code         string // short numeric dezura code keyed by callers
	CCUSSiteID   string // 現場ID
	Name         string
	ContractorID string
	OpensOn      time.Time // zero: open since ever
	ClosesOn     time.Time // zero: never closes
	DID          string    // optional called number (E.164) that selects this site
	Disabled     bool
}

// EntryStatus is the state of a work-history entry.
type EntryStatus uint8

const (
	EntryStatusUnknown     EntryStatus = iota
	EntryStatusOpen                    // checked in, not yet out
	EntryStatusClosed                  // in and out
	EntryStatusNeedsReview             // incomplete or irregular: contractor must look
	// EntryStatusExported is no longer an entry's state (schema 6 turned
	// stored ones into closed): whether the export feed has sent an entry
	// is kept apart from what the entry says. As a filter it selects the
	// entries the feed has sent as they are now.
	EntryStatusExported
	EntryStatusCancelled // cancelled by the contractor; kept, with the reason in the log
)

// Entry is one derived work-history entry (就業履歴): one technician, one
// site, one work date.
type Entry struct {
	ID           int64
	WorkDate     string // YYYY-MM-DD, Asia/Tokyo
	TechnicianID string
	SiteCode     string
	CheckIn      time.Time // zero if none
	CheckOut     time.Time // zero if none
	Status       EntryStatus
	Trade        string // 職種 from the site assignment at the time, if any
	Role         string // 立場 from the site assignment at the time, if any
	// Version counts the entry's changes: 1 when recorded, one more for
	// every change of its times, status, trade or role, on any path. The
	// CCUS export feed sends an entry again whenever its version is newer
	// than the one it last sent.
	Version int64
}

// AttendanceRequest asks the ledger to record one check-in or check-out.
type AttendanceRequest struct {
	TechnicianID string
	SiteCode     string
	Action       Action
	At           time.Time
	CallID       string
	// IdempotencyKey makes a retried or replayed request a no-op: the same
	// key always yields the same result and never a second event.
	IdempotencyKey string
	// EnteredBy is who keyed the entry when it was not the technician
	// himself, e.g. "foreman:<contractor>:<E.164>" for a foreman's proxy
	// entry (代理登録); "" means the technician, by phone. It is the
	// event's actor in the attendance log.
	EnteredBy string
}

// AttendanceResult is what the ledger did with a request.
type AttendanceResult struct {
	Entry Entry
	// AlreadyRegistered: a check-in for a technician, site and work date that
	// already has an entry; no new event was written.
	AlreadyRegistered bool
	// Spooled: the database did not answer, so the request was written to
	// the local fsync'd spool (ledger/spool) and will be replayed once it
	// does. Entry then has no ID and shows what the request will record.
	Spooled bool
	// EventID is the attendance event the request wrote (or, for a
	// replay, wrote before); 0 when nothing was written or it was spooled.
	EventID int64
	// NotAssigned: a check-in at a site that has assignments (施工体制),
	// none of them the technician's. The entry was recorded with status
	// needs_review for the contractor.
	NotAssigned bool
}

// CallRecord is one call, however it ended.
type CallRecord struct {
	CallID       string
	Caller       string // E.164 where it could be normalised
	Called       string
	ArrivedAt    time.Time
	AnsweredAt   time.Time
	EndedAt      time.Time
	TechnicianID string
	SiteCode     string
	Language     string
	Outcome      string // registered, already_registered, abandoned, failed, refused, ...
	Reason       string // why the flow ended as it did (no_input, locked, ...); "" when it went as asked
	// EndReason says what ended the call: caller_hangup, service_hangup,
	// timeout, rtp_timeout, shutdown or overload ("" in records from before
	// it was kept).
	EndReason     string
	Steps         []string
	EntryIDs      []int64
	DTMFTransport string
}

// Store is the contract every store satisfies.
type Store interface {
	TechnicianByPhone(ctx context.Context, e164 string) (Technician, error)
	Technician(ctx context.Context, id string) (Technician, error)
	SiteByCode(ctx context.Context, code string) (Site, error)
	RecordAttendance(ctx context.Context, req AttendanceRequest) (AttendanceResult, error)
	RecordCall(ctx context.Context, rec CallRecord) error
	Close() error
}
