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
