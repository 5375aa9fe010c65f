package dtmf

import (
	"sort"
	"time"
)

// DefaultInfoHold is how long an InfoSequencer holds a digit waiting for a
// missing lower CSeq. A UA sends INFO requests one at a time or in quick
// succession; concurrent handling reorders them by a few milliseconds.
const DefaultInfoHold = 150 * time.Millisecond

// InfoSequencer puts SIP INFO digits back in CSeq order. A dialog's
// requests from one side carry increasing CSeq numbers (RFC 3261 §12.2.1.1),
// but a server handling requests concurrently can pass them to the call out
// of order. The sequencer releases a digit as soon as every lower CSeq has
// been seen; a gap (a lost request, or a CSeq used by a request that was not
// an INFO and was not reported with Skip) is given up on after the hold
// time. It is a pure step function: time is an input. Not safe for
// concurrent use; the caller serialises Add, Skip and Tick (one mutex per
// call).
type InfoSequencer struct {
	next    uint32 // lowest CSeq not yet released or skipped
	hold    time.Duration
	pending []pendingInfo // sorted by CSeq, all >= next
}

type pendingInfo struct {
	cseq  uint32
	ev    Event
	skip  bool
	since time.Time
}

// NewInfoSequencer returns a sequencer for the INFO requests of one dialog.
// lastCSeq is the CSeq of the last request the remote side sent before the
// first INFO could come (the INVITE's), so the first INFO expected is
// lastCSeq+1. hold <= 0 means DefaultInfoHold.
func NewInfoSequencer(lastCSeq uint32, hold time.Duration) *InfoSequencer {
	if hold <= 0 {
		hold = DefaultInfoHold
	}
	return &InfoSequencer{next: lastCSeq + 1, hold: hold}
}

// Add records the digit of the INFO request with the given CSeq, received
// at now, and returns the digits now releasable, in CSeq order (possibly
// none, possibly several). A CSeq already released, skipped or given up on
// returns ErrLateInfo and no digits: the caller still answers 200 (a
// retransmission) but the digit is not delivered out of order.
func (s *InfoSequencer) Add(cseq uint32, ev Event, now time.Time) ([]Event, error) {
	return s.add(pendingInfo{cseq: cseq, ev: ev, since: now}, now)
}

// Skip records that the remote side used cseq for a request that carries no
// digit (a re-INVITE, UPDATE, OPTIONS or a rejected INFO), so later digits
// need not wait for it. It returns any digits that this releases.
func (s *InfoSequencer) Skip(cseq uint32, now time.Time) []Event {
	out, _ := s.add(pendingInfo{cseq: cseq, skip: true, since: now}, now)
	return out
}

func (s *InfoSequencer) add(p pendingInfo, now time.Time) ([]Event, error) {
	if int32(p.cseq-s.next) < 0 {
		return nil, ErrLateInfo
	}
	i := sort.Search(len(s.pending), func(i int) bool { return int32(s.pending[i].cseq-p.cseq) >= 0 })
	if i < len(s.pending) && s.pending[i].cseq == p.cseq {
		return nil, ErrLateInfo
	}
	s.pending = append(s.pending, pendingInfo{})
	copy(s.pending[i+1:], s.pending[i:])
	s.pending[i] = p
	return s.Tick(now), nil
}

// Tick releases the digits that are in order, and gives up waiting for a
// missing CSeq once the digit after it has been held for the hold time.
// Call it at Deadline.
func (s *InfoSequencer) Tick(now time.Time) []Event {
	var out []Event
	for len(s.pending) > 0 {
		p := s.pending[0]
		if p.cseq != s.next && now.Sub(p.since) < s.hold {
			break
		}
		s.pending = s.pending[1:]
		s.next = p.cseq + 1
		if !p.skip {
			out = append(out, p.ev)
		}
	}
	return out
}

// Deadline returns when Tick should next be called to release a held digit,
// and false when nothing is held.
func (s *InfoSequencer) Deadline() (time.Time, bool) {
	if len(s.pending) == 0 {
		return time.Time{}, false
	}
	return s.pending[0].since.Add(s.hold), true
}
