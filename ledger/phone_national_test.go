package ledger

import "testing"

func TestFormatPhoneNational(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+819012345678", "090-1234-5678"},
		{"+818012345678", "080-1234-5678"},
		{"+817012345678", "070-1234-5678"},
		{"+815012345678", "050-1234-5678"},
		{"+81312345678", "03-1234-5678"},
		{"+81612345678", "06-1234-5678"},
		{"+81451234567", "045-123-4567"},
		{"+81120123456", "0120-123-456"},
		{"+81570123456", "0570-123-456"},
		{"+818001234567", "0800-123-4567"},
		{"+14155550100", "+14155550100"},       // not Japanese
		{"+8190123", "+8190123"},               // too short
		{"+81901234567890", "+81901234567890"}, // too long
		{"", ""},
		{"09012345678", "09012345678"}, // not E.164
	}
	for _, tt := range tests {
		if got := FormatPhoneNational(tt.in); got != tt.want {
			t.Errorf("FormatPhoneNational(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// What it shows reads back as the same number.
		if n, err := NormalizePhone(FormatPhoneNational(tt.in)); tt.in != "" && tt.in[0] == '+' && len(tt.want) > 0 && tt.want[0] == '0' && (err != nil || n != tt.in) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tt.want, n, err, tt.in)
		}
	}
}
