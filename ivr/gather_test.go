package ivr

import (
	"strings"
	"testing"
	"time"
)

func TestGathererStep(t *testing.T) {
	idSpec := GatherSpec{Max: 14, Terminator: '#', FirstTimeout: 10 * time.Second, InterTimeout: 5 * time.Second}
	menu := GatherSpec{Max: 1, FirstTimeout: 10 * time.Second, InterTimeout: 5 * time.Second}
	offer := GatherSpec{Max: 8, Terminator: '#', FirstTimeout: 10 * time.Second, InterTimeout: 5 * time.Second,
		ChoiceKeys: "12", ChoiceWindow: time.Second}
	prefixed := idSpec
	prefixed.Prefix, prefixed.PrefixWindow = '9', 5*time.Second
	key := func(k byte) gatherEvent { return gatherEvent{kind: evKey, key: k} }
	ended := gatherEvent{kind: evPromptEnded}
	timeout := gatherEvent{kind: evTimeout}
	keys := func(s string) []gatherEvent {
		var evs []gatherEvent
		for i := 0; i < len(s); i++ {
			evs = append(evs, key(s[i]))
		}
		return evs
	}
	cat := func(parts ...[]gatherEvent) []gatherEvent {
		var out []gatherEvent
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name    string
		spec    GatherSpec
		events  []gatherEvent
		outcome GatherOutcome // GatherUnknown: not done yet
		digits  string
		last    gatherStep // checked for stopPrompt/arm when set via checkLast
		check   bool
	}{
		{name: "prompt ends, first-digit timer armed", spec: idSpec, events: []gatherEvent{ended},
			last: gatherStep{arm: 10 * time.Second}, check: true},
		{name: "no input", spec: idSpec, events: []gatherEvent{ended, timeout}, outcome: GatherNoInput},
		{name: "stale timeout while prompting ignored", spec: idSpec, events: []gatherEvent{timeout},
			last: gatherStep{}, check: true},
		{name: "14 digits complete without terminator", spec: idSpec,
			events: cat([]gatherEvent{ended}, keys("12345678901234")), outcome: GatherComplete, digits: "12345678901234"},
		{name: "terminator ends short entry", spec: idSpec,
			events: cat([]gatherEvent{ended}, keys("1234#")), outcome: GatherTerminated, digits: "1234"},
		{name: "terminator alone ignored", spec: idSpec, events: cat([]gatherEvent{ended}, keys("#")),
			last: gatherStep{arm: 10 * time.Second}, check: true},
		{name: "terminator alone finishes when EmptyTerminates", spec: GatherSpec{Max: 14, Terminator: '#', EmptyTerminates: true},
			events: cat([]gatherEvent{ended}, keys("#")), outcome: GatherTerminated, digits: ""},
		{name: "terminator alone during the prompt finishes when EmptyTerminates", spec: GatherSpec{Max: 14, Terminator: '#', EmptyTerminates: true},
			events: keys("#"), outcome: GatherTerminated, digits: ""},
		{name: "terminator alone then digits", spec: idSpec,
			events: cat([]gatherEvent{ended}, keys("#12#")), outcome: GatherTerminated, digits: "12"},
		{name: "star clears", spec: idSpec,
			events: cat([]gatherEvent{ended}, keys("99*1234#")), outcome: GatherTerminated, digits: "1234"},
		{name: "inter-digit timer armed after a key", spec: idSpec, events: cat([]gatherEvent{ended}, keys("1")),
			last: gatherStep{arm: 5 * time.Second}, check: true},
		{name: "inter-digit timeout with digits", spec: idSpec,
			events: cat([]gatherEvent{ended}, keys("1234"), []gatherEvent{timeout}), outcome: GatherTimedOut, digits: "1234"},
		{name: "type-ahead: key during prompt stops it", spec: idSpec, events: keys("1"),
			last: gatherStep{stopPrompt: true, arm: 5 * time.Second}, check: true},
		{name: "type-ahead: whole entry during prompt", spec: idSpec,
			events: cat(keys("1234#"), []gatherEvent{ended}), outcome: GatherTerminated, digits: "1234"},
		{name: "prompt end after barge-in does not re-arm", spec: idSpec, events: cat(keys("12"), []gatherEvent{ended}),
			last: gatherStep{}, check: true},
		{name: "menu: one key", spec: menu, events: keys("2"), outcome: GatherComplete, digits: "2"},
		{name: "menu: after prompt", spec: menu, events: cat([]gatherEvent{ended}, keys("1")), outcome: GatherComplete, digits: "1"},
		{name: "events after done ignored", spec: menu, events: keys("12"), outcome: GatherComplete, digits: "1"},
		// The last-site offer: 1 or 2 alone, or with one key behind it, ends
		// after the choice window; more keys are a site code.
		{name: "offer: 1 waits the choice window", spec: offer, events: cat([]gatherEvent{ended}, keys("1")),
			last: gatherStep{arm: time.Second}, check: true},
		{name: "offer: 1 then a pause", spec: offer, events: cat([]gatherEvent{ended}, keys("1"), []gatherEvent{timeout}),
			outcome: GatherTimedOut, digits: "1"},
		{name: "offer: 1 and the menu's key typed ahead", spec: offer, events: cat(keys("12"), []gatherEvent{timeout}),
			outcome: GatherTimedOut, digits: "12"},
		{name: "offer: a third key makes a site code", spec: offer, events: keys("123"),
			last: gatherStep{arm: 5 * time.Second}, check: true},
		{name: "offer: a site code and #", spec: offer, events: keys("1234#1"), outcome: GatherTerminated, digits: "1234"},
		{name: "offer: another key is a site code at once", spec: offer, events: cat([]gatherEvent{ended}, keys("5")),
			last: gatherStep{arm: 5 * time.Second}, check: true},
		// The greeting's 9 as a prefix.
		{name: "prefix: a key while the prompt plays takes it", spec: prefixed, events: keys("12345678901234"),
			outcome: GatherComplete, digits: "912345678901234"},
		{name: "prefix: 14 digits with it are not complete", spec: prefixed, events: keys("1234567890123"),
			last: gatherStep{arm: 5 * time.Second}, check: true},
		{name: "prefix: its window passed", spec: prefixed, events: cat([]gatherEvent{{kind: evPrefixExpired}}, keys("12345678901234")),
			outcome: GatherComplete, digits: "12345678901234"},
		{name: "prefix: the prompt played out", spec: prefixed, events: cat([]gatherEvent{ended}, keys("12345678901234")),
			outcome: GatherComplete, digits: "12345678901234"},
		{name: "prefix: star clears it too", spec: prefixed, events: keys("1*12345678901234"),
			outcome: GatherComplete, digits: "12345678901234"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGatherer(tc.spec)
			var st, final gatherStep
			for _, ev := range tc.events {
				st = g.step(ev)
				if st.done && !final.done {
					final = st
				}
			}
			if tc.check {
				if st.stopPrompt != tc.last.stopPrompt || st.arm != tc.last.arm || st.done != tc.last.done {
					t.Fatalf("last step = %+v, want %+v", st, tc.last)
				}
			}
			if tc.outcome == GatherUnknown {
				if final.done {
					t.Fatalf("gather finished early: %+v", final)
				}
				return
			}
			if !final.done || final.outcome != tc.outcome || final.digits != tc.digits {
				t.Fatalf("got done=%v %v %q, want %v %q", final.done, final.outcome, final.digits, tc.outcome, tc.digits)
			}
		})
	}
}

