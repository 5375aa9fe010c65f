package sip

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dezura/dezura/sip/uring"
)

// maxBurst is how many late ticks a shard sends back to back after a stall
// before it skips frames (counted, and the RTP timestamps jump so the
// receiver sees the gap instead of a burst).
const maxBurst = 3

// scheduler is the shared media clock: one goroutine per shard (one shard
// per CPU) wakes every 20 ms on a drift-free deadline and sends the next
// frame of every call in the shard. There is no timer per call.
type scheduler struct {
	shards []*shard
	ring   bool // shards send through an io_uring send ring when they can
	rr     atomic.Uint32
	wg     sync.WaitGroup
}

// shard is one scheduler goroutine and its calls.
type shard struct {
	mu      sync.Mutex
	calls   []*outbound
	scratch []*outbound
	wake    chan struct{}
	phase   time.Time // the shard ticks at phase + n*FramePeriod

	// The send ring, owned by the shard goroutine (nil: sendto per
	// packet), and the calls and results of the sends it holds.
	ring    *uring.Ring
	queued  []*outbound
	results []int32

	ticks   atomic.Uint64
	skipped atomic.Uint64
	late    atomic.Uint64 // ticks sent more than lateAfter past their deadline

	ringUsed   atomic.Bool   // the shard sends through io_uring
	ringErrors atomic.Uint64 // ring failures (the shard then uses sendto)
}

// lateAfter is how far past its deadline a tick counts as late.
const lateAfter = FramePeriod / 4

// sendRingEntries is a shard's send ring size: a tick submits at most
// this many sends per io_uring_enter, and more calls take more of them.
const sendRingEntries = 512

// newScheduler returns a scheduler of shards goroutines (0: one per
// CPU); ring asks them to send through io_uring where it can be set up.
func newScheduler(shards int, ring bool) *scheduler {
	if shards <= 0 {
		shards = runtime.GOMAXPROCS(0)
	}
	s := &scheduler{ring: ring}
	epoch := time.Now()
	for k := range shards {
		s.shards = append(s.shards, &shard{wake: make(chan struct{}, 1),
			phase: epoch.Add(time.Duration(k) * FramePeriod / time.Duration(shards))})
	}
	return s
}

// firstTick is when a shard that gets a call at now sends its first
// frame: the next instant on its own phase. The shards' phases are spread
// evenly over the 20 ms, so their ticks take turns on the CPUs instead of
// all waking at once and queueing behind each other, which would make
// which calls go first, and so their packets' lateness, vary from tick to
// tick.
func (sh *shard) firstTick(now time.Time) time.Time {
	since := now.Sub(sh.phase) % FramePeriod
	if since < 0 {
		since += FramePeriod
	}
	if since == 0 {
		return now
	}
	return now.Add(FramePeriod - since)
}

// start runs the shard goroutines until ctx ends; wait waits for them.
func (s *scheduler) start(ctx context.Context) {
	for _, sh := range s.shards {
		s.wg.Go(func() {
			if s.ring {
				if r, err := uring.New(sendRingEntries); err == nil {
					sh.ring = r
					sh.ringUsed.Store(true)
					defer func() {
						if sh.ring != nil {
							sh.ring.Close()
						}
					}()
				}
			}
			sh.run(ctx)
		})
	}
}

func (s *scheduler) wait() { s.wg.Wait() }

// add puts o on the least loaded shard and returns a function that
// removes it.
func (s *scheduler) add(o *outbound) (remove func()) {
	best := s.shards[int(s.rr.Add(1))%len(s.shards)]
	bestN := best.len()
	for _, sh := range s.shards {
		if n := sh.len(); n < bestN {
			best, bestN = sh, n
		}
	}
	best.add(o)
	return func() { best.remove(o) }
}

func (sh *shard) len() int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return len(sh.calls)
}

func (sh *shard) add(o *outbound) {
	sh.mu.Lock()
	sh.calls = append(sh.calls, o)
	sh.mu.Unlock()
	select {
	case sh.wake <- struct{}{}:
	default:
	}
}

func (sh *shard) remove(o *outbound) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for i, c := range sh.calls {
		if c == o {
			last := len(sh.calls) - 1
			sh.calls[i] = sh.calls[last]
			sh.calls[last] = nil
			sh.calls = sh.calls[:last]
			return
		}
	}
}

// run is the shard loop. While the shard has calls it ticks on
// p.deadline(n); when it has none it sleeps until a call is added.
func (sh *shard) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if sh.len() == 0 {
			select {
			case <-ctx.Done():
				return
			case <-sh.wake:
				continue
			}
		}
		p := newPacer(sh.firstTick(time.Now()), FramePeriod)
		for sh.len() > 0 {
			now := time.Now()
			first := p.next
			run, skipped := p.advance(now, maxBurst)
			if skipped > 0 {
				sh.skipped.Add(uint64(skipped))
			}
			if run > 0 {
				// Ticks first+skipped .. p.next-1 run now; count those
				// whose deadline passed more than lateAfter ago.
				for n := first + int64(skipped); n < p.next; n++ {
					if now.Sub(p.deadline(n)) > lateAfter {
						sh.late.Add(1)
					}
				}
			}
			for i := range run {
				if i == 0 {
					sh.tick(skipped)
				} else {
					sh.tick(0)
				}
			}
			if run > 0 {
				sh.poll(time.Now(), uint64(p.next))
			}
			timer.Reset(time.Until(p.deadline(p.next)))
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
	}
}

// tick sends one frame for every call of the shard. The call list is
// copied into a reused slice so Play and add/remove never wait for sends.
func (sh *shard) tick(skipped int) {
	sh.mu.Lock()
	sh.scratch = append(sh.scratch[:0], sh.calls...)
	sh.mu.Unlock()
	if sh.ring != nil {
		sh.tickRing(skipped)
	} else {
		for _, o := range sh.scratch {
			o.tick(skipped)
		}
	}
	// The tick is counted before anyone hears of its end: Hangup waits on
	// a playlist's done, and MediaStats read after the BYE must include
	// the tick that sent the last frame.
	sh.ticks.Add(1)
	// Only now are the playlists that ended this tick over: their last
	// frames have left, whichever way they were sent.
	for _, o := range sh.scratch {
		o.frameSent()
	}
	clear(sh.scratch)
}

// pollEvery is how many ticks apart a call's socket is read. Reading
// every other tick halves the receive syscalls (each costs about a
// microsecond of entry and exit on top of the packets it returns) and
// delays a digit by at most one frame; the arrival time of each packet is
// the kernel's stamp, so jitter and timeouts are measured as before.
// Calls are spread over the phases so every tick reads about the same
// number of sockets.
const pollEvery = 2

// poll reads what the shard's calls received since their last read (calls
// whose reception the shard drives; see Call.pollLoop): on tick n, those
// whose phase is n mod pollEvery.
func (sh *shard) poll(now time.Time, n uint64) {
	sh.mu.Lock()
	sh.scratch = append(sh.scratch[:0], sh.calls...)
	sh.mu.Unlock()
	for _, o := range sh.scratch {
		if ps := o.rx.Load(); ps != nil && (n+uint64(ps.phase))%pollEvery == 0 {
			ps.poll(now)
		}
	}
	clear(sh.scratch)
}
