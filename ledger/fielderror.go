package ledger

import "fmt"

// FieldError is an error about one field of a record: Field names it as
// the record's Go field does ("Code", "Name", "DID"), Rule names the rule
// it breaks ("site_code", "required", "taken", ...), so that a screen can
// put its own words for the rule beside the field; Error is the ledger's
// sentence for the CLI. It matches ErrInvalid, or ErrExists for a value
// another record already has.
type FieldError struct {
	Field string
	Rule  string
	kind  error
	msg   string
}

func (e *FieldError) Error() string { return e.msg }

// Is makes a FieldError match its kind (ErrInvalid or ErrExists).
func (e *FieldError) Is(target error) bool { return target == e.kind }

// InvalidField is a FieldError matching ErrInvalid whose text is the
// formatted sentence.
func InvalidField(field, rule, format string, args ...any) error {
	return &FieldError{Field: field, Rule: rule, kind: ErrInvalid, msg: fmt.Sprintf(format, args...)}
}

// TakenField is a FieldError matching ErrExists (rule RuleTaken): the
// value is already another record's.
func TakenField(field, format string, args ...any) error {
	return &FieldError{Field: field, Rule: RuleTaken, kind: ErrExists, msg: fmt.Sprintf(format, args...)}
}

// The rules a FieldError names.
const (
	RuleRequired     = "required"      // the field is empty
	RuleTaken        = "taken"         // another record has this value
	RuleSiteCode     = "site_code"     // 1 to 8 digits
	RuleTechnicianID = "technician_id" // 14 digits
	RuleSecurityCode = "security_code" // 4 digits
	RuleLanguage     = "language"      // ja or en
	RuleContractorID = "contractor_id" // letters, digits, . _ -
	RuleDateOrder    = "date_order"    // closes before it opens
	RulePhone        = "phone"         // not a phone number
	RuleDate         = "date"          // not YYYY-MM-DD
	RuleTooLong      = "too_long"      // longer than the field takes
	RuleDigits       = "digits"        // digits only
	RuleText         = "text"          // too long, or a character the field cannot take (CheckText)
	RuleUnknown      = "unknown"       // names a record that is not registered (or not the caller's)
)
