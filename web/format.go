package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/dezura/dezura/ledger"
)

// Numbers and dates as people in Japan read them.

var weekdaysJA = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// formatDate is 2026年12月5日(土) in Japanese, Sat 5 Dec 2026 in English,
// for a time (its date in Asia/Tokyo) or a work date (YYYY-MM-DD).
func formatDate(lang string, v any) string {
	t, ok := dateOf(v)
	if !ok {
		return ""
	}
	if lang == "en" {
		return t.Format("Mon 2 Jan 2006")
	}
	return strconv.Itoa(t.Year()) + "年" + strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日(" + weekdaysJA[t.Weekday()] + ")"
}

func dateOf(v any) (time.Time, bool) {
	switch d := v.(type) {
	case time.Time:
		if d.IsZero() {
			return d, false
		}
		return d.In(ledger.Tokyo), true
	case string:
		t, err := ledger.ParseWorkDate(d)
		return t, err == nil
	}
	return time.Time{}, false
}

// formatClock is the time of day in Asia/Tokyo, 8:05 (empty for none).
func formatClock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ledger.Tokyo).Format("15:04")
}

// formatDateTime is the date and the time of day.
func formatDateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatDate(lang, t) + " " + formatClock(t)
}

// formatYen is 16,500円 (¥16,500 in English).
func formatYen(lang string, n int64) string {
	s := groupThousands(n)
	if lang == "en" {
		return "¥" + s
	}
	return s + "円"
}

// formatNumber groups thousands: 10,000.
func formatNumber(n int) string { return groupThousands(int64(n)) }

func groupThousands(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	d := strconv.FormatInt(n, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatWorkDateInput is a date for an <input type=date> (YYYY-MM-DD).
func formatWorkDateInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ledger.WorkDate(t)
}
