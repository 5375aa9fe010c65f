package billing

import (
	"fmt"
	"strings"
)

// halfKana maps full-width katakana to the half-width (JIS X 0201) spelling
// banks use: voiced sounds become two characters (ガ → ｶﾞ), small kana
// become large (ッ → ﾂ), as Zengin names are written.
var halfKana = map[rune]string{
	'ア': "ｱ", 'イ': "ｲ", 'ウ': "ｳ", 'エ': "ｴ", 'オ': "ｵ",
	'カ': "ｶ", 'キ': "ｷ", 'ク': "ｸ", 'ケ': "ｹ", 'コ': "ｺ",
	'サ': "ｻ", 'シ': "ｼ", 'ス': "ｽ", 'セ': "ｾ", 'ソ': "ｿ",
	'タ': "ﾀ", 'チ': "ﾁ", 'ツ': "ﾂ", 'テ': "ﾃ", 'ト': "ﾄ",
	'ナ': "ﾅ", 'ニ': "ﾆ", 'ヌ': "ﾇ", 'ネ': "ﾈ", 'ノ': "ﾉ",
	'ハ': "ﾊ", 'ヒ': "ﾋ", 'フ': "ﾌ", 'ヘ': "ﾍ", 'ホ': "ﾎ",
	'マ': "ﾏ", 'ミ': "ﾐ", 'ム': "ﾑ", 'メ': "ﾒ", 'モ': "ﾓ",
	'ヤ': "ﾔ", 'ユ': "ﾕ", 'ヨ': "ﾖ",
	'ラ': "ﾗ", 'リ': "ﾘ", 'ル': "ﾙ", 'レ': "ﾚ", 'ロ': "ﾛ",
	'ワ': "ﾜ", 'ヲ': "ｦ", 'ン': "ﾝ", 'ヰ': "ｲ", 'ヱ': "ｴ",
	'ガ': "ｶﾞ", 'ギ': "ｷﾞ", 'グ': "ｸﾞ", 'ゲ': "ｹﾞ", 'ゴ': "ｺﾞ",
	'ザ': "ｻﾞ", 'ジ': "ｼﾞ", 'ズ': "ｽﾞ", 'ゼ': "ｾﾞ", 'ゾ': "ｿﾞ",
	'ダ': "ﾀﾞ", 'ヂ': "ﾁﾞ", 'ヅ': "ﾂﾞ", 'デ': "ﾃﾞ", 'ド': "ﾄﾞ",
	'バ': "ﾊﾞ", 'ビ': "ﾋﾞ", 'ブ': "ﾌﾞ", 'ベ': "ﾍﾞ", 'ボ': "ﾎﾞ",
	'パ': "ﾊﾟ", 'ピ': "ﾋﾟ", 'プ': "ﾌﾟ", 'ペ': "ﾍﾟ", 'ポ': "ﾎﾟ",
	'ヴ': "ｳﾞ",
	'ァ': "ｱ", 'ィ': "ｲ", 'ゥ': "ｳ", 'ェ': "ｴ", 'ォ': "ｵ",
	'ッ': "ﾂ", 'ャ': "ﾔ", 'ュ': "ﾕ", 'ョ': "ﾖ", 'ヮ': "ﾜ", 'ヵ': "ｶ", 'ヶ': "ｹ",
	'ー': "-", '－': "-", '‐': "-", '（': "(", '）': ")", '．': ".", '／': "/", '，': ",", '、': ",", '。': ".",
	'「': "｢", '」': "｣", '　': " ", '゛': "ﾞ", '゜': "ﾟ",
	// half-width small kana and the prolonged sound mark
	'ｧ': "ｱ", 'ｨ': "ｲ", 'ｩ': "ｳ", 'ｪ': "ｴ", 'ｫ': "ｵ", 'ｯ': "ﾂ", 'ｬ': "ﾔ", 'ｭ': "ﾕ", 'ｮ': "ﾖ", 'ｰ': "-",
}

// zenginAllowed reports whether r may appear in a Zengin name field: digits,
// upper-case letters, half-width katakana with ﾞ and ﾟ, space and ( ) . - / , ｢ ｣.
func zenginAllowed(r rune) bool {
	switch {
	case r >= '0' && r <= '9', r >= 'A' && r <= 'Z', r == ' ':
		return true
	case strings.ContainsRune("().-/,", r):
		return true
	case r >= 0xFF62 && r <= 0xFF63: // ｢ ｣
		return true
	case r == 0xFF66, r >= 0xFF71 && r <= 0xFF9F: // ｦ, ｱ..ﾝ ﾞ ﾟ
		return true
	}
	return false
}

// ToZenginKana converts a name to the half-width characters Zengin files
// allow: katakana or hiragana become half-width katakana (voiced sounds as
// two characters, small kana large), full-width letters and digits become
// ASCII, lower case becomes upper case. Anything else (kanji, emoji, ...)
// is an error naming the character: a name is never changed silently beyond
// these conventions, and never truncated.
func ToZenginKana(s string) (string, error) {
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		case r >= 'ａ' && r <= 'ｚ':
			r = r - 'ａ' + 'A'
		case r >= 'Ａ' && r <= 'Ｚ':
			r = r - 'Ａ' + 'A'
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r >= 'ぁ' && r <= 'ゖ':
			r += 'ァ' - 'ぁ' // hiragana to katakana
		}
		if h, ok := halfKana[r]; ok {
			sb.WriteString(h)
			continue
		}
		if !zenginAllowed(r) {
			return "", fmt.Errorf("%w: %q in %q", ErrInvalidKana, r, s)
		}
		sb.WriteRune(r)
	}
	return sb.String(), nil
}

// encodeJISX0201 turns an already converted name into bytes: ASCII as is,
// half-width katakana U+FF61..U+FF9F as 0xA1..0xDF.
func encodeJISX0201(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x80 && zenginAllowed(r):
			out = append(out, byte(r))
		case r >= 0xFF61 && r <= 0xFF9F && zenginAllowed(r):
			out = append(out, byte(r-0xFF61+0xA1))
		default:
			return nil, fmt.Errorf("%w: %q in %q", ErrInvalidKana, r, s)
		}
	}
	return out, nil
}

// decodeJISX0201 is the inverse of encodeJISX0201 for bytes read from a file.
func decodeJISX0201(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c >= 0xA1 && c <= 0xDF {
			sb.WriteRune(rune(c) - 0xA1 + 0xFF61)
			continue
		}
		if c >= 0x80 {
			sb.WriteRune('\uFFFD')
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
