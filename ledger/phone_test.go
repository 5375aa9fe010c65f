package ledger

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"09012345678", "+819012345678"},
		{"090-1234-5678", "+819012345678"},
		{"090 1234 5678", "+819012345678"},
		{"(090) 1234-5678", "+819012345678"},
		{"+81 90-1234-5678", "+819012345678"},
		{"+81 (0)90-1234-5678", "+819012345678"},
		{"+81 090 1234 5678", "+819012345678"},
		{"+819012345678", "+819012345678"},
		{"819012345678", "+819012345678"},
		{"81901234567 8", "+819012345678"},
		{"01081901234567 8", "+819012345678"},
		{"０９０－１２３４－５６７８", "+819012345678"},
		{"０９０ー１２３４　５６７８", "+819012345678"},    // long-vowel mark and ideographic space as separators
		{"＋８１ ９０‐１２３４‐５６７８", "+819012345678"}, // full-width plus
		{"05012345678", "+815012345678"},
		{"050-1234-5678", "+815012345678"},
		{"0120-123-456", "+81120123456"},
		{"0800-123-4567", "+818001234567"},
		{"03-1234-5678", "+81312345678"},
		{"sip:09012345678@10.0.0.1", "+819012345678"},
		{"sip:+819012345678;user=phone@carrier.example", "+819012345678"},
		{"SIP:+819012345678@carrier.example;transport=udp", "+819012345678"},
		{"09012345678;npdi;rn=+81312345678", "+819012345678"},
		{"+819012345678;cpc=ordinary", "+819012345678"},
		{"tel:+81-90-1234-5678;ext=12", "+819012345678"},
		{`"Taro" <sip:09012345678@pbx>;tag=abc`, "+819012345678"},
		{"+1 415 555 2671", "+14155552671"},
		{"+44 20 7946 0958", "+442079460958"},
		{"0044 20 7946 0958", "+442079460958"},       // 00: the common international prefix
		{"010 44 20 7946 0958", "+442079460958"},     // 010: Japan's international prefix
		{"0101234567", "+81101234567"},               // 010 but too short to be international: national
		{"sips:09012345678@pbx", "+819012345678"},    // secure SIP URI
		{"<tel:03-1234-5678>", "+81312345678"},       // name-addr without a name
		{"+81 (0)3-1234-5678;ext=1", "+81312345678"}, // (0) trunk prefix then parameters
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if err != nil {
			t.Errorf("NormalizePhone(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizePhoneRejects(t *testing.T) {
	tests := []struct{ in, why string }{
		{"", "no digits"},
		{"anonymous", "unexpected character"},
		{"sip:anonymous@anonymous.invalid", "unexpected character"},
		{"+", "no digits"},
		{"12345", "not a Japanese number"},
		{"090123", "10 or 11 digits"},
		{"090123456789012", "10 or 11 digits"},
		{"+8190", "10 or 11 digits"},
		{"09+012345678", "'+' only at the start"},
		{"+0123456789", "country code"},
		{"+1234567", "8 to 15"},
		{"+1234567890123456", "8 to 15"},
		{"<sip:0901234", "unclosed"},
		{"090-1234-567x", "unexpected character"},
		{"++819012345678", "'+' only at the start"},
		{"+81 00-1234-5678", "cannot start with 00"}, // trunk 0 then another 0
		{"00012345678901", "country code"},           // 00 prefix then a 0
		{"0012345678", "10 or 11 digits"},            // 00 but too short to be international: national
		{"(0)90-1234-5678", "not a Japanese number"}, // (0) without a country code leaves no trunk prefix
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if err == nil {
			t.Errorf("NormalizePhone(%q) = %q, want error", tt.in, got)
			continue
		}
		if !errors.Is(err, ErrInvalidPhone) {
			t.Errorf("NormalizePhone(%q) error %v does not wrap ErrInvalidPhone", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.why) {
			t.Errorf("NormalizePhone(%q) error %q, want it to mention %q", tt.in, err, tt.why)
		}
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"09012345678", "+81 (0)90-1234-5678", "sip:+819012345678;user=phone@h",
		`"x" <tel:0120-123-456>`, "０９０", "010819012345678", "anonymous", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePhone(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidPhone) {
				t.Fatalf("error %v does not wrap ErrInvalidPhone", err)
			}
			return
		}
		if len(got) < 9 || len(got) > 16 || got[0] != '+' || got[1] == '0' {
			t.Fatalf("NormalizePhone(%q) = %q: not E.164", s, got)
		}
		for _, c := range got[1:] {
			if c < '0' || c > '9' {
				t.Fatalf("NormalizePhone(%q) = %q: not E.164", s, got)
			}
		}
		again, err := NormalizePhone(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}

// TestFormatPhoneNational: stored numbers are shown as they are dialled in
// Japan, area codes of every length grouped as the numbering plan has them.
func TestFormatPhoneNational(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"+819012345678", "090-1234-5678"}, // mobile
		{"+818012345678", "080-1234-5678"},
		{"+815012345678", "050-1234-5678"}, // IP phone
		{"+81312345678", "03-1234-5678"},   // Tokyo: 2-digit area code
		{"+81612345678", "06-1234-5678"},   // Osaka
		{"+81451234567", "045-123-4567"},   // Yokohama: 3 digits
		{"+81476123456", "0476-12-3456"},   // Narita: 4 digits
		{"+81120123456", "0120-123-456"},   // free dial
		{"+81570123456", "0570-123-456"},   // navi dial
		{"+16502530000", "+1 650-253-0000"},
		{"not a number", "not a number"},
	} {
		if got := FormatPhoneNational(tt.in); got != tt.want {
			t.Errorf("FormatPhoneNational(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Whatever NormalizePhone accepts, shown and typed again, is the same number.
	for _, in := range []string{"090-1234-5678", "+81 3 1234 5678", "0120-123-456", "0476123456"} {
		e164, err := NormalizePhone(in)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := NormalizePhone(FormatPhoneNational(e164)); err != nil || back != e164 {
			t.Errorf("%q: shown as %q, read back as %q, %v", in, FormatPhoneNational(e164), back, err)
		}
	}
}
