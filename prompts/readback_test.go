package prompts

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/prompts/internal/table"
)

func TestTimeNamesExamples(t *testing.T) {
	tests := []struct {
		lang         string
		hour, minute int
		want         string
	}{
		{"ja", 0, 0, "hour_0"},
		{"ja", 8, 5, "hour_8 minute_5"},
		{"ja", 8, 0, "hour_8"},
		{"ja", 17, 30, "hour_17 minute_30"},
		{"ja", 23, 59, "hour_23 minute_59"},
		{"en", 8, 5, "hour_8 minute_5 time_am"},
		{"en", 8, 0, "hour_8 time_oclock time_am"},
		{"en", 12, 30, "hour_12 minute_30 time_pm"},
		{"en", 12, 0, "time_noon"},
		{"en", 0, 0, "time_midnight"},
		{"en", 0, 15, "hour_12 minute_15 time_am"},
		{"en", 13, 1, "hour_1 minute_1 time_pm"},
		{"en", 23, 45, "hour_11 minute_45 time_pm"},
	}
	for _, tt := range tests {
		got, err := TimeNames(tt.lang, tt.hour, tt.minute)
		if err != nil || strings.Join(got, " ") != tt.want {
			t.Errorf("TimeNames(%s, %d, %d) = %v, %v; want %s", tt.lang, tt.hour, tt.minute, got, err, tt.want)
		}
	}
}

// TestTimeEveryMinute reads every minute of the day in both languages and
// checks that every clip exists and that the clips' written text spells the
// time: "8時5分" in Japanese, "8:05 a.m." in English.
func TestTimeEveryMinute(t *testing.T) {
	c := load(t)
	for _, lang := range []string{Japanese, English} {
		for h := 0; h < 24; h++ {
			for m := 0; m < 60; m++ {
				names, err := TimeNames(lang, h, m)
				if err != nil {
					t.Fatalf("TimeNames(%s, %d, %d): %v", lang, h, m, err)
				}
				var text []string
				for _, n := range names {
					txt, err := c.Text(lang, n)
					if err != nil {
						t.Fatalf("%s %02d:%02d: %v", lang, h, m, err)
					}
					text = append(text, txt)
				}
				got := strings.Join(text, " ")
				if got != wantTimeText(lang, h, m) {
					t.Errorf("%s %02d:%02d reads %q, want %q", lang, h, m, got, wantTimeText(lang, h, m))
				}
				clips, err := c.Time(lang, time.Date(2026, 11, 27, h, m, 42, 0, time.FixedZone("JST", 9*3600)))
				if err != nil || len(clips) != len(names) {
					t.Fatalf("Time(%s, %02d:%02d) = %d clips, %v", lang, h, m, len(clips), err)
				}
				for i := range clips {
					if clips[i].Name != names[i] {
						t.Errorf("Time(%s, %02d:%02d)[%d] = %s, want %s", lang, h, m, i, clips[i].Name, names[i])
					}
				}
			}
		}
	}
}

// wantTimeText is how the time is written, from the clips' text column.
func wantTimeText(lang string, h, m int) string {
	if lang == Japanese {
		if m == 0 {
			return fmt.Sprintf("%d時", h)
		}
		return fmt.Sprintf("%d時 %d分", h, m)
	}
	switch {
	case h == 0 && m == 0:
		return "midnight"
	case h == 12 && m == 0:
		return "noon"
	}
	h12, ampm := h%12, "a.m."
	if h12 == 0 {
		h12 = 12
	}
	if h >= 12 {
		ampm = "p.m."
	}
	if m == 0 {
		return fmt.Sprintf("%d o'clock %s", h12, ampm)
	}
	return fmt.Sprintf("%d :%02d %s", h12, m, ampm)
}

