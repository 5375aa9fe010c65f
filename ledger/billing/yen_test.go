package billing

import (
	"errors"
	"testing"
)

func TestParseYen(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Yen
	}{
		{"16500", 16500},
		{"16,500", 16500},
		{"16,500円", 16500},
		{"¥16,500", 16500},
		{"￥1,234,567", 1234567},
		{"１６，５００円", 16500},
		{" 0 ", 0},
		{"999", 999},
		{"-16,500", -16500},
		{"1000000", 1000000},
	} {
		got, err := ParseYen(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseYen(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "円", "16.5", "16,50", "1,6500", "1650,0", ",500", "1000,", "16 500", "abc", "1e3", "99999999999999999999", "+5"} {
		if got, err := ParseYen(in); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("ParseYen(%q) = %d, %v; want ErrInvalidAmount", in, got, err)
		}
	}
}

// FuzzParseYen: whatever is typed, ParseYen either reads whole yen that
// FormatYen writes back and ParseYen reads again the same, or says why not.
func FuzzParseYen(f *testing.F) {
	for _, s := range []string{"16,500", "１６，５００円", "¥0", "-1,000", "1,2,3", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, err := ParseYen(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidAmount) {
				t.Fatalf("ParseYen(%q): %v does not wrap ErrInvalidAmount", s, err)
			}
			return
		}
		back, err := ParseYen(FormatYen(y))
		if err != nil || back != y {
			t.Fatalf("ParseYen(%q) = %d; FormatYen gives %q, read back as %d, %v", s, y, FormatYen(y), back, err)
		}
	})
}
