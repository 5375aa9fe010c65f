package ledger

import (
	"testing"
	"time"
)

func TestWorkDate(t *testing.T) {
	tests := []struct {
		at   string // RFC 3339
		want string
	}{
		{"2026-11-27T14:59:59Z", "2026-11-27"}, // 23:59:59 JST
		{"2026-11-27T15:00:00Z", "2026-11-28"}, // midnight JST
		{"2026-11-27T00:00:00+09:00", "2026-11-27"},
		{"2026-11-26T23:30:00-08:00", "2026-11-27"}, // 16:30 JST
		{"2024-02-28T20:00:00Z", "2024-02-29"},      // leap day
		{"2026-12-31T15:00:00Z", "2027-01-01"},
		{"2026-03-29T01:30:00+01:00", "2026-03-29"}, // a DST change elsewhere is nothing in Tokyo
	}
	for _, tt := range tests {
		at, err := time.Parse(time.RFC3339, tt.at)
		if err != nil {
			t.Fatal(err)
		}
		if got := WorkDate(at); got != tt.want {
			t.Errorf("WorkDate(%s) = %s, want %s", tt.at, got, tt.want)
		}
	}
}

func TestPreviousWorkDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2026-11-28", "2026-11-27"},
		{"2027-01-01", "2026-12-31"},
		{"2024-03-01", "2024-02-29"},
	}
	for _, tt := range tests {
		got, err := PreviousWorkDate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("PreviousWorkDate(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	if _, err := PreviousWorkDate("27/11/2026"); err == nil {
		t.Error("PreviousWorkDate of a bad date: want error")
	}
}

func TestEnumsRoundTrip(t *testing.T) {
	for a := ActionUnknown + 1; a <= ActionCheckOut; a++ {
		got, err := ParseAction(a.String())
		if err != nil || got != a {
			t.Errorf("ParseAction(%q) = %v, %v", a.String(), got, err)
		}
	}
	if _, err := ParseAction("unknown"); err == nil {
		t.Error("ParseAction(unknown): want error")
	}
	for s := EntryStatusUnknown + 1; s <= EntryStatusCancelled; s++ {
		got, err := ParseEntryStatus(s.String())
		if err != nil || got != s {
			t.Errorf("ParseEntryStatus(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := ParseEntryStatus("bogus"); err == nil {
		t.Error("ParseEntryStatus(bogus): want error")
	}
	if got := Action(9).String(); got != "Action(9)" {
		t.Errorf("Action(9).String() = %q", got)
	}
}