// TestJapaneseCounterReadings checks the kana given to the synthesiser for the
// hours and minutes whose sound changes a native speaker expects.
func TestJapaneseCounterReadings(t *testing.T) {
	src, err := embedded.ReadFile("text/ja.tsv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := table.Parse(strings.NewReader(string(src)))
	if err != nil {
		t.Fatal(err)
	}
	reading := map[string]string{}
	for _, r := range rows {
		reading[r.Name] = r.Reading
	}
	want := map[string]string{
		"hour_0": "れいじ", "hour_4": "よじ", "hour_7": "しちじ", "hour_8": "はちじ", "hour_9": "くじ",
		"hour_10": "じゅうじ", "hour_14": "じゅうよじ", "hour_19": "じゅうくじ", "hour_20": "にじゅうじ",
		"minute_1": "いっぷん", "minute_2": "にふん", "minute_3": "さんぷん", "minute_4": "よんぷん",
		"minute_5": "ごふん", "minute_6": "ろっぷん", "minute_7": "ななふん", "minute_8": "はっぷん",
		"minute_9": "きゅうふん", "minute_10": "じゅっぷん", "minute_11": "じゅういっぷん",
		"minute_20": "にじゅっぷん", "minute_33": "さんじゅうさんぷん", "minute_48": "よんじゅうはっぷん",
		"minute_56": "ごじゅうろっぷん", "minute_59": "ごじゅうきゅうふん",
		"digit_2": "にい", "digit_5": "ごお", "digit_4": "よん", "digit_7": "なな", "digit_9": "きゅう",
		"num_300": "さんびゃく", "num_600": "ろっぴゃく", "num_800": "はっぴゃく",
		"num_3000": "さんぜん", "num_8000": "はっせん", "num_1000": "せん", "num_100": "ひゃく",
	}
	for name, w := range want {
		if reading[name] != w {
			t.Errorf("ja %s reads %q, want %q", name, reading[name], w)
		}
	}
	// Every minute ends in the 分 counter, ふん or ぷん.
	for m := 1; m < 60; m++ {
		r := reading[fmt.Sprintf("minute_%d", m)]
		if !strings.HasSuffix(r, "ふん") && !strings.HasSuffix(r, "ぷん") {
			t.Errorf("minute_%d reads %q", m, r)
		}
	}
}

func TestTimeNamesErrors(t *testing.T) {
	tests := []struct {
		lang string
		h, m int
		want error
	}{
		{"ja", 24, 0, ErrBadTime},
		{"ja", -1, 0, ErrBadTime},
		{"en", 0, 60, ErrBadTime},
		{"fr", 8, 0, ErrUnknownLanguage},
	}
	for _, tt := range tests {
		if _, err := TimeNames(tt.lang, tt.h, tt.m); !errors.Is(err, tt.want) {
			t.Errorf("TimeNames(%s, %d, %d) = %v, want %v", tt.lang, tt.h, tt.m, err, tt.want)
		}
	}
}

func TestDigits(t *testing.T) {
	c := load(t)
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"1234", "digit_1 digit_2 digit_3 digit_4", nil},
		{"0", "digit_0", nil},
		{"", "", nil},
		{"12#", "", ErrNotDigit},
		{"１", "", ErrNotDigit}, // full-width digit
	}
	for _, tt := range tests {
		for _, lang := range []string{Japanese, English} {
			clips, err := c.Digits(lang, tt.in)
			if !errors.Is(err, tt.err) {
				t.Errorf("Digits(%s, %q) error %v, want %v", lang, tt.in, err, tt.err)
				continue
			}
			var names []string
			for _, cl := range clips {
				names = append(names, cl.Name)
			}
			if strings.Join(names, " ") != tt.want {
				t.Errorf("Digits(%s, %q) = %v, want %s", lang, tt.in, names, tt.want)
			}
		}
	}
}

func TestNumberNamesExamples(t *testing.T) {
	c := load(t)
	tests := []struct {
		lang string
		n    int
		want string // the clips' text, joined
	}{
		{"ja", 0, "〇"},
		{"ja", 1, "一"},
		{"ja", 10, "十"},
		{"ja", 11, "十一"},
		{"ja", 20, "二十"},
		{"ja", 105, "百五"},
		{"ja", 325, "三百二十五"},
		{"ja", 1010, "千十"},
		{"ja", 8080, "八千八十"},
		{"ja", 9999, "九千九百九十九"},
		{"en", 0, "zero"},
		{"en", 7, "seven"},
		{"en", 13, "thirteen"},
		{"en", 20, "twenty"},
		{"en", 45, "forty five"},
		{"en", 100, "one hundred"},
		{"en", 105, "one hundred five"},
		{"en", 325, "three hundred twenty five"},
		{"en", 1010, "one thousand ten"},
		{"en", 2000, "two thousand"},
		{"en", 9999, "nine thousand nine hundred ninety nine"},
	}
	for _, tt := range tests {
		clips, err := c.Number(tt.lang, tt.n)
		if err != nil {
			t.Errorf("Number(%s, %d): %v", tt.lang, tt.n, err)
			continue
		}
		sep := " "
		if tt.lang == Japanese {
			sep = ""
		}
		var words []string
		for _, cl := range clips {
			w, _ := c.Text(tt.lang, cl.Name)
			words = append(words, w)
		}
		if got := strings.Join(words, sep); got != tt.want {
			t.Errorf("Number(%s, %d) reads %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
}

// TestNumberEveryValue reads 0..MaxNumber in both languages: every clip
// exists, and the Japanese reads as the number written in kanji.
func TestNumberEveryValue(t *testing.T) {
	c := load(t)
	for _, lang := range []string{Japanese, English} {
		for n := 0; n <= MaxNumber; n++ {
			names, err := NumberNames(lang, n)
			if err != nil || len(names) == 0 {
				t.Fatalf("NumberNames(%s, %d) = %v, %v", lang, n, names, err)
			}
			var text strings.Builder
			for _, name := range names {
				w, err := c.Text(lang, name)
				if err != nil {
					t.Fatalf("%s %d: %v", lang, n, err)
				}
				text.WriteString(w)
			}
			if lang == Japanese && text.String() != kanjiNumber(n) {
				t.Errorf("ja %d reads %q, want %q", n, text.String(), kanjiNumber(n))
			}
		}
	}
	for _, n := range []int{-1, MaxNumber + 1} {
		if _, err := NumberNames("ja", n); !errors.Is(err, ErrBadNumber) {
			t.Errorf("NumberNames(%d) = %v, want ErrBadNumber", n, err)
		}
	}
	if _, err := NumberNames("fr", 3); !errors.Is(err, ErrUnknownLanguage) {
		t.Errorf("NumberNames(fr) = %v", err)
	}
}

// kanjiNumber writes n the usual way in kanji: 三百二十五, 千十.
func kanjiNumber(n int) string {
	if n == 0 {
		return "〇"
	}
	digits := []rune("〇一二三四五六七八九")
	var b strings.Builder
	for _, p := range []struct {
		v    int
		unit string
	}{{1000, "千"}, {100, "百"}, {10, "十"}, {1, ""}} {
		d := n / p.v % 10
		if d == 0 {
			continue
		}
		if d > 1 || p.v == 1 {
			b.WriteRune(digits[d])
		}
		b.WriteString(p.unit)
	}
	return b.String()
}
