package billing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func calendar(t *testing.T) *Calendar {
	t.Helper()
	c, err := BankCalendar()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestHolidayTableFollowsTheLaw checks the table against the rules of the
// 国民の祝日に関する法律 rather than against a second copy of it: a holiday
// on a Sunday is followed by a substitute holiday (休日) on the next day
// that is not a holiday (第3条第2項), a day between two holidays is a
// holiday (第3条第3項), and every 休日 is one of the two.
func TestHolidayTableFollowsTheLaw(t *testing.T) {
	t.Parallel()
	c := calendar(t)
	first, last := c.Years()
	if first > 2026 || last < 2027 {
		t.Fatalf("table covers %d to %d, want 2026 and 2027 at least", first, last)
	}
	for d, name := range c.holidays {
		if name == "休日" {
			if !c.isSubstitute(d) && !c.isSandwiched(d) {
				t.Errorf("%s 休日 is neither a substitute holiday nor between two holidays", d)
			}
			continue
		}
		if d.Weekday() != time.Sunday {
			continue
		}
		next := d.AddDays(1)
		for c.holidays[next] != "" && c.holidays[next] != "休日" {
			next = next.AddDays(1)
		}
		if c.holidays[next] != "休日" && next.Year <= last {
			t.Errorf("%s %s is a Sunday: %s should be a substitute holiday", d, name, next)
		}
	}
	for d := (Date{first, time.January, 2}); d.Year <= last; d = d.AddDays(1) {
		if _, ok := c.holidays[d]; !ok && d.Weekday() != time.Sunday && c.isSandwiched(d) {
			t.Errorf("%s lies between two holidays and should be a 休日", d)
		}
	}
}

func (c *Calendar) isSubstitute(d Date) bool {
	for p := d.AddDays(-1); ; p = p.AddDays(-1) {
		name, ok := c.holidays[p]
		if !ok || name == "休日" {
			return false
		}
		if p.Weekday() == time.Sunday {
			return true
		}
	}
}

func (c *Calendar) isSandwiched(d Date) bool {
	before, after := c.holidays[d.AddDays(-1)], c.holidays[d.AddDays(1)]
	return before != "" && before != "休日" && after != "" && after != "休日"
}

func TestBankBusinessDays2026And2027(t *testing.T) {
	t.Parallel()
	c := calendar(t)
	for _, tt := range []struct {
		day  string
		open bool
		why  string
	}{
		{"2026-01-02", false, "12/31 to 1/3"},
		{"2026-01-05", true, ""},
		{"2026-01-12", false, "成人の日"},
		{"2026-03-20", false, "春分の日"},
		{"2026-05-06", false, "休日"}, // 憲法記念日 on a Sunday
		{"2026-05-07", true, ""},
		{"2026-09-22", false, "休日"}, // between 敬老の日 and 秋分の日
		{"2026-11-23", false, "勤労感謝の日"},
		{"2026-12-30", true, ""},
		{"2026-12-31", false, "12/31 to 1/3"},
		{"2027-01-04", true, ""},
		{"2027-03-22", false, "休日"}, // 春分の日 on a Sunday
		{"2027-04-25", false, "Sunday"},
		{"2027-04-24", false, "Saturday"},
		{"2027-09-23", false, "秋分の日"},
		{"2027-12-31", false, "12/31 to 1/3"},
	} {
		open, err := c.IsBusinessDay(d(tt.day))
		if err != nil || open != tt.open {
			t.Errorf("IsBusinessDay(%s) = %v, %v; want %v", tt.day, open, err, tt.open)
		}
		err = c.CheckBusinessDay(d(tt.day))
		if tt.open != (err == nil) || (err != nil && (!errors.Is(err, ErrNotBusinessDay) || !strings.Contains(err.Error(), tt.why))) {
			t.Errorf("CheckBusinessDay(%s) = %v, want mention of %q", tt.day, err, tt.why)
		}
	}
	if err := c.CheckBusinessDay(d("2026-05-03")); err == nil || !strings.Contains(err.Error(), "the next business day is 2026-05-07") {
		t.Errorf("Golden Week: %v", err)
	}
	if _, err := c.IsBusinessDay(d("2031-01-06")); !errors.Is(err, ErrNoHolidayData) {
		t.Errorf("a year the table does not cover: %v", err)
	}
}

func TestAddBusinessDays(t *testing.T) {
	t.Parallel()
	c := calendar(t)
	for _, tt := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-04-30", 1, "2026-05-01"},
		{"2026-05-01", 1, "2026-05-07"}, // across Golden Week
		{"2026-05-07", -1, "2026-05-01"},
		{"2026-05-08", -3, "2026-04-30"},
		{"2026-12-28", 3, "2027-01-04"},
		{"2027-01-04", -2, "2026-12-29"},
		{"2026-05-04", 0, "2026-05-04"},
	} {
		got, err := c.AddBusinessDays(d(tt.from), tt.n)
		if err != nil || got.String() != tt.want {
			t.Errorf("AddBusinessDays(%s, %d) = %s, %v; want %s", tt.from, tt.n, got, err, tt.want)
		}
	}
}

func TestParseHolidaysRefusesBadTables(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"", "# only a comment\n", "2026-01-01,元日\n", "date,name\n2026-02-30,x\n",
		"date,name\n2026-01-01\n", "date,name\n2026-01-01,元日\n2026-01-01,元日\n",
	} {
		if _, err := ParseHolidays(text); err == nil {
			t.Errorf("ParseHolidays(%q) took it", text)
		}
	}
}
