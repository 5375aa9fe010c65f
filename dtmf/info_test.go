package dtmf

import (
	"errors"
	"testing"
	"time"
)

func TestParseInfo(t *testing.T) {
	cases := []struct {
		ct   string
		body string
		key  byte
		dur  time.Duration
		err  error
	}{
		{"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5', 160 * time.Millisecond, nil},
		{"application/dtmf-relay", "Signal=5\nDuration=160\n", '5', 160 * time.Millisecond, nil},
		{"application/dtmf-relay", "Signal=5\nDuration=160", '5', 160 * time.Millisecond, nil},
		{"Application/DTMF-Relay", "signal = #\r\nduration = 250\r\n", '#', 250 * time.Millisecond, nil},
		{"application/dtmf-relay; charset=utf-8", "Signal= *\r\n", '*', 0, nil},
		{"application/dtmf-relay", "  Signal=1  \r\n\r\nDuration=100\r\n\r\n", '1', 100 * time.Millisecond, nil},
		{"application/dtmf-relay", "Signal=10\r\nDuration=100", '*', 100 * time.Millisecond, nil},
		{"application/dtmf-relay", "Signal=11\r\n", '#', 0, nil},
		{"application/dtmf-relay", "Signal=a\r\n", 'A', 0, nil},
		{"application/dtmf-relay", "Signal=D\r\nVolume=10\r\n", 'D', 0, nil}, // unknown line ignored
		{"application/dtmf-relay", "Duration=160\r\nSignal=0\r\n", '0', 160 * time.Millisecond, nil},
		{"application/dtmf", "7", '7', 0, nil},
		{"application/dtmf", " 9\r\n", '9', 0, nil},
		{"application/dtmf", "11", '#', 0, nil},
		{"APPLICATION/DTMF", "#", '#', 0, nil},

		{"application/dtmf-relay", "", 0, 0, ErrMalformedBody},
		{"application/dtmf-relay", "Duration=160\r\n", 0, 0, ErrMalformedBody},
		{"application/dtmf-relay", "Signal=\r\n", 0, 0, ErrMalformedBody},
		{"application/dtmf-relay", "Signal=55\r\n", 0, 0, ErrMalformedBody},
		{"application/dtmf-relay", "Signal=16\r\n", 0, 0, ErrMalformedBody}, // flash is no digit
		{"application/dtmf-relay", "Signal=E\r\n", 0, 0, ErrMalformedBody},
		{"application/dtmf-relay", "Signal 5\r\n", 0, 0, ErrMalformedBody},
		{"application/dtmf-relay", "Signal=5\r\nSignal=6\r\n", 0, 0, ErrMalformedBody},
		{"application/dtmf-relay", "Signal=5\r\nDuration=abc\r\n", 0, 0, ErrMalformedBody},
		{"application/dtmf-relay", "Signal=5\r\nDuration=-1\r\n", 0, 0, ErrMalformedBody},
		{"application/dtmf", "", 0, 0, ErrMalformedBody},
		{"application/dtmf", "12 3", 0, 0, ErrMalformedBody},
		{"application/dtmf", "x", 0, 0, ErrMalformedBody},

		{"application/sdp", "v=0\r\n", 0, 0, ErrUnsupportedBody},
		{"text/plain", "5", 0, 0, ErrUnsupportedBody},
		{"", "Signal=5", 0, 0, ErrUnsupportedBody},
		{"application/dtmf-relayx", "Signal=5", 0, 0, ErrUnsupportedBody},
		{"application/media_control+xml", "<media_control/>", 0, 0, ErrUnsupportedBody},
	}
	for _, tc := range cases {
		ev, err := ParseInfo(tc.ct, []byte(tc.body))
		if !errors.Is(err, tc.err) {
			t.Errorf("%q %q: error %v, want %v", tc.ct, tc.body, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		if ev.Key != tc.key || ev.Duration != tc.dur || ev.Transport != TransportSIPInfo {
			t.Errorf("%q %q: %+v, want key %q duration %v", tc.ct, tc.body, ev, tc.key, tc.dur)
		}
	}
	if _, err := ParseInfo("application/dtmf-relay", make([]byte, 5000)); !errors.Is(err, ErrMalformedBody) {
		t.Errorf("huge body: %v", err)
	}
}

func FuzzParseInfo(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf", []byte("#"))
	f.Add("application/dtmf-relay;x=y", []byte("signal=11\nduration=9999999999"))
	f.Add("text/plain", []byte("5"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		ev, err := ParseInfo(ct, body)
		if err != nil {
			if !errors.Is(err, ErrMalformedBody) && !errors.Is(err, ErrUnsupportedBody) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if _, ok := EventForKey(ev.Key); !ok || ev.Transport != TransportSIPInfo || ev.Duration < 0 {
			t.Fatalf("bad event %+v", ev)
		}
	})
}

func TestInfoSequencer(t *testing.T) {
	type op struct {
		at   int  // ms
		kind byte // 'a' add, 's' skip, 't' tick
		cseq uint32
		key  byte
		want string
		late bool
	}
	cases := []struct {
		name string
		ops  []op
	}{
		{"in order", []op{{0, 'a', 2, '1', "1", false}, {10, 'a', 3, '2', "2", false}, {20, 'a', 4, '3', "3", false}}},
		{"swapped pair", []op{{0, 'a', 3, '2', "", false}, {5, 'a', 2, '1', "12", false}}},
		{"three reversed", []op{{0, 'a', 4, '3', "", false}, {1, 'a', 3, '2', "", false}, {2, 'a', 2, '1', "123", false}}},
		{"gap given up after hold", []op{{0, 'a', 3, '2', "", false}, {100, 't', 0, 0, "", false}, {151, 't', 0, 0, "2", false},
			{160, 'a', 2, '1', "", true}, {170, 'a', 4, '3', "3", false}}},
		{"skip releases", []op{{0, 'a', 3, '2', "", false}, {10, 's', 2, 0, "2", false}}},
		{"re-INVITE reported after the INFO", []op{{0, 'a', 2, '1', "1", false}, {10, 'a', 4, '3', "", false}, {12, 's', 3, 0, "3", false}}},
		{"retransmission", []op{{0, 'a', 2, '1', "1", false}, {20, 'a', 2, '1', "", true}}},
		{"duplicate while held", []op{{0, 'a', 3, '2', "", false}, {1, 'a', 3, '2', "", true}, {2, 'a', 2, '1', "12", false}}},
		{"held gap then in order", []op{{0, 'a', 4, '3', "", false}, {50, 'a', 2, '1', "1", false}, {200, 't', 0, 0, "3", false}}},
		{"cseq wraps", []op{{0, 'a', 0, '2', "", false}, {5, 'a', 0xFFFFFFFF, '1', "12", false}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			last := uint32(1)
			if tc.name == "cseq wraps" {
				last = 0xFFFFFFFE
			}
			s := NewInfoSequencer(last, 150*time.Millisecond)
			for i, o := range tc.ops {
				now := t0.Add(time.Duration(o.at) * time.Millisecond)
				var out []Event
				var err error
				switch o.kind {
				case 'a':
					out, err = s.Add(o.cseq, Event{Key: o.key, Transport: TransportSIPInfo}, now)
				case 's':
					out = s.Skip(o.cseq, now)
				case 't':
					out = s.Tick(now)
				}
				if got := errors.Is(err, ErrLateInfo); got != o.late {
					t.Errorf("op %d: late %v, want %v (err %v)", i, got, o.late, err)
				}
				var keys []byte
				for _, e := range out {
					keys = append(keys, e.Key)
				}
				if string(keys) != o.want {
					t.Errorf("op %d: released %q, want %q", i, keys, o.want)
				}
			}
		})
	}
	s := NewInfoSequencer(1, 0)
	if _, ok := s.Deadline(); ok {
		t.Error("deadline with nothing held")
	}
	s.Add(5, Event{Key: '1'}, t0)
	if d, ok := s.Deadline(); !ok || !d.Equal(t0.Add(DefaultInfoHold)) {
		t.Errorf("deadline %v %v", d, ok)
	}
}

// FuzzInfoSequencer: whatever the order, CSeqs and timing of requests, the
// sequencer delivers each CSeq at most once and in increasing order.
func FuzzInfoSequencer(f *testing.F) {
	f.Add([]byte{3, 0, 2, 1, 4, 200, 9, 0})
	f.Add([]byte{255, 10, 0, 10, 1, 10})
	f.Fuzz(func(t *testing.T, ops []byte) {
		s := NewInfoSequencer(1, 0)
		now := t0
		var delivered []uint32
		for len(ops) >= 2 {
			cseq := uint32(ops[0]) // small window around the start
			now = now.Add(time.Duration(ops[1]) * time.Millisecond)
			ops = ops[2:]
			var out []Event
			if cseq%7 == 0 {
				out = s.Skip(cseq, now)
			} else {
				// The CSeq rides in Duration so the output can be checked.
				out, _ = s.Add(cseq, Event{Key: '0', Duration: time.Duration(cseq)}, now)
			}
			out = append(out, s.Tick(now)...)
			for _, e := range out {
				c := uint32(e.Duration)
				if n := len(delivered); n > 0 && c <= delivered[n-1] {
					t.Fatalf("delivered CSeq %d after %d", c, delivered[n-1])
				}
				delivered = append(delivered, c)
			}
		}
	})
}
