package guard

import (
	"fmt"
	"net/netip"
	"strings"
)

// DefaultTrust returns the trust list used when --trust is not given:
// loopback only (127.0.0.0/8 and ::1/128).
func DefaultTrust() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("::1/128"),
	}
}

// ParseTrust parses the value of --trust: a comma-separated list of CIDR
// prefixes ("203.0.113.0/24", "2001:db8::/32") or bare addresses (taken as
// /32 or /128). Spaces around entries are ignored and host bits are masked
// off ("10.1.2.3/8" is 10.0.0.0/8). An empty string is an empty list (trust
// no one); an empty entry ("a,,b") is an error. IPv4-mapped IPv6 entries
// ("::ffff:192.0.2.1") are stored as IPv4 so they match IPv4 sources. The
// error wraps ErrBadTrust and names the bad entry.
func ParseTrust(s string) ([]netip.Prefix, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []netip.Prefix
	for i, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		p, err := parseTrustEntry(entry)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d %q: %w", ErrBadTrust, i+1, entry, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func parseTrustEntry(entry string) (netip.Prefix, error) {
	if entry == "" {
		return netip.Prefix{}, fmt.Errorf("empty entry")
	}
	if strings.Contains(entry, "%") {
		return netip.Prefix{}, fmt.Errorf("zones are not allowed")
	}
	if !strings.Contains(entry, "/") {
		a, err := netip.ParseAddr(entry)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not an IP address or CIDR prefix: %w", err)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(entry)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not a CIDR prefix: %w", err)
	}
	if a := p.Addr(); a.Is4In6() {
		bits := p.Bits() - 96
		if bits < 0 {
			return netip.Prefix{}, fmt.Errorf("IPv4-mapped prefix shorter than /96")
		}
		p = netip.PrefixFrom(a.Unmap(), bits)
	}
	return p.Masked(), nil
}

// trusted reports whether src (already unmapped, no zone) is in one of the
// prefixes.
func trusted(prefixes []netip.Prefix, src netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(src) {
			return true
		}
	}
	return false
}

// normalizeAddr unmaps IPv4-mapped IPv6 addresses (from a dual-stack
// socket) and drops the zone, so the same peer always has the same key.
func normalizeAddr(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}
