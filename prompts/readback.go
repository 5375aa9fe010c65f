package prompts

import (
	"fmt"
	"strconv"
	"time"
)

// DigitNames returns the names of the clips that read s back digit by digit
// ("1234" -> digit_1 digit_2 digit_3 digit_4). Only 0-9 are allowed.
func DigitNames(s string) ([]string, error) {
	out := make([]string, 0, len(s))
	for i := 0; i < len(s); i++ {
		d := s[i]
		if d < '0' || d > '9' {
			return nil, fmt.Errorf("%w: %q at %d", ErrNotDigit, d, i)
		}
		out = append(out, DigitName(int(d-'0')))
	}
	return out, nil
}

// TimeNames returns the names of the clips that read the clock time
// hour:minute (0..23, 0..59) the way a native speaker of lang says it.
//
// Japanese uses the 24-hour clock with the 時 and 分 counters, each hour and
// each minute a clip of its own so the sound changes are right (4時 よじ,
// 7時 しちじ, 9時 くじ; 1分 いっぷん, 3分 さんぷん, 6分 ろっぷん, 8分 はっぷん,
// 10分 じゅっぷん); on the hour it is the hour alone (8時):
//
//	08:05 -> hour_8 minute_5 (はちじ ごふん)
//	17:30 -> hour_17 minute_30 (じゅうしちじ さんじゅっぷん)
//
// English uses the 12-hour clock:
//
//	08:05 -> hour_8 minute_5 time_am ("eight oh five a.m.")
//	08:00 -> hour_8 time_oclock time_am ("eight o'clock a.m.")
//	12:30 -> hour_12 minute_30 time_pm ("twelve thirty p.m.")
//	12:00 -> time_noon, 00:00 -> time_midnight
func TimeNames(lang string, hour, minute int) ([]string, error) {
	if hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		return nil, fmt.Errorf("%w: %d:%02d", ErrBadTime, hour, minute)
	}
	switch lang {
	case Japanese:
		out := []string{hourName(hour)}
		if minute > 0 {
			out = append(out, minuteName(minute))
		}
		return out, nil
	case English:
		switch {
		case hour == 0 && minute == 0:
			return []string{"time_midnight"}, nil
		case hour == 12 && minute == 0:
			return []string{"time_noon"}, nil
		}
		h12 := hour % 12
		if h12 == 0 {
			h12 = 12
		}
		out := []string{hourName(h12)}
		if minute == 0 {
			out = append(out, "time_oclock")
		} else {
			out = append(out, minuteName(minute))
		}
		if hour < 12 {
			return append(out, "time_am"), nil
		}
		return append(out, "time_pm"), nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownLanguage, lang)
}

func hourName(h int) string   { return "hour_" + strconv.Itoa(h) }
func minuteName(m int) string { return "minute_" + strconv.Itoa(m) }

// Time returns the clips that read the clock time of t in lang. The time is
// read in t's location: pass a time in Asia/Tokyo for a Japanese work day.
// Seconds are dropped.
func (c *Catalogue) Time(lang string, t time.Time) ([]*Clip, error) {
	names, err := TimeNames(lang, t.Hour(), t.Minute())
	if err != nil {
		return nil, err
	}
	return c.Clips(lang, names...)
}

// MaxNumber is the largest number NumberNames reads.
const MaxNumber = 9999

// NumberNames returns the names of the clips that read n (0..MaxNumber) as a
// cardinal number in lang.
//
// Japanese joins a clip per place, each with its sound change (三百 さんびゃく,
// 六百 ろっぴゃく, 八百 はっぴゃく, 三千 さんぜん, 八千 はっせん) and no 一 before
// 十, 百 and 千:
//
//	325  -> num_300 num_20 num_5 (さんびゃく にじゅう ご)
//	1010 -> num_1000 num_10 (せん じゅう)
//
// English says the hundreds and thousands, without "and":
//
//	325  -> num_3 num_hundred num_20 num_5 ("three hundred twenty five")
//	1010 -> num_1 num_thousand num_10 ("one thousand ten")
func NumberNames(lang string, n int) ([]string, error) {
	if n < 0 || n > MaxNumber {
		return nil, fmt.Errorf("%w: %d not in 0..%d", ErrBadNumber, n, MaxNumber)
	}
	num := func(v int) string { return "num_" + strconv.Itoa(v) }
	if n == 0 {
		switch lang {
		case Japanese, English:
			return []string{num(0)}, nil
		}
	}
	var out []string
	switch lang {
	case Japanese:
		for place := 1000; place >= 1; place /= 10 {
			if d := n / place % 10; d > 0 {
				out = append(out, num(d*place))
			}
		}
		return out, nil
	case English:
		if th := n / 1000; th > 0 {
			out = append(out, num(th), "num_thousand")
		}
		if h := n / 100 % 10; h > 0 {
			out = append(out, num(h), "num_hundred")
		}
		switch r := n % 100; {
		case r == 0:
		case r < 20:
			out = append(out, num(r))
		default:
			out = append(out, num(r/10*10))
			if r%10 > 0 {
				out = append(out, num(r%10))
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownLanguage, lang)
}

// Number returns the clips that read n (0..MaxNumber) as a cardinal number
// in lang; follow it with CountRegistered for "5名を登録しました".
func (c *Catalogue) Number(lang string, n int) ([]*Clip, error) {
	names, err := NumberNames(lang, n)
	if err != nil {
		return nil, err
	}
	return c.Clips(lang, names...)
}
