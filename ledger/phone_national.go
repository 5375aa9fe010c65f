package ledger

import "strings"

// FormatPhoneNational shows an E.164 number the way people in Japan write
// it: +819012345678 as 090-1234-5678, +81312345678 as 03-1234-5678,
// +81120123456 as 0120-123-456. Mobile, IP and service numbers are
// grouped by their fixed plan; other fixed lines as 0AA-BBB-CCCC except
// Tokyo (03) and Osaka (06), since area codes of four and five digits
// would need the whole table of them (a clerk types any grouping back:
// NormalizePhone ignores separators). Numbers of other countries, and
// anything that is not E.164, are returned as they are.
func FormatPhoneNational(e164 string) string {
	nsn, ok := strings.CutPrefix(e164, "+81")
	if !ok || len(nsn) < 9 || len(nsn) > 10 || strings.Trim(nsn, "0123456789") != "" {
		return e164
	}
	n := "0" + nsn
	group := func(sizes ...int) string {
		parts := make([]string, 0, len(sizes))
		i := 0
		for _, s := range sizes {
			parts = append(parts, n[i:i+s])
			i += s
		}
		return strings.Join(parts, "-")
	}
	switch {
	case len(n) == 11 && strings.HasPrefix(n, "0800"): // free dial; no 080 mobile number starts 0800
		return group(4, 3, 4)
	case len(n) == 11 && (strings.HasPrefix(n, "020") || strings.HasPrefix(n, "050") || strings.HasPrefix(n, "060") ||
		strings.HasPrefix(n, "070") || strings.HasPrefix(n, "080") || strings.HasPrefix(n, "090")):
		return group(3, 4, 4)
	case len(n) == 10 && (strings.HasPrefix(n, "0120") || strings.HasPrefix(n, "0570") || strings.HasPrefix(n, "0990")):
		return group(4, 3, 3)
	case len(n) == 10 && (n[1] == '3' || n[1] == '6'):
		return group(2, 4, 4)
	case len(n) == 10:
		return group(3, 3, 4)
	}
	return e164
}
