package ledger

import (
	"fmt"
	"strings"
)

var actionNames = [...]string{
	ActionUnknown:  "unknown",
	ActionCheckIn:  "check_in",
	ActionCheckOut: "check_out",
}

// String returns the stable name of the action ("check_in", "check_out"),
// the same text the stores keep in the attendance log.
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// ParseAction is the inverse of Action.String. It also accepts "in"/"out"
// and hyphenated forms, case-insensitively.
func ParseAction(s string) (Action, error) {
	switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_") {
	case "check_in", "checkin", "in":
		return ActionCheckIn, nil
	case "check_out", "checkout", "out":
		return ActionCheckOut, nil
	}
	return ActionUnknown, fmt.Errorf("ledger: unknown action %q (want check_in or check_out)", s)
}

var entryStatusNames = [...]string{
	EntryStatusUnknown:     "unknown",
	EntryStatusOpen:        "open",
	EntryStatusClosed:      "closed",
	EntryStatusNeedsReview: "needs_review",
	EntryStatusExported:    "exported",
	EntryStatusCancelled:   "cancelled",
}

// String returns the stable name of the status ("open", "closed",
// "needs_review", "exported"), the text the stores keep.
func (s EntryStatus) String() string {
	if int(s) < len(entryStatusNames) {
		return entryStatusNames[s]
	}
	return fmt.Sprintf("EntryStatus(%d)", uint8(s))
}

// ParseEntryStatus is the inverse of EntryStatus.String.
func ParseEntryStatus(s string) (EntryStatus, error) {
	t := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
	for i, n := range entryStatusNames {
		if i != int(EntryStatusUnknown) && n == t {
			return EntryStatus(i), nil
		}
	}
	return EntryStatusUnknown, fmt.Errorf("ledger: unknown entry status %q (want open, closed, needs_review, exported or cancelled)", s)
}

// MarshalText makes statuses read as names in JSON.
func (s EntryStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a status name.
func (s *EntryStatus) UnmarshalText(b []byte) error {
	v, err := ParseEntryStatus(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalText makes actions read as names in JSON.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses an action name.
func (a *Action) UnmarshalText(b []byte) error {
	v, err := ParseAction(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
