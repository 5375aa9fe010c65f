package billing

import (
	"errors"

	"github.com/dezura/dezura/ledger"
)

// Sentinel errors. Every error billing returns wraps one of these (or a
// database error) with %w, so callers can match with errors.Is.
var (
	ErrInvalidDate         = errors.New("billing: invalid date")
	ErrInvalidRegistration = errors.New("billing: invalid qualified-invoice registration number")
	ErrInvalidPlan         = errors.New("billing: invalid plan")
	ErrUnknownPlan         = errors.New("billing: unknown plan")
	ErrPlanNotAvailable    = errors.New("billing: plan not available on that date")
	ErrPlanExists          = errors.New("billing: plan already exists")
	ErrUnknownSubscription = errors.New("billing: unknown subscription")
	ErrAlreadySubscribed   = errors.New("billing: contractor already has an active subscription")
	ErrAlreadyCancelled    = errors.New("billing: subscription already cancelled")
	ErrUnknownInvoice      = errors.New("billing: unknown invoice")
	ErrAmbiguousInvoice    = errors.New("billing: invoice number matches more than one issuer")
	ErrAlreadyVoided       = errors.New("billing: invoice already voided")
	ErrNotVoidable         = errors.New("billing: a credit note cannot be voided")
	ErrInvalidPayment      = errors.New("billing: invalid payment")
	ErrInvalidIssuer       = errors.New("billing: invalid issuer")
	ErrInvalidKana         = errors.New("billing: text cannot be written in Zengin half-width characters")
	ErrFieldTooLong        = errors.New("billing: text too long for its Zengin field")
	ErrInvalidMandate      = errors.New("billing: invalid account-transfer mandate")
	ErrMalformedRecord     = errors.New("billing: malformed Zengin record")
	ErrUnencodable         = errors.New("billing: text cannot be encoded in the chosen encoding")
)

// A subscription or mandate names a contractor of the ledger's.
var (
	// ErrUnknownContractor: the ledger has no contractor of that ID.
	ErrUnknownContractor = errors.New("billing: unknown contractor")
	// ErrContractorDisabled: the contractor is disabled and cannot subscribe.
	ErrContractorDisabled = errors.New("billing: contractor disabled")
)

// unknownPlan says the plan does not exist and where to see those that do.
func unknownPlan(name string) error {
	return ledger.NewError(ErrUnknownPlan, "plan %q does not exist (list them with: dezura billing plan list)", name)
}

// ErrConcurrentIssue means an invoice appeared while a run was issuing it:
// another writer bypassed the run lock. Nothing of that batch was written.
var ErrConcurrentIssue = errors.New("billing: invoice issued concurrently")

// ErrInvalidAmount: an amount of money typed by a person that ParseYen
// cannot read as whole yen.
var ErrInvalidAmount = errors.New("billing: invalid amount")
