package web

import (
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

func TestFormats(t *testing.T) {
	sat := time.Date(2026, 12, 5, 8, 5, 0, 0, ledger.Tokyo)
	tests := []struct{ got, want string }{
		{formatDate("ja", sat), "2026年12月5日(土)"},
		{formatDate("ja", "2026-12-06"), "2026年12月6日(日)"},
		{formatDate("en", sat), "Sat 5 Dec 2026"},
		{formatDate("ja", time.Time{}), ""},
		{formatDate("ja", "2026-13-01"), ""},
		{formatDate("ja", sat.UTC()), "2026年12月5日(土)"}, // the date in Tokyo, not UTC
		{formatDate("ja", time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)), "2026年12月5日(土)"},
		{formatClock(sat), "08:05"},
		{formatYen("ja", 16500), "16,500円"},
		{formatYen("ja", 0), "0円"},
		{formatYen("ja", -1650000), "-1,650,000円"},
		{formatYen("en", 16500), "¥16,500"},
		{formatNumber(10000), "10,000"},
		{formatNumber(999), "999"},
		{formatDateTime("ja", sat), "2026年12月5日(土) 08:05"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: %q, want %q", i, tt.got, tt.want)
		}
	}
}
