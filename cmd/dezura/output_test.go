package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestDisplayWidth(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{
		{"", 0}, {"abc", 3}, {"山田 花子", 9}, {"ｶﾅ", 2}, {"ＡＢ", 4}, {"駅前ビル", 8}, {"が", 2}, {"か\u3099", 2}, {"-", 1},
	} {
		if got := displayWidth(tt.s); got != tt.want {
			t.Errorf("displayWidth(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

// TestTableAlignsFullWidth: every column starts at the same terminal
// column on every line, whatever mix of full- and half-width text.
func TestTableAlignsFullWidth(t *testing.T) {
	var b bytes.Buffer
	rows := [][]string{{"11111111111111", "山田 花子", "acme"}, {"2", "Bob", "アクメ建設"}, {"33", "ﾔﾏﾀﾞ", ""}}
	if err := writeTable(&b, []string{"ID", "NAME", "CONTRACTOR"}, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("table %q", b.String())
	}
	cells := append([][]string{{"ID", "NAME", "CONTRACTOR"}}, rows...)
	for i, line := range lines {
		// The display column where each cell starts.
		col := 0
		for j, cell := range cells[i] {
			at := strings.Index(line, cell)
			if cell == "" {
				at = len(line) // an empty last cell: nothing after the trimmed line
			}
			if at < 0 || (cell != "" && displayWidth(line[:at]) != col) {
				t.Errorf("line %d %q: %q starts at column %d, want %d", i, line, cell, displayWidth(line[:max(at, 0)]), col)
			}
			if j == 0 {
				col = 14 + 2 // the widest ID, and the gap
			} else {
				col += 9 + 2 // the widest name (山田 花子)
			}
		}
		if strings.HasSuffix(line, " ") {
			t.Errorf("line %d %q ends in spaces", i, line)
		}
	}
}

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		n    int
		noun string
		want string
	}{{0, "invoice", "0 invoices"}, {1, "invoice", "1 invoice"}, {2, "invoice", "2 invoices"}, {1, "entry", "1 entry"},
		{3, "entry", "3 entries"}, {2, "bad line", "2 bad lines"}, {2, "day", "2 days"}} {
		if got := count(tt.n, tt.noun); got != tt.want {
			t.Errorf("count(%d, %q) = %q, want %q", tt.n, tt.noun, got, tt.want)
		}
	}
}
