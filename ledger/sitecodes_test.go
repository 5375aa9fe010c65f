package ledger

import (
	"slices"
	"testing"
)

func TestCompareSiteCodes(t *testing.T) {
	codes := []string{"2002", "77", "1001", "A-3", "077", "5", "B", "10"}
	slices.SortFunc(codes, CompareSiteCodes)
	want := []string{"5", "10", "077", "77", "1001", "2002", "A-3", "B"}
	if !slices.Equal(codes, want) {
		t.Errorf("sorted %q, want %q", codes, want)
	}
	for _, tt := range []struct {
		a, b string
		want int
	}{{"77", "1001", -1}, {"1001", "77", 1}, {"9", "9", 0}, {"9", "x", -1}, {"x", "9", 1}, {"", "1", 1}} {
		if got := CompareSiteCodes(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareSiteCodes(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
