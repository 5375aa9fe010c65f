package guard

import (
	"crypto/rand"
	"fmt"
	"hash/maphash"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults New uses for zero Config fields.
const (
	DefaultRealm                = "dezura"
	DefaultNonceLifetime        = 5 * time.Minute
	DefaultInviteRate           = 5 // INVITEs a second per untrusted source
	DefaultInviteBurst          = 20
	DefaultRequestRate          = 50 // requests a second per untrusted source
	DefaultRequestBurst         = 100
	DefaultBanAfterAuthFailures = 5
	DefaultBanAfterDrops        = 200
	DefaultFloodWindow          = 10 * time.Second
	DefaultBanFor               = 10 * time.Minute
	DefaultMaxSources           = 10000
)

// Config is the policy. Zero fields take the defaults above; see each field
// for how to switch a limit off.
type Config struct {
	// Trust lists the prefixes whose requests are answered without
	// authentication and never banned (the trunk's addresses). A nil
	// Trust trusts no one; the --trust default is DefaultTrust().
	Trust []netip.Prefix
	// Secrets are the digest peers (from LoadSecrets). Without any, an
	// INVITE from an untrusted source is refused with 403.
	Secrets Secrets
	// Realm is the digest realm in challenges (default "dezura").
	Realm string
	// Algorithms are offered in this order, one WWW-Authenticate header
	// each (RFC 8760 §2.4: most preferred first), and are the only ones
	// accepted. Default SHA-256 then MD5.
	Algorithms []Algorithm
	// NonceKey is the HMAC key for nonces; nil makes a random one (nonces
	// then die with the process, which only costs a client one extra 401).
	NonceKey []byte
	// NonceLifetime is how long a nonce is good for (default 5 min); an
	// older one gets a stale=true challenge.
	NonceLifetime time.Duration

	// Per untrusted source token buckets: INVITEs, and all requests
	// (INVITEs included). math.Inf(1) switches a limit off.
	InviteRate, InviteBurst   float64
	RequestRate, RequestBurst float64
	// TrustedRequestRate/Burst limit each trusted source; zero (the
	// default) means no limit, so the trunk is never throttled.
	TrustedRequestRate, TrustedRequestBurst float64

	// BanAfterAuthFailures bans a source after this many failed digest
	// attempts (bad user, password, realm, nonce or a malformed header;
	// also INVITEs refused because no secrets are configured, and
	// REGISTERs) with less than BanFor between one failure and the next.
	// Negative: never.
	BanAfterAuthFailures int
	// BanAfterDrops bans a source after this many requests dropped by the
	// rate limits within FloodWindow. Negative: never.
	BanAfterDrops int
	FloodWindow   time.Duration
	// BanFor is how long a ban lasts, from the moment it is imposed
	// (default 10 min); every request in it is dropped unanswered. It is
	// also how long an authentication failure is remembered.
	BanFor time.Duration

	// UntrustedOptions: answer OPTIONS from untrusted sources (Allow) or
	// ignore them (Drop). Default OptionsAnswer.
	UntrustedOptions OptionsPolicy
	// MaxSources bounds the sources remembered (default 10000, about 200
	// bytes each). When full, the least recently seen source is forgotten.
	MaxSources int
}

// Stats are counters since New, and two gauges.
type Stats struct {
	Allowed, Challenged, Forbidden, Dropped uint64 // verdicts returned
	AuthFailures                            uint64 // failed digest attempts
	RateLimited                             uint64 // requests over a rate limit (also in Dropped)
	Bans                                    uint64 // bans imposed
	BannedSources                           int    // sources banned at the time given to Stats
	TrackedSources                          int    // sources remembered
}

// Guard decides, per request, whether dezura answers it. It is safe for
// concurrent use; it starts no goroutines and reads no clock.
type Guard struct {
	trust                   []netip.Prefix
	secrets                 Secrets
	realm                   string
	algs                    []Algorithm
	key                     []byte
	lifetime                time.Duration
	inviteRate, inviteBurst float64
	reqRate, reqBurst       float64
	trustRate, trustBurst   float64
	banAuth, banDrops       int
	floodWindow, banFor     int64
	options                 OptionsPolicy

	seed   maphash.Seed
	shards []shard
	mask   uint64

	allowed, challenged, forbidden, dropped atomic.Uint64
	authFailures, rateLimited, bans         atomic.Uint64
}

// New checks cfg, fills in defaults and returns a Guard. Errors wrap
// ErrBadConfig.
func New(cfg Config) (*Guard, error) {
	g := &Guard{
		secrets:  maps.Clone(cfg.Secrets),
		realm:    orDefault(cfg.Realm, DefaultRealm),
		algs:     slices.Clone(cfg.Algorithms),
		lifetime: orDefault(cfg.NonceLifetime, DefaultNonceLifetime),
		banAuth:  orDefault(cfg.BanAfterAuthFailures, DefaultBanAfterAuthFailures),
		banDrops: orDefault(cfg.BanAfterDrops, DefaultBanAfterDrops),
		options:  orDefault(cfg.UntrustedOptions, OptionsAnswer),
		seed:     maphash.MakeSeed(),
	}
	for _, p := range cfg.Trust {
		if !p.IsValid() {
			return nil, fmt.Errorf("%w: invalid trust prefix", ErrBadConfig)
		}
		g.trust = append(g.trust, p.Masked())
	}
	if strings.ContainsAny(g.realm, "\"\\\r\n") {
		return nil, fmt.Errorf("%w: realm %q has a quote, backslash or line break", ErrBadConfig, g.realm)
	}
	if len(g.algs) == 0 {
		g.algs = []Algorithm{SHA256, MD5}
	}
	for _, a := range g.algs {
		if a < MD5 || a > SHA256Sess {
			return nil, fmt.Errorf("%w: algorithm %d", ErrBadConfig, a)
		}
	}
	for u := range cfg.Secrets {
		if !validUser(u) {
			return nil, fmt.Errorf("%w: peer user name %q", ErrBadConfig, u)
		}
	}
	if cfg.UntrustedOptions > OptionsIgnore {
		return nil, fmt.Errorf("%w: untrusted OPTIONS policy %d", ErrBadConfig, cfg.UntrustedOptions)
	}
	var err error
	if g.inviteRate, g.inviteBurst, err = limit("invite", cfg.InviteRate, cfg.InviteBurst, DefaultInviteRate, DefaultInviteBurst); err != nil {
		return nil, err
	}
	if g.reqRate, g.reqBurst, err = limit("request", cfg.RequestRate, cfg.RequestBurst, DefaultRequestRate, DefaultRequestBurst); err != nil {
		return nil, err
	}
	if g.trustRate, g.trustBurst, err = limit("trusted request", cfg.TrustedRequestRate, cfg.TrustedRequestBurst, math.Inf(1), math.Inf(1)); err != nil {
		return nil, err
	}
	for _, d := range []time.Duration{cfg.NonceLifetime, cfg.FloodWindow, cfg.BanFor} {
		if d < 0 {
			return nil, fmt.Errorf("%w: negative duration %v", ErrBadConfig, d)
		}
	}
	g.floodWindow = int64(orDefault(cfg.FloodWindow, DefaultFloodWindow))
	g.banFor = int64(orDefault(cfg.BanFor, DefaultBanFor))
	if cfg.NonceKey != nil {
		if len(cfg.NonceKey) < 16 {
			return nil, fmt.Errorf("%w: nonce key shorter than 16 bytes", ErrBadConfig)
		}
		g.key = slices.Clone(cfg.NonceKey)
	} else {
		g.key = make([]byte, 32)
		rand.Read(g.key) // never fails (crypto/rand documents it)
	}
	maxSources := orDefault(cfg.MaxSources, DefaultMaxSources)
	if maxSources < 0 {
		return nil, fmt.Errorf("%w: MaxSources %d", ErrBadConfig, maxSources)
	}
	n := 1
	for n < 64 && n*2 <= maxSources/16 {
		n *= 2
	}
	g.shards = make([]shard, n)
	g.mask = uint64(n - 1)
	for i := range g.shards {
		g.shards[i].init(maxSources / n)
	}
	return g, nil
}

// orDefault returns v, or def for the zero value.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func limit(name string, rate, burst, defRate, defBurst float64) (float64, float64, error) {
	if rate < 0 || burst < 0 || math.IsNaN(rate) || math.IsNaN(burst) {
		return 0, 0, fmt.Errorf("%w: %s rate %v burst %v", ErrBadConfig, name, rate, burst)
	}
	rate, burst = orDefault(rate, defRate), orDefault(burst, defBurst)
	if !math.IsInf(rate, 1) && burst < 1 {
		return 0, 0, fmt.Errorf("%w: %s burst %v below 1", ErrBadConfig, name, burst)
	}
	return rate, burst, nil
}

