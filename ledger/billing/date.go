package billing

import (
	"fmt"
	"time"
)

// tokyo is Asia/Tokyo. Japan has kept UTC+9 without daylight saving since
// 1952, so the fixed zone is an exact fallback when no tz database is present.
var tokyo = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return loc
	}
	return time.FixedZone("JST", 9*60*60)
}()

// Tokyo returns the Asia/Tokyo location billing uses for every calendar date.
func Tokyo() *time.Location { return tokyo }

// Date is a calendar date in Asia/Tokyo. The zero Date is "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the Asia/Tokyo calendar date of the instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(tokyo).Date()
	return Date{y, m, d}
}

// NewDate normalises y-m-d (e.g. 31 April becomes 1 May) into a Date.
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, tokyo))
}

// ParseDate parses YYYY-MM-DD and rejects dates that do not exist.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, tokyo)
	if err != nil {
		return Date{}, fmt.Errorf("%w: %q (want YYYY-MM-DD): %w", ErrInvalidDate, s, err)
	}
	return DateOf(t), nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as YYYY-MM-DD; the zero Date formats as "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Time returns midnight at the start of d in Asia/Tokyo.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, tokyo) }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// DaysUntil returns the number of days from d to e (negative if e is earlier).
func (d Date) DaysUntil(e Date) int {
	// Both are midnights in a zone without DST, so the division is exact.
	return int(e.Time().Sub(d.Time()).Hours() / 24)
}

// FirstOfMonth returns the first day of d's month.
func (d Date) FirstOfMonth() Date { return Date{d.Year, d.Month, 1} }

// NextMonth returns the first day of the month after d's.
func (d Date) NextMonth() Date { return NewDate(d.Year, d.Month+1, 1) }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }
