package table

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := "# comment\n\ngreeting\tお電話ありがとうございます。\tおでんわ ありがとう ございます。\r\n" +
		"english_offer\tFor English, press 9.\tFor English, press nine.\ten-us\n" +
		"digit_1\t1\n"
	rows, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{Name: "greeting", Text: "お電話ありがとうございます。", Reading: "おでんわ ありがとう ございます。", Line: 3},
		{Name: "english_offer", Text: "For English, press 9.", Reading: "For English, press nine.", Voice: "en-us", Line: 4},
		{Name: "digit_1", Text: "1", Reading: "1", Line: 5},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"one field", "greeting\n", "want 2 to 4"},
		{"five fields", "a\tb\tc\td\te\n", "want 2 to 4"},
		{"bad name", "Greeting\thello\n", "bad name"},
		{"path in name", "../x\thello\n", "bad name"},
		{"no text", "greeting\t \n", "has no text"},
		{"duplicate", "a\tx\nb\ty\na\tz\n", "line 3: a already defined on line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.src))
			if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrSyntax saying %q", err, tt.want)
			}
		})
	}
}
