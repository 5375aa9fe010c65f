package dtmf

import (
	"testing"
	"time"
)

func TestMerger(t *testing.T) {
	const (
		rtp  = TransportRFC4733
		inb  = TransportInband
		info = TransportSIPInfo
	)
	type in struct {
		at   int // ms
		key  byte
		tr   Transport
		want bool
	}
	cases := []struct {
		name string
		ins  []in
	}{
		{"in-band only, repeated key", []in{{0, '1', inb, true}, {100, '1', inb, true}, {200, '2', inb, true}}},
		{"rfc4733 only, repeated key", []in{{0, '1', rtp, true}, {90, '1', rtp, true}}},
		{"event first, tone echo dropped", []in{{0, '5', rtp, true}, {35, '5', inb, false}}},
		{"tone first, event of the same press dropped", []in{{35, '5', inb, true}, {60, '5', rtp, false}, {300, '6', inb, false}, {300, '6', rtp, true}}},
		{"after out-of-band, in-band ignored even for other keys", []in{{0, '1', rtp, true}, {500, '2', inb, false}, {1000, '3', rtp, true}}},
		{"tone then a different key by event", []in{{35, '5', inb, true}, {60, '6', rtp, true}}},
		{"same key by other transport after the window is a new press", []in{{0, '7', inb, true}, {250, '7', rtp, true}}},
		{"info then in-band", []in{{0, '#', info, true}, {40, '#', inb, false}, {400, '#', info, true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMerger(0)
			for i, x := range tc.ins {
				ev, ok := m.Add(Event{Key: x.key, Transport: x.tr}, t0.Add(time.Duration(x.at)*time.Millisecond))
				if ok != x.want || (ok && ev.Key != x.key) {
					t.Errorf("input %d (%c via %v at %d ms): delivered %v, want %v", i, x.key, x.tr, x.at, ok, x.want)
				}
			}
		})
	}
	m := NewMerger(0)
	if m.OutOfBand() {
		t.Error("out-of-band before any digit")
	}
	m.Add(Event{Key: '1', Transport: TransportInband}, t0)
	if m.OutOfBand() {
		t.Error("out-of-band after an in-band digit")
	}
	m.Add(Event{Key: '1', Transport: TransportSIPInfo}, t0.Add(time.Second))
	if !m.OutOfBand() {
		t.Error("not out-of-band after a SIP INFO digit")
	}
}
