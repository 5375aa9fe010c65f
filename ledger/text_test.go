package ledger

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	tests := []struct {
		s, want string // want: "" or a part of the reason
	}{
		{"山田 花子", ""},
		{"", ""},
		{strings.Repeat("名", 60), ""},
		{strings.Repeat("名", 61), "61 characters, at most 60"},
		{"=cmd|' /C calc'!A0", `starts with "="`},
		{"+81", `starts with "+"`},
		{"-1", `starts with "-"`},
		{"@SUM(A1)", `starts with "@"`},
		{"\tname", `starts with "\t"`},
		{"\rname", `starts with "\r"`},
		{"a=b", ""},
		{"山田\x07", "control character U+0007"},
		{"山田\n花子", "control character U+000A"},
		{"山田\u202e子花", "control character U+202E"},
		{"山\ufffd田", "neither UTF-8 nor Shift_JIS"},
		{"山\xff田", "not valid UTF-8"},
	}
	for _, tt := range tests {
		got := CheckText("name", tt.s, 60)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("CheckText(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestDecodeJapaneseText(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"utf-8", []byte("氏名,山田"), "氏名,山田"},
		{"utf-8 with BOM", []byte("\xef\xbb\xbf氏名"), "氏名"},
		{"shift_jis", sjis(t, "氏名,山田 花子\r\n"), "氏名,山田 花子\r\n"},
		// A UTF-8 file with one damaged byte stays UTF-8: the damage is
		// marked, not turned into other characters.
		{"utf-8 with a bad byte", []byte("氏名,山田\n出面,八\xff郎\n"), "氏名,山田\n出面,八\ufffd郎\n"},
	}
	for _, tt := range tests {
		got, err := DecodeJapaneseText(tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
