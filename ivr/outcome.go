package ivr

// Outcome is how a call ended, as written to its call record.
type Outcome uint8

const (
	OutcomeUnknown           Outcome = iota
	OutcomeRegistered                // an attendance event was written
	OutcomeAlreadyRegistered         // a repeated check-in: nothing new written
	OutcomeAbandoned                 // the caller hung up before the entry was committed
	OutcomeFailed                    // the flow gave up (too many errors, no input, locked, system error)
	OutcomeCancelled                 // the caller undid the entry just made, or cancelled his last one
	OutcomeStatus                    // the caller only heard today's entries
	OutcomeRefused                   // not answered: the service was full or stopping (503)
	OutcomePhoneRemoved              // the caller removed the registration of the phone he registered himself
)

var outcomeNames = [...]string{"unknown", "registered", "already_registered", "abandoned", "failed", "cancelled", "status", "refused",
	"phone_removed"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// ParseOutcome is the inverse of String.
func ParseOutcome(s string) (Outcome, bool) {
	for i, n := range outcomeNames {
		if i > 0 && n == s {
			return Outcome(i), true
		}
	}
	return OutcomeUnknown, false
}
