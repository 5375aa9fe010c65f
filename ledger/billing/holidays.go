package billing

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"time"
)

// holidaysCSV is the table of Japanese national holidays (国民の祝日),
// substitute holidays (振替休日) and citizens' holidays (国民の休日) as the
// Cabinet Office publishes them: kept as data, so a new year is a new row
// and not a change of code.
//
//go:embed holidays.csv
var holidaysCSV string

// Calendar tells bank business days (銀行営業日): not a Saturday or
// Sunday, not a national holiday, and not 31 December to 3 January, when
// Japanese banks are closed (銀行法施行令 第5条).
type Calendar struct {
	holidays    map[Date]string
	first, last int // years the table covers
}

var bankCalendar = sync.OnceValues(func() (*Calendar, error) { return ParseHolidays(holidaysCSV) })

// BankCalendar returns the calendar of the embedded holiday table.
func BankCalendar() (*Calendar, error) { return bankCalendar() }

// ParseHolidays reads a holiday table: lines "YYYY-MM-DD,name" after a
// "date,name" header, '#' lines are comments. The years from the first
// to the last date are taken as covered.
func ParseHolidays(text string) (*Calendar, error) {
	c := &Calendar{holidays: map[Date]string{}}
	header := false
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !header {
			if line != "date,name" {
				return nil, fmt.Errorf("billing: holiday table line %d: want the header date,name, got %q", i+1, line)
			}
			header = true
			continue
		}
		date, name, ok := strings.Cut(line, ",")
		d, err := ParseDate(date)
		if !ok || err != nil || name == "" {
			return nil, fmt.Errorf("billing: holiday table line %d: want YYYY-MM-DD,name, got %q", i+1, line)
		}
		if _, dup := c.holidays[d]; dup {
			return nil, fmt.Errorf("billing: holiday table line %d: %s twice", i+1, d)
		}
		c.holidays[d] = name
		if c.first == 0 || d.Year < c.first {
			c.first = d.Year
		}
		c.last = max(c.last, d.Year)
	}
	if len(c.holidays) == 0 {
		return nil, fmt.Errorf("billing: holiday table has no dates")
	}
	return c, nil
}

// Years returns the first and last year the table covers.
func (c *Calendar) Years() (first, last int) { return c.first, c.last }

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.Time().Weekday() }

// closedReason says why banks are closed on d ("" if they are open), or
// that the table does not know d's year.
func (c *Calendar) closedReason(d Date) (string, error) {
	if d.Year < c.first || d.Year > c.last {
		return "", fmt.Errorf("%w: %d (the holiday table covers %d to %d; add the Cabinet Office's list for %d to ledger/billing/holidays.csv)",
			ErrNoHolidayData, d.Year, c.first, c.last, d.Year)
	}
	if name, ok := c.holidays[d]; ok {
		return "a holiday (" + name + ")", nil
	}
	switch {
	case d.Weekday() == time.Saturday:
		return "a Saturday", nil
	case d.Weekday() == time.Sunday:
		return "a Sunday", nil
	case d.Month == time.December && d.Day == 31, d.Month == time.January && d.Day <= 3:
		return "a bank holiday (12/31 to 1/3)", nil
	}
	return "", nil
}

// IsBusinessDay reports whether banks are open on d.
func (c *Calendar) IsBusinessDay(d Date) (bool, error) {
	why, err := c.closedReason(d)
	return why == "" && err == nil, err
}

// CheckBusinessDay returns nil if banks are open on d, and otherwise an
// error that says why not and names the next business day.
func (c *Calendar) CheckBusinessDay(d Date) error {
	why, err := c.closedReason(d)
	if err != nil || why == "" {
		return err
	}
	next, err := c.AddBusinessDays(d, 1)
	if err != nil {
		return fmt.Errorf("%w: %s is %s", ErrNotBusinessDay, d, why)
	}
	return adviseDate(fmt.Errorf("%w: %s is %s and banks are closed; the next business day is %s", ErrNotBusinessDay, d, why, next), next, Date{})
}

// AddBusinessDays moves d by n business days (n < 0: back); d itself
// need not be one. AddBusinessDays(d, 0) is d.
func (c *Calendar) AddBusinessDays(d Date, n int) (Date, error) {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDays(step)
		open, err := c.IsBusinessDay(d)
		if err != nil {
			return Date{}, err
		}
		if open {
			n--
		}
	}
	return d, nil
}
