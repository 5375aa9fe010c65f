package ledger

import (
	"context"
	"time"
)

// Phone entry by security code: a caller whose number is not registered
// keys a technician ID and the 4-digit code from the back of the CCUS card.
const (
	// SecurityCodeLen is the length of the code on the CCUS card.
	SecurityCodeLen = 4
	// PhoneEntryMaxFailures wrong codes in a row lock the technician's
	// phone entry for PhoneEntryLockout.
	PhoneEntryMaxFailures = 3
	// PhoneEntryLockout is how long phone entry stays locked.
	PhoneEntryLockout = 15 * time.Minute
)

// PhoneEntryState says whether a technician can register by ID and
// security code from a phone that is not registered.
type PhoneEntryState struct {
	HasCode     bool      // a security code is stored for the technician
	Failures    int       // wrong codes since the last right one (within the lockout)
	LockedUntil time.Time // zero unless phone entry is locked at the time asked
}

// CodeAttempt is one security code keyed by a caller. Code is compared
// with the stored hash and never stored or logged.
type CodeAttempt struct {
	TechnicianID string
	Code         string
	Caller       string // E.164 of the calling number, for the attempt log
	CallID       string
	At           time.Time
}

// CodeCheck is the verdict on a CodeAttempt.
type CodeCheck struct {
	OK          bool
	Failures    int       // wrong codes in a row, this one included
	LockedUntil time.Time // set when this attempt (or an earlier one) locked phone entry
}

// FlowStore is what the call flows need beyond Store: the one-call path
// (a site's own number, the last site), security codes for unregistered
// phones, foreman phones, and today's entries with undo. Both SQL stores
// implement it, and ledger/spool passes it through to the database.
type FlowStore interface {
	// SiteByDID returns the site whose called number is number (any form
	// NormalizePhone takes); ErrNotFound if none.
	SiteByDID(ctx context.Context, number string) (Site, error)
	// Phone returns the registration of a caller number (technician or
	// foreman); ErrNotFound if none.
	Phone(ctx context.Context, e164 string) (Phone, error)
	// LastSite returns the site of the technician's newest check-in or
	// check-out; ErrNotFound if none.
	LastSite(ctx context.Context, technicianID string) (Site, error)
	// PhoneEntry says whether the technician has a security code and
	// whether phone entry is locked at time at.
	PhoneEntry(ctx context.Context, technicianID string, at time.Time) (PhoneEntryState, error)
	// VerifySecurityCode checks a keyed code and records the attempt (never
	// the code). The PhoneEntryMaxFailures-th wrong code in a row locks
	// phone entry for PhoneEntryLockout; while locked every attempt fails.
	VerifySecurityCode(ctx context.Context, a CodeAttempt) (CodeCheck, error)
	// DayEvents returns the technician's attendance events of one work
	// date (check-ins, check-outs, undos, cancels), oldest first.
	DayEvents(ctx context.Context, technicianID, workDate string) ([]Event, error)
	// UndoAttendance reverses the check-in or check-out event eventID
	// wrote, as an "undo" event in the log: an undone check-in cancels its
	// entry; an undone check-out restores the entry's previous check-out
	// (or reopens it). Undoing an event twice gives ErrInvalid.
	UndoAttendance(ctx context.Context, eventID int64, actor, reason string, at time.Time) (Entry, error)

	// RegisterOwnPhone binds the calling number to the technician, by his
	// own call (after his security code): a new phone with Source
	// PhoneSourceSelf, logged as a PhoneEvent. A number in use, or one the
	// office registered or disabled, gives ErrExists (see SelfRegistrable).
	RegisterOwnPhone(ctx context.Context, p OwnPhone) error
	// UnregisterOwnPhone disables the calling number, by the technician's
	// own call: only a number he registered himself (ErrNotFound for any
	// other), logged as a PhoneEvent.
	UnregisterOwnPhone(ctx context.Context, p OwnPhone) error
	// CrewMember returns the technician of contractorID with that crew
	// number; ErrNotFound (and ErrUnknownTechnician) if none.
	CrewMember(ctx context.Context, contractorID, number string) (Technician, error)
}