// sourceKey is the address the rate limits, failure counts and bans are
// kept for: the address itself for IPv4, its /64 for IPv6 (one host
// usually has a whole /64, so per-address state would let one scanner
// rotate through 2^64 identities and evict everyone else).
func sourceKey(src netip.Addr) netip.Addr {
	if src.Is6() {
		return netip.PrefixFrom(src, 64).Masked().Addr()
	}
	return src
}

// Trusted reports whether src is in the trust list.
func (g *Guard) Trusted(src netip.Addr) bool {
	return trusted(g.trust, normalizeAddr(src))
}

func (g *Guard) shard(a netip.Addr) *shard {
	return &g.shards[maphash.Comparable(g.seed, a)&g.mask]
}

// Check decides what to do with a request that arrived at now from src
// (the packet's source address, not anything in Via) with the given method
// (as on the request line), Authorization header value ("" if none) and
// Request-URI (as on the request line; "" skips the digest-uri check). For
// Challenge it also returns the WWW-Authenticate header values to send, one
// per algorithm, preferred first; otherwise nil.
//
// Untrusted IPv6 sources are limited and banned per /64 (see sourceKey);
// a nonce is bound to the full address.
//
// The rules, in order:
//   - an invalid src: Drop;
//   - a trusted source: Drop over its limit (if any, and never banned),
//     REGISTER Forbid (dezura is no registrar), anything else Allow;
//   - a banned source: Drop;
//   - over the per-source request limit, or for INVITE the INVITE limit:
//     Drop (BanAfterDrops of those within FloodWindow: banned);
//   - REGISTER: Forbid (403 rather than 405: it says nothing about what
//     dezura is, and needs no Allow header), counted as an auth failure;
//   - OPTIONS: Allow (answer a minimal 200) or Drop, per UntrustedOptions;
//   - ACK, BYE, CANCEL, INFO, PRACK, UPDATE: Allow (they only act on a
//     transaction or dialog that an allowed INVITE made; the stack answers
//     481 for any other);
//   - INVITE without secrets configured: Forbid (an auth failure);
//   - INVITE without Authorization: Challenge;
//   - INVITE with a good digest (realm, algorithm, nonce issued to this
//     source, URI, user and response): Allow; with the right response but
//     an expired nonce: Challenge with stale=true;
//   - INVITE with any other Authorization: an auth failure, Challenge
//     (Forbid instead when it is the failure that bans the source);
//   - any other method: Forbid.
func (g *Guard) Check(now time.Time, src netip.Addr, method, authorization, requestURI string) (Verdict, []string) {
	v, ch := g.check(now, src, method, authorization, requestURI)
	switch v {
	case Allow:
		g.allowed.Add(1)
	case Challenge:
		g.challenged.Add(1)
	case Forbid:
		g.forbidden.Add(1)
	case Drop:
		g.dropped.Add(1)
	}
	return v, ch
}

