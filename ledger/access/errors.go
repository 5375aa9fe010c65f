package access

import (
	"errors"
	"fmt"
	"time"

	"github.com/dezura/dezura/ledger"
)

var (
	// ErrBadLogin: the login name or the password is wrong (which one is
	// never said), or the account is disabled.
	ErrBadLogin = errors.New("the login name or the password is wrong")
	// ErrNoSession: the session is unknown, expired or signed out.
	ErrNoSession = errors.New("not signed in (the session ended or expired)")
	// ErrInvalid is ledger.ErrInvalid: an account that breaks a rule.
	ErrInvalid = ledger.ErrInvalid
)

// LockedError says sign-in is refused until Until: too many wrong
// passwords for the login name (Account) or from the address.
type LockedError struct {
	Until   time.Time
	Account bool // the login name is locked, else the address
}

func (e *LockedError) Error() string {
	what := "from this address"
	if e.Account {
		what = "for this login name"
	}
	return fmt.Sprintf("too many failed sign-ins %s: try again after %s", what, e.Until.In(ledger.Tokyo).Format("15:04"))
}
