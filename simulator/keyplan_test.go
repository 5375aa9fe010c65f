package simulator

import (
	"strconv"
	"strings"
	"testing"
)

// TestKeyPlan feeds keyPlan the events keyUntilEnd sees: "s3" speech
// segment 3 starts, "e3" it ends, "d" the group being keyed is sent.
func TestKeyPlan(t *testing.T) {
	tests := []struct {
		name   string
		early  bool
		events string
		want   string // groups started, in order
	}{
		{"one group per prompt end", false, "s1 e1 d s2 e2 d s3 e3 d", "A B C"},
		{"starts do not key", false, "s1 s2 s3", ""},
		{"no more groups than given", false, "e1 d e2 d e3 d e4 d", "A B C"},
		{"barge-in: the cut prompt's end does not count", false, "s1 e1 e1 d e1 s2 e2", "A B"},
		{"prompt ending while keying keys next after done", false, "e1 s2 e2 d", "A B"},
		{"prompt ending while keying waits for done", false, "e1 s2 e2", "A"},
		{"key early on starts", true, "s1 d s2 d s3", "A B C"},
		{"key early: ends do not key", true, "e1 e2", ""},
		{"key early: start while keying", true, "s1 s2 d", "A B"},
		{"segments are ordered, not timed", false, "e5 d e3 e5 e6 d", "A B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := keyPlan{keys: []string{"A", "B", "C"}}
			var got []string
			keyNext := func() {
				if g, ok := k.nextGroup(); ok {
					got = append(got, g)
				}
			}
			for _, ev := range strings.Fields(tt.events) {
				if ev == "d" {
					k.groupDone()
					if k.pending {
						keyNext()
					}
					continue
				}
				seg, err := strconv.Atoi(ev[1:])
				if err != nil {
					t.Fatal(err)
				}
				kind := vadEnd
				if ev[0] == 's' {
					kind = vadStart
				}
				if k.heard(vadEvent{Kind: kind, Seg: seg}, tt.early) {
					keyNext()
				}
			}
			if s := strings.Join(got, " "); s != tt.want {
				t.Errorf("events %q: keyed %q, want %q", tt.events, s, tt.want)
			}
		})
	}
}
