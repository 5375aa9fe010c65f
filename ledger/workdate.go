package ledger

import (
	"time"
	_ "time/tzdata" // work dates must not depend on the host's zoneinfo
)

// Tokyo is Asia/Tokyo, loaded from the tz data embedded in the binary.
var Tokyo = mustTokyo()

func mustTokyo() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		// Unreachable with time/tzdata embedded; Japan has had no DST since 1951.
		return time.FixedZone("JST", 9*60*60)
	}
	return loc
}

// WorkDateLayout is the layout of a work date (就業日).
const WorkDateLayout = "2006-01-02"

// WorkDate returns the work date (就業日) of t: its calendar date in
// Asia/Tokyo, as YYYY-MM-DD.
func WorkDate(t time.Time) string {
	return t.In(Tokyo).Format(WorkDateLayout)
}

// ParseWorkDate parses a YYYY-MM-DD work date as midnight Asia/Tokyo.
func ParseWorkDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation(WorkDateLayout, s, Tokyo)
	if err != nil {
		return time.Time{}, Invalid("work date %q: want YYYY-MM-DD", s)
	}
	return t, nil
}

// PreviousWorkDate returns the work date before d (YYYY-MM-DD).
func PreviousWorkDate(d string) (string, error) {
	t, err := ParseWorkDate(d)
	if err != nil {
		return "", err
	}
	return t.AddDate(0, 0, -1).Format(WorkDateLayout), nil
}
