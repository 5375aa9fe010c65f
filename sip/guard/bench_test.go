package guard

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// The trunk's path: no lock, no allocation.
func BenchmarkCheckTrusted(b *testing.B) {
	g := newGuard(b, testConfig())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if v, _ := g.Check(t0, trunk, "INVITE", "", inviteTo); v != Allow {
				b.Fatal(v)
			}
		}
	})
}

// A flood of OPTIONS from 100,000 addresses into a 10,000-source table:
// lookups, evictions and buckets under the shard locks.
func BenchmarkCheckFloodManySources(b *testing.B) {
	g := newGuard(b, testConfig())
	rng := rand.New(rand.NewPCG(3, 4))
	srcs := make([]netip.Addr, 100000)
	for i := range srcs {
		srcs[i] = netip.AddrFrom4([4]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())})
	}
	var next atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := next.Add(1) * 7919
		for pb.Next() {
			i++
			g.Check(t0.Add(time.Duration(i)), srcs[i%uint64(len(srcs))], "OPTIONS", "", "")
		}
	})
}

// An INVITE without credentials: a nonce and two challenges.
func BenchmarkCheckChallenge(b *testing.B) {
	cfg := testConfig()
	cfg.InviteRate, cfg.RequestRate = math.Inf(1), math.Inf(1)
	g := newGuard(b, cfg)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if v, _ := g.Check(t0, peer, "INVITE", "", inviteTo); v != Challenge {
				b.Fatal(v)
			}
		}
	})
}

// An INVITE with a good SHA-256 digest: parse, nonce check, response.
func BenchmarkCheckDigest(b *testing.B) {
	cfg := testConfig()
	cfg.InviteRate, cfg.RequestRate = math.Inf(1), math.Inf(1)
	g := newGuard(b, cfg)
	a := auth(authOpts{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if v, _ := g.Check(t0, peer, "INVITE", a, inviteTo); v != Allow {
				b.Fatal(v)
			}
		}
	})
}

func BenchmarkParseCredentials(b *testing.B) {
	a := auth(authOpts{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseCredentials(a); err != nil {
			b.Fatal(err)
		}
	}
}
