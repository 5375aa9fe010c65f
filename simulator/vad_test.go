package simulator

import (
	"testing"
	"time"
)

func TestActivity(t *testing.T) {
	loud := make([]int16, 160)
	for i := range loud {
		loud[i] = 3000
		if i%2 == 1 {
			loud[i] = -3000
		}
	}
	quiet := make([]int16, 160)
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	type in struct {
		at   int // ms
		loud bool
		idle bool // no packet, clock only
	}
	tests := []struct {
		name   string
		feed   []in
		events []vadEvent
		segs   int
	}{
		{"one click is not speech", []in{{0, true, false}, {20, false, false}, {2000, false, true}}, nil, 0},
		{"speech then silence", []in{{0, true, false}, {20, true, false}, {40, true, false}, {60, false, false}, {700, false, false}, {760, false, false}},
			[]vadEvent{{vadStart, 1, ms(0), ms(20)}, {vadEnd, 1, ms(0), ms(40)}}, 1},
		{"short pause keeps the segment", []in{{0, true, false}, {20, true, false}, {400, false, false}, {500, true, false}, {520, true, false}, {1300, false, true}},
			[]vadEvent{{vadStart, 1, ms(0), ms(20)}, {vadEnd, 1, ms(0), ms(520)}}, 1},
		{"no RTP ends speech", []in{{0, true, false}, {20, true, false}, {719, false, true}, {720, false, true}},
			[]vadEvent{{vadStart, 1, ms(0), ms(20)}, {vadEnd, 1, ms(0), ms(20)}}, 1},
		{"two prompts", []in{{0, true, false}, {20, true, false}, {800, false, false}, {900, true, false}, {920, true, false}, {1700, false, true}},
			[]vadEvent{{vadStart, 1, ms(0), ms(20)}, {vadEnd, 1, ms(0), ms(20)}, {vadStart, 2, ms(900), ms(920)}, {vadEnd, 2, ms(900), ms(920)}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := activity{hangover: 700 * time.Millisecond}
			var got []vadEvent
			for _, f := range tt.feed {
				var ev vadEvent
				var ok bool
				switch {
				case f.idle:
					ev, ok = a.idle(ms(f.at))
				case f.loud:
					ev, ok = a.frame(loud, ms(f.at))
				default:
					ev, ok = a.frame(quiet, ms(f.at))
				}
				if ok {
					got = append(got, ev)
				}
			}
			if len(got) != len(tt.events) {
				t.Fatalf("events %+v, want %+v", got, tt.events)
			}
			for i := range got {
				if got[i] != tt.events[i] {
					t.Errorf("event %d %+v, want %+v", i, got[i], tt.events[i])
				}
			}
			if a.segments != tt.segs {
				t.Errorf("segments %d, want %d", a.segments, tt.segs)
			}
		})
	}
}
