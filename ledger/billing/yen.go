package billing

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseYen reads an amount of whole yen as people in Japan write it:
// "16500", "16,500", "16,500円", "¥16,500", in half- or full-width digits
// ("１６，５００円"). Commas must group thousands. A leading minus sign is
// kept; whether a negative amount makes sense is for the operation to say.
// Anything else is an error wrapping ErrInvalidAmount.
func ParseYen(s string) (Yen, error) {
	bad := func(why string) (Yen, error) {
		return 0, fmt.Errorf("%w: %q: %s; write whole yen such as 16500 or 16,500", ErrInvalidAmount, s, why)
	}
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == '，':
			b.WriteByte(',')
		case r == '－' || r == '−':
			b.WriteByte('-')
		default:
			b.WriteRune(r)
		}
	}
	t := b.String()
	t = strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(t, "円")), "yen")
	t = strings.TrimSpace(t)
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	t = strings.TrimLeft(t, "¥￥\\")
	if t == "" {
		return bad("no digits")
	}
	if strings.Contains(t, ",") {
		groups := strings.Split(t, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return bad("commas must separate thousands")
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return bad("commas must separate thousands")
			}
		}
		t = strings.Join(groups, "")
	}
	for _, r := range t {
		if r < '0' || r > '9' {
			if r == '.' {
				return bad("yen has no fractions")
			}
			return bad(fmt.Sprintf("unexpected %q", r))
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return bad("too large")
	}
	if neg {
		n = -n
	}
	return Yen(n), nil
}
