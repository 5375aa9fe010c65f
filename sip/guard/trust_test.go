package guard

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestParseTrust(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string // prefixes joined by ","
		bad     string // substring of the error; "" for success
		badPart string
	}{
		{in: "", want: ""},
		{in: "  ", want: ""},
		{in: "203.0.113.0/24", want: "203.0.113.0/24"},
		{in: "203.0.113.7", want: "203.0.113.7/32"},
		{in: "2001:db8::1", want: "2001:db8::1/128"},
		{in: "2001:db8::/32, 198.51.100.9 ,10.1.2.3/8", want: "2001:db8::/32,198.51.100.9/32,10.0.0.0/8"},
		{in: "::ffff:192.0.2.1", want: "192.0.2.1/32"},
		{in: "::ffff:192.0.2.0/120", want: "192.0.2.0/24"},
		{in: "0.0.0.0/0", want: "0.0.0.0/0"},
		{in: "203.0.113.0/33", bad: `"203.0.113.0/33"`},
		{in: "10.0.0.1,,10.0.0.2", bad: `entry 2 ""`},
		{in: "10.0.0.1,", bad: `entry 2 ""`},
		{in: "trunk.example.jp", bad: `"trunk.example.jp"`},
		{in: "10.0.0.1,fe80::1%eth0", bad: `entry 2 "fe80::1%eth0": zones`},
		{in: "10.0.0/24", bad: `"10.0.0/24"`},
		{in: "::ffff:192.0.2.0/64", bad: "IPv4-mapped"},
	} {
		got, err := ParseTrust(tc.in)
		if tc.bad != "" {
			if !errors.Is(err, ErrBadTrust) || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("%q: error %v, want one naming %s", tc.in, err, tc.bad)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if strings.Join(s, ",") != tc.want {
			t.Errorf("%q -> %v, want %s", tc.in, s, tc.want)
		}
	}
}

func TestDefaultTrustIsLoopback(t *testing.T) {
	g, err := New(Config{Trust: DefaultTrust()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.255.0.9", true},
		{"::1", true},
		{"::ffff:127.0.0.1", true}, // from a dual-stack socket
		{"10.0.0.1", false},
		{"::2", false},
		{"192.0.2.1", false},
	} {
		if got := g.Trusted(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("%s trusted %v", tc.addr, got)
		}
	}
	if !slices.Equal(DefaultTrust(), DefaultTrust()) {
		t.Error("DefaultTrust not stable")
	}
}

// FuzzParseTrust: no panic; whatever is accepted is a valid, masked prefix
// that ParseTrust reads back unchanged.
func FuzzParseTrust(f *testing.F) {
	for _, seed := range []string{"", "127.0.0.0/8,::1", "203.0.113.7", "::ffff:192.0.2.0/120", "10.0.0.1,,x", "fe80::1%eth0", "1.2.3.4/33", "0.0.0.0/0"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := ParseTrust(in)
		if err != nil {
			if !errors.Is(err, ErrBadTrust) {
				t.Fatalf("error %v does not wrap ErrBadTrust", err)
			}
			return
		}
		var s []string
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
				t.Fatalf("%q gave %v", in, p)
			}
			s = append(s, p.String())
		}
		again, err := ParseTrust(strings.Join(s, ","))
		if err != nil || !slices.Equal(again, ps) {
			t.Fatalf("%q: %v reads back as %v, %v", in, ps, again, err)
		}
	})
}
