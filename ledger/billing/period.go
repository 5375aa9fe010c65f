package billing

import "time"

// Anniversary returns the k-th anniversary of start (k = 0 is start itself).
// A start on 29 February renews on 28 February in common years and on
// 29 February again in leap years; every other date renews on the same
// month and day.
func Anniversary(start Date, k int) Date {
	y := start.Year + k
	if start.Month == time.February && start.Day == 29 && !isLeap(y) {
		return Date{y, time.February, 28}
	}
	return Date{y, start.Month, start.Day}
}

// Period is a half-open span of calendar dates [Start, End).
type Period struct {
	Start Date
	End   Date // first day after the period
}

// Last returns the last day inside the period.
func (p Period) Last() Date { return p.End.AddDays(-1) }

// Contains reports whether d falls in the period.
func (p Period) Contains(d Date) bool { return !d.Before(p.Start) && d.Before(p.End) }

// String formats the period as "first – last" (inclusive), as invoices show it.
func (p Period) String() string { return p.Start.String() + " – " + p.Last().String() }

// YearlyPeriod returns the k-th yearly period of a subscription that starts
// on start: from its k-th anniversary up to (not including) the next.
func YearlyPeriod(start Date, k int) Period {
	return Period{Anniversary(start, k), Anniversary(start, k+1)}
}

// MonthPeriod returns the calendar month starting on first (a first-of-month).
func MonthPeriod(first Date) Period { return Period{first, first.NextMonth()} }
