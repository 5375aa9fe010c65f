package guard

import (
	"errors"
	"math"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	t0       = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	trunk    = netip.MustParseAddr("192.0.2.10")
	peer     = netip.MustParseAddr("198.51.100.7")
	other    = netip.MustParseAddr("203.0.113.99")
	testKey  = []byte("0123456789abcdef0123456789abcdef")
	inviteTo = "sip:0501234567@192.0.2.1:5060"
)

func testConfig() Config {
	return Config{
		Trust:    []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		Secrets:  Secrets{"pbx": "s3cret", "branch": "other"},
		NonceKey: testKey,
	}
}

func newGuard(t testing.TB, cfg Config) *Guard {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// auth builds a client's Authorization value for a nonce issued to src at
// issued; edit lets a case spoil one field after the response is computed
// (edit==nil) or before (via pre).
type authOpts struct {
	user, secret, realm, uri string
	src                      netip.Addr
	issued                   time.Time
	alg                      Algorithm
	qop                      string
	nonce                    string // overrides the issued nonce
	pre                      func(*Credentials)
	post                     func(*Credentials)
}

func auth(o authOpts) string {
	c := Credentials{
		Username: "pbx", Realm: DefaultRealm, URI: inviteTo, Algorithm: SHA256, AlgorithmName: "SHA-256",
		CNonce: "c0ffee", NC: "00000001", QOP: "auth",
	}
	if o.user != "" {
		c.Username = o.user
	}
	if o.realm != "" {
		c.Realm = o.realm
	}
	if o.uri != "" {
		c.URI = o.uri
	}
	if o.alg != AlgorithmUnknown {
		c.Algorithm, c.AlgorithmName = o.alg, o.alg.String()
	}
	if o.qop == "none" {
		c.QOP, c.NC, c.CNonce = "", "", ""
	} else if o.qop != "" {
		c.QOP = o.qop
	}
	src := o.src
	if !src.IsValid() {
		src = peer
	}
	issued := o.issued
	if issued.IsZero() {
		issued = t0
	}
	c.Nonce = makeNonce(testKey, issued, src)
	if o.nonce != "" {
		c.Nonce = o.nonce
	}
	secret := o.secret
	if secret == "" {
		secret = "s3cret"
	}
	if o.pre != nil {
		o.pre(&c)
	}
	c.Response = DigestResponse(c, secret, "INVITE")
	if o.post != nil {
		o.post(&c)
	}
	return c.String()
}

func TestCheckRules(t *testing.T) {
	noSecrets := func(c *Config) { c.Secrets = nil }
	ignoreOptions := func(c *Config) { c.UntrustedOptions = OptionsIgnore }
	md5Only := func(c *Config) { c.Algorithms = []Algorithm{MD5} }
	future := make([]byte, nonceRawLen)
	for _, tc := range []struct {
		name   string
		cfg    func(*Config)
		src    netip.Addr
		method string
		authz  string
		uri    string // "" means inviteTo; "-" means empty
		want   Verdict
		stale  bool
	}{
		{name: "trusted INVITE", src: trunk, method: "INVITE", want: Allow},
		{name: "trusted INVITE with junk Authorization", src: trunk, method: "INVITE", authz: "Digest junk", want: Allow},
		{name: "trusted INVITE, no secrets", cfg: noSecrets, src: trunk, method: "INVITE", want: Allow},
		{name: "trusted v4-mapped INVITE", src: netip.MustParseAddr("::ffff:192.0.2.10"), method: "INVITE", want: Allow},
		{name: "trusted REGISTER", src: trunk, method: "REGISTER", want: Forbid},
		{name: "trusted OPTIONS", cfg: ignoreOptions, src: trunk, method: "OPTIONS", want: Allow},
		{name: "trusted BYE", src: trunk, method: "BYE", want: Allow},
		{name: "trusted MESSAGE", src: trunk, method: "MESSAGE", want: Allow},
		{name: "invalid source", src: netip.Addr{}, method: "INVITE", want: Drop},
		{name: "untrusted REGISTER", src: peer, method: "REGISTER", want: Forbid},
		{name: "untrusted REGISTER with good digest", src: peer, method: "REGISTER", authz: auth(authOpts{}), want: Forbid},
		{name: "untrusted OPTIONS answered", src: peer, method: "OPTIONS", want: Allow},
		{name: "untrusted OPTIONS ignored", cfg: ignoreOptions, src: peer, method: "OPTIONS", want: Drop},
		{name: "untrusted ACK", src: peer, method: "ACK", want: Allow},
		{name: "untrusted BYE", src: peer, method: "BYE", want: Allow},
		{name: "untrusted CANCEL", src: peer, method: "CANCEL", want: Allow},
		{name: "untrusted INFO", src: peer, method: "INFO", want: Allow},
		{name: "untrusted MESSAGE", src: peer, method: "MESSAGE", want: Forbid},
		{name: "untrusted SUBSCRIBE", src: peer, method: "SUBSCRIBE", want: Forbid},
		{name: "untrusted lower-case invite", src: peer, method: "invite", want: Forbid},
		{name: "untrusted INVITE, no secrets", cfg: noSecrets, src: peer, method: "INVITE", want: Forbid},
		{name: "untrusted INVITE, no secrets, with digest", cfg: noSecrets, src: peer, method: "INVITE", authz: auth(authOpts{}), want: Forbid},
		{name: "INVITE without Authorization", src: peer, method: "INVITE", want: Challenge},
		{name: "good SHA-256", src: peer, method: "INVITE", authz: auth(authOpts{}), want: Allow},
		{name: "good MD5", src: peer, method: "INVITE", authz: auth(authOpts{alg: MD5}), want: Allow},
		{name: "good MD5 without algorithm parameter", src: peer, method: "INVITE", authz: auth(authOpts{alg: MD5, post: func(c *Credentials) { c.AlgorithmName = "" }}), want: Allow},
		{name: "good SHA-256 without qop (RFC 2069)", src: peer, method: "INVITE", authz: auth(authOpts{qop: "none"}), want: Allow},
		{name: "good, upper-case hex", src: peer, method: "INVITE", authz: auth(authOpts{post: func(c *Credentials) { c.Response = strings.ToUpper(c.Response) }}), want: Allow},
		{name: "good, other user", src: peer, method: "INVITE", authz: auth(authOpts{user: "branch", secret: "other"}), want: Allow},
		{name: "good, URI case and brackets differ", src: peer, method: "INVITE", authz: auth(authOpts{uri: "<SIP:0501234567@192.0.2.1:5060>"}), want: Allow},
		{name: "good, Request-URI unknown", src: peer, method: "INVITE", authz: auth(authOpts{uri: "sip:anything"}), uri: "-", want: Allow},
		{name: "good, nonce 4 min old", src: peer, method: "INVITE", authz: auth(authOpts{issued: t0.Add(-4 * time.Minute)}), want: Allow},
		{name: "good, nonce from IPv4-mapped form", src: netip.MustParseAddr("::ffff:198.51.100.7"), method: "INVITE", authz: auth(authOpts{}), want: Allow},
		{name: "MD5 offered only, SHA-256 answer", cfg: md5Only, src: peer, method: "INVITE", authz: auth(authOpts{}), want: Challenge},
		{name: "MD5 offered only, MD5 answer", cfg: md5Only, src: peer, method: "INVITE", authz: auth(authOpts{alg: MD5}), want: Allow},
		{name: "-sess not offered", src: peer, method: "INVITE", authz: auth(authOpts{alg: SHA256Sess}), want: Challenge},
		{name: "wrong secret", src: peer, method: "INVITE", authz: auth(authOpts{secret: "guess"}), want: Challenge},
		{name: "unknown user", src: peer, method: "INVITE", authz: auth(authOpts{user: "admin"}), want: Challenge},
		{name: "unknown user with dummy secret", src: peer, method: "INVITE", authz: auth(authOpts{user: "admin", secret: dummySecret}), want: Challenge},
		{name: "wrong realm", src: peer, method: "INVITE", authz: auth(authOpts{realm: "asterisk"}), want: Challenge},
		{name: "nonce issued to another source", src: peer, method: "INVITE", authz: auth(authOpts{src: other}), want: Challenge},
		{name: "forged nonce", src: peer, method: "INVITE", authz: auth(authOpts{nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093"}), want: Challenge},
		{name: "nonce of right length, bad MAC", src: peer, method: "INVITE", authz: auth(authOpts{nonce: strings.Repeat("A", 32)}), want: Challenge},
		{name: "nonce from the future", src: peer, method: "INVITE", authz: auth(authOpts{issued: t0.Add(time.Minute)}), want: Challenge},
		{name: "nonce with zero MAC", src: peer, method: "INVITE", authz: auth(authOpts{nonce: string(future)}), want: Challenge},
		{name: "digest URI is not the Request-URI", src: peer, method: "INVITE", authz: auth(authOpts{uri: "sip:0120000000@192.0.2.1"}), want: Challenge},
		{name: "qop auth-int", src: peer, method: "INVITE", authz: auth(authOpts{qop: "auth-int"}), want: Challenge},
		{name: "qop auth without cnonce", src: peer, method: "INVITE", authz: auth(authOpts{post: func(c *Credentials) { c.CNonce = "" }}), want: Challenge},
		{name: "userhash", src: peer, method: "INVITE", authz: auth(authOpts{post: func(c *Credentials) { c.UserHash = true }}), want: Challenge},
		{name: "response tampered", src: peer, method: "INVITE", authz: auth(authOpts{post: func(c *Credentials) { c.NC = "00000002" }}), want: Challenge},
		{name: "malformed Authorization", src: peer, method: "INVITE", authz: `Digest username="pbx", realm=`, want: Challenge},
		{name: "Basic Authorization", src: peer, method: "INVITE", authz: `Basic cGJ4OnMzY3JldA==`, want: Challenge},
		{name: "stale nonce, right response", src: peer, method: "INVITE", authz: auth(authOpts{issued: t0.Add(-6 * time.Minute)}), want: Challenge, stale: true},
		{name: "stale nonce, wrong response", src: peer, method: "INVITE", authz: auth(authOpts{issued: t0.Add(-6 * time.Minute), secret: "guess"}), want: Challenge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			g := newGuard(t, cfg)
			uri := inviteTo
			switch tc.uri {
			case "-":
				uri = ""
			case "":
			default:
				uri = tc.uri
			}
			v, ch := g.Check(t0, tc.src, tc.method, tc.authz, uri)
			if v != tc.want {
				t.Fatalf("verdict %v, want %v", v, tc.want)
			}
			if v != Challenge {
				if ch != nil {
					t.Fatalf("challenges with %v: %q", v, ch)
				}
				return
			}
			algs := cfg.Algorithms
			if algs == nil {
				algs = []Algorithm{SHA256, MD5}
			}
			if len(ch) != len(algs) {
				t.Fatalf("%d challenges, want %d: %q", len(ch), len(algs), ch)
			}
			for i, c := range ch {
				p := parseChallenge(t, c)
				if p["realm"] != DefaultRealm || p["algorithm"] != algs[i].String() || p["qop"] != "auth" || p["nonce"] == "" {
					t.Errorf("challenge %q", c)
				}
				if (p["stale"] == "true") != tc.stale {
					t.Errorf("stale in %q, want %v", c, tc.stale)
				}
				if !strings.Contains(c, `qop="auth"`) {
					t.Errorf("qop-options not quoted (RFC 3261 §25.1): %q", c)
				}
				if checkNonce(testKey, p["nonce"], t0, normalizeAddr(tc.src), DefaultNonceLifetime) != nonceValid {
					t.Errorf("challenge nonce not valid for the source")
				}
			}
		})
	}
}

// The whole exchange a digest peer goes through: INVITE, 401, INVITE with
// credentials computed from the challenge (each algorithm offered), 200.
func TestChallengeAnswerRoundTrip(t *testing.T) {
	g := newGuard(t, testConfig())
	v, ch := g.Check(t0, peer, "INVITE", "", inviteTo)
	if v != Challenge {
		t.Fatalf("first INVITE: %v", v)
	}
	for _, c := range ch {
		a := answer(t, c, "pbx", "s3cret", "INVITE", inviteTo)
		if v, _ := g.Check(t0.Add(time.Second), peer, "INVITE", a, inviteTo); v != Allow {
			t.Errorf("answer to %q: %v", c, v)
		}
		// The same answer from another address is refused (the nonce is bound to the source).
		if v, _ := g.Check(t0.Add(time.Second), other, "INVITE", a, inviteTo); v != Challenge {
			t.Errorf("answer from another source: %v", v)
		}
	}
	// A nonce from a guard with another key (another process) is refused.
	g2 := newGuard(t, Config{Secrets: testConfig().Secrets})
	a := answer(t, ch[0], "pbx", "s3cret", "INVITE", inviteTo)
	if v, _ := g2.Check(t0, peer, "INVITE", a, inviteTo); v != Challenge {
		t.Errorf("nonce of another key: %v", v)
	}
}

func TestBanAfterAuthFailures(t *testing.T) {
	cfg := testConfig()
	cfg.BanAfterAuthFailures = 3
	cfg.BanFor = time.Minute
	g := newGuard(t, cfg)
	now := t0
	bad := auth(authOpts{secret: "guess"})
	for i, want := range []Verdict{Challenge, Challenge, Forbid, Drop, Drop} {
		if v, _ := g.Check(now, peer, "INVITE", bad, inviteTo); v != want {
			t.Fatalf("attempt %d: %v, want %v", i+1, v, want)
		}
	}
	// Banned: even a good digest, an OPTIONS or a BYE is dropped; other sources are unaffected.
	for _, m := range []string{"INVITE", "OPTIONS", "BYE"} {
		if v, _ := g.Check(now.Add(59*time.Second), peer, m, auth(authOpts{}), inviteTo); v != Drop {
			t.Errorf("banned %s: %v", m, v)
		}
	}
	if v, _ := g.Check(now, other, "INVITE", auth(authOpts{src: other}), inviteTo); v != Allow {
		t.Errorf("other source: %v", v)
	}
	if v, _ := g.Check(now, trunk, "INVITE", "", inviteTo); v != Allow {
		t.Errorf("trunk: %v", v)
	}
	st := g.Stats(now)
	if st.Bans != 1 || st.BannedSources != 1 || st.AuthFailures != 3 {
		t.Errorf("stats %+v", st)
	}
	if g.Stats(now.Add(time.Minute)).BannedSources != 0 {
		t.Error("ban not expired in Stats")
	}
	// After BanFor the source starts again with a clean slate.
	now = now.Add(time.Minute)
	if v, _ := g.Check(now, peer, "INVITE", auth(authOpts{issued: now}), inviteTo); v != Allow {
		t.Errorf("after the ban: %v", v)
	}
	for i, want := range []Verdict{Challenge, Challenge, Forbid} {
		if v, _ := g.Check(now, peer, "INVITE", bad, inviteTo); v != want {
			t.Fatalf("after the ban, attempt %d: %v, want %v", i+1, v, want)
		}
	}
}

func TestAuthFailuresForgottenAndReset(t *testing.T) {
	cfg := testConfig()
	cfg.BanAfterAuthFailures = 3
	cfg.BanFor = time.Minute
	g := newGuard(t, cfg)
	bad := auth(authOpts{secret: "guess"})
	now := t0
	// Failures more than BanFor apart never add up.
	for i := range 10 {
		now = now.Add(61 * time.Second)
		if v, _ := g.Check(now, peer, "INVITE", bad, inviteTo); v != Challenge {
			t.Fatalf("spread failure %d: %v", i, v)
		}
	}
	// A success clears the count: 2 bad, good, 2 bad is no ban.
	now = now.Add(2 * time.Minute)
	seq := []string{bad, bad, auth(authOpts{issued: now}), bad, bad}
	for i, a := range seq {
		v, _ := g.Check(now, peer, "INVITE", a, inviteTo)
		if v == Forbid || v == Drop {
			t.Fatalf("step %d: %v", i, v)
		}
	}
	if g.Stats(now).Bans != 0 {
		t.Error("banned")
	}
	// BanAfterAuthFailures < 0: never banned.
	cfg.BanAfterAuthFailures = -1
	g = newGuard(t, cfg)
	for i := range 50 {
		if v, _ := g.Check(t0.Add(time.Duration(i)*time.Second), peer, "INVITE", bad, inviteTo); v != Challenge {
			t.Fatalf("attempt %d: %v", i, v)
		}
	}
}

// A scanner sending INVITEs when no secrets are configured gets 403s and is
// then banned.
func TestNoSecretsScannerBanned(t *testing.T) {
	cfg := testConfig()
	cfg.Secrets = nil
	g := newGuard(t, cfg)
	for i := range DefaultBanAfterAuthFailures {
		if v, _ := g.Check(t0, peer, "INVITE", "", inviteTo); v != Forbid {
			t.Fatalf("INVITE %d: %v", i, v)
		}
	}
	if v, _ := g.Check(t0, peer, "INVITE", "", inviteTo); v != Drop {
		t.Fatalf("after %d: %v", DefaultBanAfterAuthFailures, v)
	}
}

// REGISTER scanners are banned like password guessers; the trunk's
// REGISTERs are refused but never count.
func TestRegisterScannerBanned(t *testing.T) {
	g := newGuard(t, testConfig())
	for i := range DefaultBanAfterAuthFailures {
		now := t0.Add(time.Duration(i) * time.Second)
		if v, _ := g.Check(now, peer, "REGISTER", auth(authOpts{}), "sip:192.0.2.1"); v != Forbid {
			t.Fatalf("REGISTER %d: %v", i, v)
		}
		if v, _ := g.Check(now, trunk, "REGISTER", "", "sip:192.0.2.1"); v != Forbid {
			t.Fatalf("trunk REGISTER %d: %v", i, v)
		}
	}
	if v, _ := g.Check(t0.Add(time.Minute), peer, "OPTIONS", "", ""); v != Drop {
		t.Errorf("after %d REGISTERs: %v", DefaultBanAfterAuthFailures, v)
	}
	if v, _ := g.Check(t0.Add(time.Minute), trunk, "INVITE", "", inviteTo); v != Allow {
		t.Errorf("trunk: %v", v)
	}
}

// An IPv6 scanner cannot step around a ban inside its /64.
func TestIPv6BannedPer64(t *testing.T) {
	g := newGuard(t, testConfig())
	first := netip.MustParseAddr("2001:db8:1:2::1")
	for i := range DefaultBanAfterAuthFailures {
		src := netip.AddrFrom16(first.As16())
		b := src.As16()
		b[15] = byte(i)
		g.Check(t0, netip.AddrFrom16(b), "REGISTER", "", "sip:x")
	}
	for _, tc := range []struct {
		src  string
		want Verdict
	}{
		{"2001:db8:1:2::1", Drop},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", Drop},
		{"2001:db8:1:3::1", Allow},
		{"2001:db8:1:1::1", Allow},
	} {
		if v, _ := g.Check(t0, netip.MustParseAddr(tc.src), "OPTIONS", "", ""); v != tc.want {
			t.Errorf("%s: %v, want %v", tc.src, v, tc.want)
		}
	}
	// A nonce issued to one address of the /64 is not good for another.
	a := auth(authOpts{src: netip.MustParseAddr("2001:db8:5::1")})
	if v, _ := g.Check(t0, netip.MustParseAddr("2001:db8:5::2"), "INVITE", a, inviteTo); v != Challenge {
		t.Errorf("nonce from a neighbour: %v", v)
	}
	if v, _ := g.Check(t0, netip.MustParseAddr("2001:db8:5::1"), "INVITE", a, inviteTo); v != Allow {
		t.Errorf("nonce from its address: %v", v)
	}
}

// One source floods at one instant: the burst passes, the rest is dropped,
// it is banned after BanAfterDrops drops, and the trunk's calls all go
// through in between.
func TestFloodFromOneSource(t *testing.T) {
	cfg := testConfig()
	cfg.RequestRate, cfg.RequestBurst = 10, 20
	cfg.InviteRate, cfg.InviteBurst = 1, 5
	cfg.BanAfterDrops = 100
	cfg.FloodWindow = 10 * time.Second
	cfg.BanFor = time.Hour
	g := newGuard(t, cfg)
	now := t0
	counts := map[Verdict]int{}
	for i := range 1000 {
		v, _ := g.Check(now, peer, "OPTIONS", "", inviteTo)
		counts[v]++
		if i%10 == 0 {
			if v, _ := g.Check(now, trunk, "INVITE", "", inviteTo); v != Allow {
				t.Fatalf("trunk INVITE during the flood: %v", v)
			}
		}
	}
	if counts[Allow] != 20 || counts[Drop] != 980 {
		t.Errorf("verdicts %v, want 20 allowed then drops", counts)
	}
	st := g.Stats(now)
	if st.Bans != 1 || st.BannedSources != 1 || st.RateLimited != 100 {
		t.Errorf("stats %+v (the 100th rate-limited request bans; the rest are dropped as banned)", st)
	}
	// Still banned an hour less a second later; free an hour later, with a full bucket.
	if v, _ := g.Check(now.Add(time.Hour-time.Second), peer, "OPTIONS", "", ""); v != Drop {
		t.Errorf("during the ban: %v", v)
	}
	now = now.Add(time.Hour)
	for i := range 20 {
		if v, _ := g.Check(now, peer, "OPTIONS", "", ""); v != Allow {
			t.Fatalf("after the ban %d: %v", i, v)
		}
	}
}

func TestTokenBucketRefill(t *testing.T) {
	cfg := testConfig()
	cfg.RequestRate, cfg.RequestBurst = 10, 1
	cfg.BanAfterDrops = -1
	g := newGuard(t, cfg)
	for i, step := range []struct {
		at   time.Duration
		want Verdict
	}{
		{0, Allow},
		{50 * time.Millisecond, Drop},
		{100 * time.Millisecond, Allow},
		{150 * time.Millisecond, Drop},
		{100 * time.Millisecond, Drop}, // the clock went back: no new tokens
		{200 * time.Millisecond, Allow},
		{10 * time.Second, Allow}, // burst 1: a long pause gives one token
		{10 * time.Second, Drop},
	} {
		if v, _ := g.Check(t0.Add(step.at), peer, "OPTIONS", "", ""); v != step.want {
			t.Errorf("step %d at %v: %v, want %v", i, step.at, v, step.want)
		}
	}
}

// The INVITE bucket is separate: a source over its INVITE limit can still
// send BYEs (ending calls it has) within the request limit.
func TestInviteLimit(t *testing.T) {
	cfg := testConfig()
	cfg.InviteRate, cfg.InviteBurst = 1, 3
	cfg.BanAfterDrops = -1
	g := newGuard(t, cfg)
	for i, want := range []Verdict{Challenge, Challenge, Challenge, Drop, Drop} {
		if v, _ := g.Check(t0, peer, "INVITE", "", inviteTo); v != want {
			t.Errorf("INVITE %d: %v, want %v", i, v, want)
		}
	}
	if v, _ := g.Check(t0, peer, "BYE", "", inviteTo); v != Allow {
		t.Errorf("BYE: %v", v)
	}
	if v, _ := g.Check(t0.Add(time.Second), peer, "INVITE", "", inviteTo); v != Challenge {
		t.Errorf("INVITE a second later: %v", v)
	}
}

// A trusted source with a limit configured is dropped over it but never
// banned; by default trusted sources have no limit at all.
func TestTrustedLimits(t *testing.T) {
	g := newGuard(t, testConfig())
	for i := range 100000 {
		if v, _ := g.Check(t0, trunk, "INVITE", "", inviteTo); v != Allow {
			t.Fatalf("unlimited trunk, INVITE %d: %v", i, v)
		}
	}
	if st := g.Stats(t0); st.TrackedSources != 0 {
		t.Errorf("unlimited trusted sources tracked: %+v", st)
	}
	cfg := testConfig()
	cfg.TrustedRequestRate, cfg.TrustedRequestBurst = 100, 200
	cfg.BanAfterDrops = 1
	g = newGuard(t, cfg)
	counts := map[Verdict]int{}
	for range 1000 {
		v, _ := g.Check(t0, trunk, "INVITE", "", inviteTo)
		counts[v]++
	}
	if counts[Allow] != 200 || counts[Drop] != 800 || g.Stats(t0).Bans != 0 {
		t.Errorf("trusted over its limit: %v, %+v", counts, g.Stats(t0))
	}
	if v, _ := g.Check(t0.Add(time.Second), trunk, "INVITE", "", inviteTo); v != Allow {
		t.Errorf("trunk a second later: %v", v)
	}
}

// 100,000 random source addresses each send requests: the table never
// holds more than MaxSources, the trunk is always answered, and a banned
// source that keeps flooding stays banned.
func TestBoundedSources(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSources = 1000
	cfg.BanAfterAuthFailures = 1
	g := newGuard(t, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	if v, _ := g.Check(t0, peer, "INVITE", "Digest bad", inviteTo); v != Forbid {
		t.Fatalf("banning request: %v", v)
	}
	tracked := func() int {
		n := 0
		for i := range g.shards {
			n += len(g.shards[i].m)
		}
		return n
	}
	max := 0
	methods := []string{"INVITE", "OPTIONS", "REGISTER"}
	for i := range 100000 {
		var src netip.Addr
		if i%2 == 0 {
			src = netip.AddrFrom4([4]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())})
		} else {
			var b [16]byte
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			src = netip.AddrFrom16(b)
		}
		now := t0.Add(time.Duration(i) * time.Millisecond)
		g.Check(now, src, methods[i%3], "", inviteTo)
		if n := tracked(); n > max {
			max = n
		}
		if i%100 == 0 {
			if v, _ := g.Check(now, trunk, "INVITE", "", inviteTo); v != Allow {
				t.Fatalf("trunk at %d: %v", i, v)
			}
			if v, _ := g.Check(now, peer, "INVITE", auth(authOpts{issued: now}), inviteTo); v != Drop {
				t.Fatalf("banned flooder at %d: %v", i, v)
			}
		}
	}
	if max > cfg.MaxSources || max < cfg.MaxSources*9/10 {
		t.Errorf("at most %d sources tracked, MaxSources %d", max, cfg.MaxSources)
	}
	st := g.Stats(t0.Add(100 * time.Second))
	if st.TrackedSources != tracked() || st.TrackedSources > cfg.MaxSources {
		t.Errorf("stats %+v", st)
	}
	// The LRU list and the map agree in every shard.
	for i := range g.shards {
		sh := &g.shards[i]
		n := 0
		for s := sh.root.next; s != &sh.root; s = s.next {
			if sh.m[s.addr] != s {
				t.Fatalf("shard %d: list entry %v not in map", i, s.addr)
			}
			n++
		}
		if n != len(sh.m) || n > sh.cap {
			t.Fatalf("shard %d: list %d, map %d, cap %d", i, n, len(sh.m), sh.cap)
		}
	}
}

// Many goroutines at once (run with -race): counters add up and the trunk
// is always allowed.
func TestConcurrentCheck(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSources = 500
	g := newGuard(t, cfg)
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range each {
				now := t0.Add(time.Duration(i) * time.Millisecond)
				if w == 0 {
					if v, _ := g.Check(now, trunk, "INVITE", "", inviteTo); v != Allow {
						errs <- errors.New("trunk refused: " + v.String())
						return
					}
					continue
				}
				src := netip.AddrFrom4([4]byte{10, byte(w), byte(rng.IntN(4)), byte(rng.IntN(256))})
				g.Check(now, src, "INVITE", auth(authOpts{src: src, issued: now, secret: []string{"s3cret", "bad"}[i%2]}), inviteTo)
				if i%50 == 0 {
					g.Stats(now)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := g.Stats(t0)
	if total := st.Allowed + st.Challenged + st.Forbidden + st.Dropped; total != workers*each {
		t.Errorf("verdicts add up to %d, want %d: %+v", total, workers*each, st)
	}
	if st.TrackedSources > cfg.MaxSources {
		t.Errorf("tracked %d", st.TrackedSources)
	}
}

func TestNewConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"all set", testConfig(), true},
		{"unlimited", Config{InviteRate: math.Inf(1), RequestRate: math.Inf(1), TrustedRequestRate: math.Inf(1)}, true},
		{"negative rate", Config{InviteRate: -1}, false},
		{"NaN burst", Config{RequestBurst: math.NaN()}, false},
		{"burst below 1", Config{RequestRate: 5, RequestBurst: 0.5}, false},
		{"quote in realm", Config{Realm: `a"b`}, false},
		{"bad algorithm", Config{Algorithms: []Algorithm{AlgorithmUnknown}}, false},
		{"bad user", Config{Secrets: Secrets{"a b": "x"}}, false},
		{"short key", Config{NonceKey: []byte("short")}, false},
		{"negative BanFor", Config{BanFor: -time.Second}, false},
		{"negative MaxSources", Config{MaxSources: -1}, false},
		{"bad options policy", Config{UntrustedOptions: 7}, false},
		{"invalid prefix", Config{Trust: []netip.Prefix{{}}}, false},
		{"one source", Config{MaxSources: 1}, true},
	} {
		g, err := New(tc.cfg)
		if tc.ok != (err == nil) || err != nil && !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if g != nil {
			total := 0
			for i := range g.shards {
				total += g.shards[i].cap
			}
			want := tc.cfg.MaxSources
			if want == 0 {
				want = DefaultMaxSources
			}
			if total > want || total < want*9/10 {
				t.Errorf("%s: capacity %d for MaxSources %d", tc.name, total, want)
			}
		}
	}
	// The config's key is copied, not kept.
	key := []byte(string(testKey))
	g := newGuard(t, Config{NonceKey: key, Secrets: Secrets{"pbx": "s3cret"}})
	key[0] ^= 1
	if v, _ := g.Check(t0, peer, "INVITE", auth(authOpts{}), inviteTo); v != Allow {
		t.Errorf("key aliased: %v", v)
	}
}

func TestStatsCounters(t *testing.T) {
	g := newGuard(t, testConfig())
	g.Check(t0, trunk, "INVITE", "", inviteTo)                                      // allow
	g.Check(t0, peer, "INVITE", "", inviteTo)                                       // challenge
	g.Check(t0, peer, "INVITE", auth(authOpts{}), inviteTo)                         // allow
	g.Check(t0, peer, "REGISTER", "", inviteTo)                                     // forbid
	g.Check(t0, netip.Addr{}, "INVITE", "", inviteTo)                               // drop
	g.Check(t0, other, "INVITE", auth(authOpts{src: other, secret: "x"}), inviteTo) // challenge, failure
	st := g.Stats(t0)
	want := Stats{Allowed: 2, Challenged: 2, Forbidden: 1, Dropped: 1, AuthFailures: 2, TrackedSources: 2}
	if st != want {
		t.Errorf("stats\n got %+v\nwant %+v", st, want)
	}
}

// FuzzCheck: any Authorization value and method from an untrusted source
// gives a verdict, never a panic, and never Allow for an INVITE unless
// the header carries the right response.
func FuzzCheck(f *testing.F) {
	f.Add("INVITE", auth(authOpts{}))
	f.Add("INVITE", auth(authOpts{alg: MD5, qop: "none"}))
	f.Add("INVITE", `Digest username="1001", realm="asterisk", nonce="1638357472/b0b4b9a06b4c7e5b", uri="sip:1002@10.0.0.1", response="0ec26a9b3fe8de4bb6bd1b1a5b0d5f21", algorithm=MD5, opaque="6b6f3c4a5e0e1b2f"`)
	f.Add("INVITE", `Digest realm="dezura",nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",username="pbx",uri="sip:0501234567@192.0.2.1:5060",response="x",qop=auth,nc=00000001,cnonce="1"`)
	f.Add("REGISTER", `Digest username="100", realm="dezura", nonce="x", uri="sip:192.0.2.1", response="y"`)
	f.Add("OPTIONS", "")
	f.Fuzz(func(t *testing.T, method, authz string) {
		g, err := New(Config{Secrets: Secrets{"pbx": "s3cret"}, NonceKey: testKey})
		if err != nil {
			t.Fatal(err)
		}
		v, ch := g.Check(t0, peer, method, authz, inviteTo)
		if v == Unknown || (v == Challenge) != (ch != nil) {
			t.Fatalf("verdict %v with %d challenges", v, len(ch))
		}
		if v == Allow && method == "INVITE" {
			c, err := ParseCredentials(authz)
			if err != nil || !responseEqual(c.Response, DigestResponse(c, "s3cret", "INVITE")) {
				t.Fatalf("INVITE allowed with %q", authz)
			}
		}
	})
}
