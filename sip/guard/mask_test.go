package guard

import "testing"

func TestMaskNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+819012345678", "+********5678"},
		{"09012345678", "*******5678"},
		{"090-1234-5678", "***-****-5678"},
		{"12345", "*2345"},
		{"1234", "***4"},
		{"1", "1"},
		{"", ""},
		{"anonymous", "anonymous"},
		{"+８１", "+８１"}, // full-width digits are not ASCII digits and are kept; not a valid number anyway
	} {
		if got := MaskNumber(tc.in); got != tc.want {
			t.Errorf("MaskNumber(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