func TestGatherOutcomeString(t *testing.T) {
	for o := GatherComplete; o <= GatherNoInput; o++ {
		got, ok := ParseGatherOutcome(o.String())
		if !ok || got != o {
			t.Errorf("ParseGatherOutcome(%q) = %v, %v", o.String(), got, ok)
		}
	}
	if _, ok := ParseGatherOutcome("unknown"); ok {
		t.Error("unknown parsed")
	}
}

// FuzzGatherer feeds the step function arbitrary event sequences (keys
// arrive from the network) and checks its invariants.
func FuzzGatherer(f *testing.F) {
	f.Add(uint8(14), true, []byte("12345678901234"))
	f.Add(uint8(4), false, []byte("\x00\x01#12*34#"))
	f.Add(uint8(1), false, []byte("\x02\x019"))
	f.Fuzz(func(t *testing.T, max uint8, empty bool, in []byte) {
		spec := GatherSpec{Max: int(max%16) + 1, Terminator: '#', EmptyTerminates: empty,
			FirstTimeout: 10 * time.Second, InterTimeout: 5 * time.Second}
		if max&0x80 != 0 {
			spec.ChoiceKeys, spec.ChoiceWindow = "12", time.Second
		}
		if max&0x40 != 0 {
			spec.Prefix, spec.PrefixWindow = '9', 5*time.Second
		}
		g := newGatherer(spec)
		done := false
		for _, b := range in {
			var ev gatherEvent
			switch b {
			case 0:
				ev = gatherEvent{kind: evPromptEnded}
			case 1:
				ev = gatherEvent{kind: evTimeout}
			case 2:
				ev = gatherEvent{kind: evPrefixExpired}
			default:
				ev = gatherEvent{kind: evKey, key: "0123456789*#"[int(b)%12]}
			}
			st := g.step(ev)
			if done {
				if !st.done || st.digits != "" || st.arm != 0 || st.stopPrompt {
					t.Fatalf("step after done = %+v", st)
				}
				continue
			}
			if !st.done {
				continue
			}
			done = true
			longest := spec.Max
			if st.prefixed {
				longest++
				if st.digits[0] != '9' {
					t.Fatalf("prefixed %q", st.digits)
				}
			}
			if len(st.digits) > longest || strings.ContainsAny(st.digits, "*#") {
				t.Fatalf("digits %q with max %d", st.digits, spec.Max)
			}
			switch st.outcome {
			case GatherComplete:
				if len(st.digits) != longest {
					t.Fatalf("complete with %q", st.digits)
				}
			case GatherTerminated:
				if st.digits == "" && !empty {
					t.Fatal("# alone ended the entry")
				}
			case GatherTimedOut:
				if st.digits == "" {
					t.Fatal("timed out with no digits")
				}
			case GatherNoInput:
				if st.digits != "" {
					t.Fatalf("no input with %q", st.digits)
				}
			default:
				t.Fatalf("outcome %v", st.outcome)
			}
		}
	})
}