func (g *Guard) check(now time.Time, src netip.Addr, method, authorization, requestURI string) (Verdict, []string) {
	if !src.IsValid() {
		return Drop, nil
	}
	src = normalizeAddr(src)
	t := now.UnixNano()
	if trusted(g.trust, src) {
		if !math.IsInf(g.trustRate, 1) {
			sh := g.shard(src)
			sh.mu.Lock()
			ok := sh.get(src).all.take(t, g.trustRate, g.trustBurst)
			sh.mu.Unlock()
			if !ok {
				g.rateLimited.Add(1)
				return Drop, nil
			}
		}
		if method == "REGISTER" {
			return Forbid, nil
		}
		return Allow, nil
	}

	key := sourceKey(src)
	sh := g.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s := sh.get(key)
	if s.bannedUntil != 0 {
		if t < s.bannedUntil {
			return Drop, nil
		}
		s.bannedUntil = 0
	}
	if !s.all.take(t, g.reqRate, g.reqBurst) || method == "INVITE" && !s.invite.take(t, g.inviteRate, g.inviteBurst) {
		g.rateLimited.Add(1)
		g.flooded(s, t)
		return Drop, nil
	}
	switch method {
	case "INVITE":
		return g.authenticate(s, now, src, authorization, requestURI)
	case "REGISTER":
		// Nobody can register here, so a REGISTER from outside is a
		// scanner or a guess at credentials: count it like a failed
		// digest (fail2ban does the same for a registrar).
		g.failed(s, t)
		return Forbid, nil
	case "OPTIONS":
		if g.options == OptionsIgnore {
			return Drop, nil
		}
		return Allow, nil
	case "ACK", "BYE", "CANCEL", "INFO", "PRACK", "UPDATE":
		return Allow, nil
	}
	return Forbid, nil
}

