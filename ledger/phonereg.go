package ledger

import "time"

// Who registered or disabled a phone number (Phone.Source, Phone.DisabledBy
// and PhoneEvent.Actor's kind).
const (
	PhoneSourceOffice = "office" // the contractor's office: the CLI, an import, the console
	PhoneSourceSelf   = "self"   // the technician himself, by a call after his security code
)

// Kinds of PhoneEvent.
const (
	PhoneEventRegister = "register"
	PhoneEventDisable  = "disable"
)

// PhoneEvent is one line of the phone log: a number registered or
// disabled, by whom and when.
type PhoneEvent struct {
	ID           int64
	E164         string
	Kind         string // PhoneEventRegister or PhoneEventDisable
	TechnicianID string
	ContractorID string
	// Actor is PhoneSourceOffice, or PhoneSourceSelf for the technician's
	// own call (CallID then names it).
	Actor  string
	CallID string
	At     time.Time
}

// OwnPhone asks to bind or unbind a caller number by the technician's own
// call: the number is the call's caller number (E.164), never one keyed.
type OwnPhone struct {
	E164         string
	TechnicianID string
	CallID       string
	At           time.Time
}

// SelfRegistrable reports whether a technician may register the number of
// a phone row found for it by his own call: only a number nobody uses, or
// one a technician took back himself. A number the office registered or
// disabled stays the office's to change. (A number with no row at all is
// registrable too.)
func SelfRegistrable(p Phone) bool {
	return p.Disabled && p.DisabledBy == PhoneSourceSelf
}
