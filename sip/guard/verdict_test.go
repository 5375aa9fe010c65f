package guard

import (
	"errors"
	"testing"
)

func TestVerdictRoundTrip(t *testing.T) {
	for v := Allow; v <= Drop; v++ {
		got, err := ParseVerdict(v.String())
		if err != nil || got != v {
			t.Errorf("%d: %q -> %v, %v", v, v.String(), got, err)
		}
	}
	for _, bad := range []string{"unknown", "Allow", ""} {
		if _, err := ParseVerdict(bad); !errors.Is(err, ErrUnknownEnum) {
			t.Errorf("%q accepted", bad)
		}
	}
	if Unknown.String() != "unknown" || Verdict(99).String() != "unknown" {
		t.Error("unknown verdict name")
	}
	for v, code := range map[Verdict]int{Unknown: 0, Allow: 0, Challenge: 401, Forbid: 403, Drop: 0} {
		if v.StatusCode() != code {
			t.Errorf("%v: status %d", v, v.StatusCode())
		}
	}
}

func TestOptionsPolicyRoundTrip(t *testing.T) {
	for p := OptionsAnswer; p <= OptionsIgnore; p++ {
		got, err := ParseOptionsPolicy(p.String())
		if err != nil || got != p {
			t.Errorf("%d: %q -> %v, %v", p, p.String(), got, err)
		}
	}
	for _, bad := range []string{"unknown", "Answer", "", "drop"} {
		if _, err := ParseOptionsPolicy(bad); !errors.Is(err, ErrUnknownEnum) {
			t.Errorf("%q accepted", bad)
		}
	}
	if OptionsPolicy(9).String() != "unknown" {
		t.Error("out of range")
	}
}

func TestAlgorithmRoundTrip(t *testing.T) {
	for a := MD5; a <= SHA256Sess; a++ {
		got, err := ParseAlgorithm(a.String())
		if err != nil || got != a {
			t.Errorf("%d: %q -> %v, %v", a, a.String(), got, err)
		}
	}
	if a, err := ParseAlgorithm("sha-256-SESS"); err != nil || a != SHA256Sess {
		t.Errorf("case-insensitive: %v %v", a, err)
	}
	for _, bad := range []string{"unknown", "SHA-512-256", "", "AKAv1-MD5"} {
		if _, err := ParseAlgorithm(bad); !errors.Is(err, ErrUnknownEnum) {
			t.Errorf("%q accepted", bad)
		}
	}
	if Algorithm(77).String() != "unknown" {
		t.Error("out of range")
	}
}
