package guard

import (
	"net/netip"
	"sync"
)

// source is what the guard remembers about one untrusted (or rate-limited
// trusted) address. Entries live in a per-shard LRU list so the table never
// holds more than its capacity: a flood from many addresses evicts the
// sources seen least recently, and a banned source that keeps sending stays
// at the front (and banned).
type source struct {
	addr        netip.Addr
	all, invite bucket
	bannedUntil int64 // Unix ns; 0 when not banned
	failures    int   // authentication failures since failStart
	lastFailure int64
	drops       int // rate-limit drops since dropStart
	dropStart   int64
	prev, next  *source
}

// shard is one lock's worth of the source table.
type shard struct {
	mu   sync.Mutex
	m    map[netip.Addr]*source
	root source // sentinel: root.next is the most recently used
	cap  int
	_    [64]byte // keep neighbouring shards' locks off one cache line
}

func (sh *shard) init(capacity int) {
	sh.cap = capacity
	sh.m = make(map[netip.Addr]*source, min(capacity, 1024))
	sh.root.next, sh.root.prev = &sh.root, &sh.root
}

// get returns the entry for addr, creating it (and evicting the least
// recently used entry when the shard is full), and marks it most recently
// used. The caller holds sh.mu.
func (sh *shard) get(addr netip.Addr) *source {
	if s, ok := sh.m[addr]; ok {
		if sh.root.next != s {
			sh.unlink(s)
			sh.pushFront(s)
		}
		return s
	}
	var s *source
	if len(sh.m) >= sh.cap {
		s = sh.root.prev
		sh.unlink(s)
		delete(sh.m, s.addr)
		*s = source{}
	} else {
		s = new(source)
	}
	s.addr = addr
	sh.m[addr] = s
	sh.pushFront(s)
	return s
}

func (sh *shard) unlink(s *source) {
	s.prev.next = s.next
	s.next.prev = s.prev
	s.prev, s.next = nil, nil
}

func (sh *shard) pushFront(s *source) {
	s.prev = &sh.root
	s.next = sh.root.next
	sh.root.next.prev = s
	sh.root.next = s
}
