package dtmf

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseLost(t *testing.T) {
	ms := func(v int64) int64 { return v * 8 }
	tests := []struct {
		in   string
		want []Span
		err  bool
	}{
		{in: "", want: nil},
		{in: "  ", want: nil},
		{in: "1440ms", want: []Span{{ms(1440), ms(1460)}}},
		{in: "1440ms,1460ms", want: []Span{{ms(1440), ms(1480)}}},
		{in: "1460ms, 1440ms", want: []Span{{ms(1440), ms(1480)}}},
		{in: "1.44s,3s", want: []Span{{ms(1440), ms(1460)}, {ms(3000), ms(3020)}}},
		{in: "1440ms-1500ms", want: []Span{{ms(1440), ms(1500)}}},
		{in: "1440ms-1500ms,1450ms", want: []Span{{ms(1440), ms(1500)}}},
		{in: "0s", want: []Span{{0, ms(20)}}},
		{in: "1440", err: true},
		{in: "1440ms,", err: true},
		{in: "-20ms", err: true},
		{in: "1500ms-1440ms", err: true},
		{in: "1440ms-1440ms", err: true},
		{in: "abc", err: true},
		{in: "7h", err: true},
	}
	for _, tt := range tests {
		got, err := ParseLost(tt.in)
		if tt.err {
			if !errors.Is(err, ErrBadLost) {
				t.Errorf("ParseLost(%q) = %v, %v; want ErrBadLost", tt.in, got, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseLost(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// FuzzParseLost: any input gives an error or spans in order, not
// overlapping, not empty, within the longest recording.
func FuzzParseLost(f *testing.F) {
	for _, s := range []string{"1440ms", "1440ms,1460ms", "1.44s-2s,3s", "", "-", ",", "1e9h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spans, err := ParseLost(s)
		if err != nil {
			if !errors.Is(err, ErrBadLost) {
				t.Fatalf("error %v does not wrap ErrBadLost", err)
			}
			return
		}
		for i, sp := range spans {
			if sp.Start < 0 || sp.End <= sp.Start || sp.End > toSamples(maxLostTime+PacketDuration) {
				t.Fatalf("span %v", sp)
			}
			if i > 0 && sp.Start <= spans[i-1].End {
				t.Fatalf("spans %v overlap or are out of order", spans)
			}
		}
	})
}

// TestDetectSamplesLost: a recording of a 100 ms key whose middle packet
// was lost (the recorder wrote silence there) gives the key twice when
// read as it is, once when the packet is marked lost.
func TestDetectSamplesLost(t *testing.T) {
	s := &signal{t: t}
	s.silence(40).tone('7', 120, nominal(-10)).silence(100)
	clear(s.buf[80*8 : 100*8]) // the packet from 80 to 100 ms
	if got := keysOf(DetectSamples(s.buf)); got != "77" {
		t.Fatalf("as recorded: %q, want the doubled digit", got)
	}
	lost, err := ParseLost("80ms")
	if err != nil {
		t.Fatal(err)
	}
	evs := DetectSamplesLost(s.buf, lost)
	if got := keysOf(evs); got != "7" {
		t.Fatalf("with the packet marked lost: %q, want \"7\"", got)
	}
	if e := evs[0]; e.StartMS < 35 || e.StartMS > 45 || e.EndMS < 155 || e.EndMS > 165 {
		t.Errorf("key at %d-%d ms, want about 40-160", e.StartMS, e.EndMS)
	}
	// Spans past the end of the recording are ignored.
	if got := keysOf(DetectSamplesLost(s.buf, []Span{{0, 8}, {100000, 100160}})); got != "77" {
		t.Errorf("with spans outside the key: %q", got)
	}
}

func keysOf(evs []TimedEvent) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteByte(e.Key)
	}
	return b.String()
}