// flooded counts a rate-limit drop and bans the source after too many in
// one window.
func (g *Guard) flooded(s *source, t int64) {
	if g.banDrops < 0 {
		return
	}
	if t-s.dropStart > g.floodWindow || t < s.dropStart {
		s.dropStart, s.drops = t, 0
	}
	s.drops++
	if s.drops >= g.banDrops {
		g.ban(s, t)
	}
}

func (g *Guard) ban(s *source, t int64) {
	s.bannedUntil = t + g.banFor
	s.failures, s.drops = 0, 0
	g.bans.Add(1)
}

// failed counts a failed attempt and reports whether it banned the source.
func (g *Guard) failed(s *source, t int64) bool {
	g.authFailures.Add(1)
	if g.banAuth < 0 {
		return false
	}
	if t-s.lastFailure > g.banFor {
		s.failures = 0
	}
	s.failures++
	s.lastFailure = t
	if s.failures >= g.banAuth {
		g.ban(s, t)
		return true
	}
	return false
}

// authFailed counts a failed INVITE attempt: Forbid when that banned the
// source or no secrets are configured, else Challenge with a fresh nonce
// (the client may retry with its user's typo fixed; a scanner learns
// nothing).
func (g *Guard) authFailed(s *source, now time.Time, src netip.Addr) (Verdict, []string) {
	if g.failed(s, now.UnixNano()) || len(g.secrets) == 0 {
		return Forbid, nil
	}
	return Challenge, g.challenges(now, src, false)
}

func (g *Guard) challenges(now time.Time, src netip.Addr, stale bool) []string {
	nonce := makeNonce(g.key, now, src)
	out := make([]string, len(g.algs))
	for i, a := range g.algs {
		out[i] = challenge(g.realm, nonce, a, stale)
	}
	return out
}

// dummySecret is hashed for an unknown user so that the work done does not
// tell a scanner which users exist.
const dummySecret = "dezura-no-such-user"

// authenticate applies the INVITE rules of Check for an untrusted source
// (RFC 3261 §22.2, §22.4; RFC 7616 §3.4).
func (g *Guard) authenticate(s *source, now time.Time, src netip.Addr, authorization, requestURI string) (Verdict, []string) {
	if len(g.secrets) == 0 {
		return g.authFailed(s, now, src)
	}
	if authorization == "" {
		return Challenge, g.challenges(now, src, false)
	}
	c, err := ParseCredentials(authorization)
	if err != nil || c.Realm != g.realm || c.UserHash || !slices.Contains(g.algs, c.Algorithm) ||
		!(c.QOP == "" || c.QOP == "auth" && c.NC != "" && c.CNonce != "") ||
		(c.Algorithm.sess() && c.CNonce == "") ||
		!uriMatch(c.URI, requestURI) {
		return g.authFailed(s, now, src)
	}
	state := checkNonce(g.key, c.Nonce, now, src, g.lifetime)
	if state == nonceInvalid {
		return g.authFailed(s, now, src)
	}
	secret, known := g.secrets[c.Username]
	if !known {
		secret = dummySecret
	}
	if !responseEqual(c.Response, DigestResponse(c, secret, "INVITE")) || !known {
		return g.authFailed(s, now, src)
	}
	if state == nonceStale {
		return Challenge, g.challenges(now, src, true)
	}
	s.failures = 0
	return Allow, nil
}

// uriMatch checks the digest-uri against the Request-URI (RFC 2617
// §3.2.2.5), ignoring case and enclosing angle brackets, since a stack may
// re-serialise the Request-URI with its scheme or host in another case.
// An empty requestURI (not known to the caller) matches anything.
func uriMatch(digestURI, requestURI string) bool {
	if requestURI == "" {
		return true
	}
	trim := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
			s = s[1 : len(s)-1]
		}
		return s
	}
	return strings.EqualFold(trim(digestURI), trim(requestURI))
}

// Stats returns the counters, and the number of sources banned at now.
func (g *Guard) Stats(now time.Time) Stats {
	st := Stats{
		Allowed:      g.allowed.Load(),
		Challenged:   g.challenged.Load(),
		Forbidden:    g.forbidden.Load(),
		Dropped:      g.dropped.Load(),
		AuthFailures: g.authFailures.Load(),
		RateLimited:  g.rateLimited.Load(),
		Bans:         g.bans.Load(),
	}
	t := now.UnixNano()
	for i := range g.shards {
		sh := &g.shards[i]
		sh.mu.Lock()
		st.TrackedSources += len(sh.m)
		for _, s := range sh.m {
			if s.bannedUntil != 0 && t < s.bannedUntil {
				st.BannedSources++
			}
		}
		sh.mu.Unlock()
	}
	return st
}
