package billing

import (
	"errors"
	"fmt"

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
	ErrNoMandate           = errors.New("billing: no account-transfer mandate")
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

// Issuer settings, numbering and dates.
var (
	// ErrNoIssuer: the issuer settings have not been stored yet.
	ErrNoIssuer = errors.New("billing: issuer settings not stored")
	// ErrIssuerMismatch: a run was given an issuer other than the stored one.
	ErrIssuerMismatch = errors.New("billing: issuer differs from the stored settings")
	// ErrBackdated: a document or payment dated before what it must follow.
	ErrBackdated = errors.New("billing: date is earlier than allowed")
	// ErrInvalidTaxRate: a tax rate other than the standard rate, or the
	// reduced rate for an item that is not a reduced-rate item. It is an
	// ErrInvalidPlan too.
	ErrInvalidTaxRate = fmt.Errorf("%w (tax rate)", ErrInvalidPlan)
)

// Money back: credit notes, refunds and write-offs.
var (
	ErrInvalidCredit   = errors.New("billing: invalid credit note")
	ErrInvalidRefund   = errors.New("billing: invalid refund")
	ErrInvalidWriteOff = errors.New("billing: invalid write-off")
)

// Bank files and bank days.
var (
	// ErrNothingToCollect: no data record would go into the file.
	ErrNothingToCollect = errors.New("billing: nothing to put in the bank file")
	// ErrNotBusinessDay: a bank date on a weekend, holiday or 12/31-1/3.
	ErrNotBusinessDay = errors.New("billing: not a bank business day")
	// ErrTooLate: the file cannot reach the bank the required number of
	// business days before its date.
	ErrTooLate = errors.New("billing: too late for the bank's lead time")
	// ErrNoHolidayData: the holiday table does not cover the year.
	ErrNoHolidayData = errors.New("billing: no holiday data for that year")
	// ErrUnknownBatch: no pending batch for that date.
	ErrUnknownBatch = errors.New("billing: no pending batch for that date")
	// ErrUnknownCollected: the bank's result reports money collected under
	// a customer number this database never requested.
	ErrUnknownCollected = errors.New("billing: collected money under an unknown customer number")
	// ErrNoAccount: a refund has no account to be paid to.
	ErrNoAccount = errors.New("billing: no bank account to pay to")
)

// Invoices as PDF and by mail.
var (
	ErrFontMissing  = errors.New("billing: invoice font not found")
	ErrInvalidEmail = errors.New("billing: invalid email address")
	ErrNoEmail      = errors.New("billing: contractor has no billing email address")
	ErrInvalidSeal  = errors.New("billing: invalid seal image")
	ErrSendFailed   = errors.New("billing: invoice email not sent")
	// ErrInvalidMailServer: a mail server URL that cannot be used (its
	// text is never repeated: it may hold a password).
	ErrInvalidMailServer = errors.New("billing: invalid mail server URL")
	// ErrNothingToPrint: no invoice is waiting for a print batch.
	ErrNothingToPrint = errors.New("billing: nothing to print")
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

// ErrFutureDate: a run dated after today would issue invoices dated in
// the future.
var ErrFutureDate = errors.New("billing: date is in the future")

// DateAdvice is the detail of a refused date: the dates that would do.
// errors.As finds it in the errors of ErrBackdated, ErrNotBusinessDay,
// ErrTooLate and ErrFutureDate, so that a screen can say in its own
// language which date to choose.
type DateAdvice struct {
	err error
	// Earliest is the first date that would do (zero: no lower bound
	// given); Latest the last (zero: no upper bound).
	Earliest, Latest Date
}

func (e *DateAdvice) Error() string { return e.err.Error() }
func (e *DateAdvice) Unwrap() error { return e.err }

// adviseDate adds the earliest (or latest) date that would do to err.
func adviseDate(err error, earliest, latest Date) error {
	return &DateAdvice{err: err, Earliest: earliest, Latest: latest}
}

// AmountAdvice is the detail of a refused amount of money: the most that
// may be given (a payment, write-off, refund or credit note for more than
// what stands). errors.As finds it.
type AmountAdvice struct {
	err error
	Max Yen
}

func (e *AmountAdvice) Error() string { return e.err.Error() }
func (e *AmountAdvice) Unwrap() error { return e.err }

// adviseAmount adds the most that may be given to err.
func adviseAmount(err error, max Yen) error { return &AmountAdvice{err: err, Max: max} }

// FieldError is a refused value of one field of a plan, the issuer's
// settings or a mandate: Field is the Go field's name ("Registration",
// "Bank.AccountNumber"), Rule the rule broken ("required", "check_digit",
// ...), so that a screen can put the error beside its field and say it in
// its own language. It matches the sentinel of what was refused
// (ErrInvalidPlan, ErrInvalidIssuer, ...) with errors.Is.
type FieldError struct {
	Field, Rule string
	err         error
}

func (e *FieldError) Error() string { return e.err.Error() }
func (e *FieldError) Unwrap() error { return e.err }

// fieldError names the field and rule of err.
func fieldError(field, rule string, err error) error {
	return &FieldError{Field: field, Rule: rule, err: err}
}
