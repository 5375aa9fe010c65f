package billing

import (
	"strings"
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

// FuzzParseSMTPURL: the mail server's URL comes from a flag or the
// environment; whatever it is, a parsed one never shows its password.
func FuzzParseSMTPURL(f *testing.F) {
	for _, s := range []string{"smtp://mail.example.jp", "smtps://u:p@h:465", "smtp://h?tls=none", "smtp://:0", "smtp://u:%zz@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseSMTPURL(s)
		if err != nil {
			return
		}
		if c.Host == "" || c.Port <= 0 || c.Port > 65535 {
			t.Fatalf("%q parsed to %+v", s, c)
		}
		without := c
		without.Password = ""
		if c.String() != without.String() || strings.Contains(c.String(), ":"+c.Password+"@") && c.Password != "" {
			t.Fatalf("%q: %s shows the password", s, c)
		}
	})
}

// FuzzParseHolidays: the holiday table is a file people edit each year.
func FuzzParseHolidays(f *testing.F) {
	f.Add("date,name\n2026-01-01,元日\n")
	f.Add("# c\ndate,name\r\n2026-05-06,休日\r\n")
	f.Add("date,name\n2026-02-30,x\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseHolidays(s)
		if err != nil {
			return
		}
		first, last := c.Years()
		for d := range c.holidays {
			if d.Year < first || d.Year > last {
				t.Fatalf("%s outside the years %d-%d", d, first, last)
			}
			if _, err := c.IsBusinessDay(d); err != nil {
				t.Fatalf("%s: %v", d, err)
			}
		}
	})
}
