package billing

import (
	"testing"
	"unicode/utf8"
)

// FuzzParseDate: dates typed by users on the CLI.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-02-29", "2023-02-29", "0000-01-01", "9999-12-31", "2024-1-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if back, err := ParseDate(d.String()); err != nil || back != d {
			t.Fatalf("%q -> %v -> %v, %v", s, d, back, err)
		}
	})
}

// FuzzToZenginKana: names typed by users end up in bank files.
func FuzzToZenginKana(f *testing.F) {
	for _, s := range []string{"ヤマダ　タロウ", "ｶ)ﾔﾏﾀﾞ", "やまだ", "ＡＢＣ", "山田", "ヴァ", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ToZenginKana(s)
		if err != nil {
			return
		}
		b, err := encodeJISX0201(k)
		if err != nil {
			t.Fatalf("%q converted to %q which does not encode: %v", s, k, err)
		}
		if decodeJISX0201(b) != k || !utf8.ValidString(k) {
			t.Fatalf("%q: round trip %q -> %q", s, k, decodeJISX0201(b))
		}
		if again, err := ToZenginKana(k); err != nil || again != k {
			t.Fatalf("conversion of %q is not idempotent: %q, %v", k, again, err)
		}
	})
}
