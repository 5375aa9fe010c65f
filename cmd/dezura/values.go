package main

// Flag and argument types that check what is typed while the command line
// is parsed, so that a bad date or amount is a usage error (exit 2) that
// names the flag, before anything is opened.

import (
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/alecthomas/kong"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
)

// workDate is a date flag, YYYY-MM-DD in Asia/Tokyo; the zero value means
// not given.
type workDate struct{ t time.Time }

func (d *workDate) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("date", &s); err != nil {
		return err
	}
	if s == "" {
		*d = workDate{}
		return nil
	}
	t, err := ledger.ParseWorkDate(s)
	if err != nil {
		return fmt.Errorf("%q is not a date: write it as 2026-11-27", s)
	}
	*d = workDate{t}
	return nil
}

func (d workDate) IsZero() bool { return d.t.IsZero() }

// String is YYYY-MM-DD, or "" if not given.
func (d workDate) String() string { return dateOrEmpty(d.t) }

// Time is midnight of the date in Asia/Tokyo.
func (d workDate) Time() time.Time { return d.t }

// Billing is the date as billing counts dates (zero if not given).
func (d workDate) Billing() billing.Date {
	if d.t.IsZero() {
		return billing.Date{}
	}
	return billing.DateOf(d.t)
}

// yenMapper reads any billing.Yen flag with billing.ParseYen: 16500,
// 16,500 and 16,500円 are the same amount.
var yenMapper = kong.MapperFunc(func(ctx *kong.DecodeContext, target reflect.Value) error {
	var s string
	if err := ctx.Scan.PopValueInto("yen", &s); err != nil {
		return err
	}
	y, err := billing.ParseYen(s)
	if err != nil {
		return fmt.Errorf("%q is not an amount: write whole yen such as 16500 or 16,500", s)
	}
	target.SetInt(int64(y))
	return nil
})

// entryID is the number of a work-history entry, as `entries list` shows.
type entryID int64

func (id *entryID) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("id", &s); err != nil {
		return err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("entry ID %q: want the number 'dezura entries list' shows", s)
	}
	*id = entryID(n)
	return nil
}

// since is calls list --since: RFC 3339, a date (midnight Asia/Tokyo) or a
// duration back from now ("24h").
type since struct{ t time.Time }

func (v *since) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("time", &s); err != nil {
		return err
	}
	t, err := parseSince(s, time.Now())
	if err != nil {
		return err
	}
	v.t = t
	return nil
}

func parseSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := ledger.ParseWorkDate(v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q: want 2026-11-27T08:00:00+09:00, 2026-11-27 or 24h", v)
}

// clock is a corrected check-in or check-out time: "HH:MM" on the entry's
// work date, "YYYY-MM-DD HH:MM" (Asia/Tokyo) or RFC 3339.
type clock struct {
	at     time.Time // a full time, or
	hm     time.Time // HH:MM only
	hasAny bool
}

func (c *clock) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("time", &s); err != nil {
		return err
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		*c = clock{at: t, hasAny: true}
		return nil
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, ledger.Tokyo); err == nil {
		*c = clock{at: t, hasAny: true}
		return nil
	}
	if hm, err := time.Parse("15:04", s); err == nil {
		*c = clock{hm: hm, hasAny: true}
		return nil
	}
	return fmt.Errorf("%q: want HH:MM, \"2026-11-27 17:30\" or RFC 3339", s)
}

// on resolves the time for entry e: HH:MM falls on the entry's work date,
// and a check-out (out) earlier than the check-in is the next morning.
func (c clock) on(e ledger.Entry, out bool) (time.Time, error) {
	if !c.hasAny || !c.at.IsZero() {
		return c.at, nil
	}
	d, err := ledger.ParseWorkDate(e.WorkDate)
	if err != nil {
		return time.Time{}, err
	}
	t := time.Date(d.Year(), d.Month(), d.Day(), c.hm.Hour(), c.hm.Minute(), 0, 0, ledger.Tokyo)
	if out && !e.CheckIn.IsZero() && t.Before(e.CheckIn) {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}
