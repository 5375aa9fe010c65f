package prompts

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zaf/g711"
)

// pcmWAV is a 16-bit PCM WAV file of samples at rate with channels.
func pcmWAV(samples []int16, rate uint32, channels uint16) []byte {
	data := make([]byte, 2*len(samples))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(data[2*i:], uint16(s))
	}
	return makeWAV(wavSpec{tag: wavPCM, channels: channels, rate: rate, bits: 16, data: data})
}

// recordedSet writes every clip of the catalogue in lang as a WAV file
// under dir/lang: a good recording set.
func recordedSet(t *testing.T, cat *Catalogue, dir, lang string) {
	t.Helper()
	names, err := cat.Names(lang)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, lang), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		c, err := cat.Clip(lang, n)
		if err != nil {
			t.Fatal(err)
		}
		writeWAV(t, filepath.Join(dir, lang, n+".wav"), decodePCM(g711.DecodeUlaw(c.Ulaw)))
	}
}

func writeWAV(t *testing.T, path string, pcm []int16) {
	t.Helper()
	if err := os.WriteFile(path, pcmWAV(pcm, SampleRate, 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sine is seconds of a 440 Hz tone at amplitude a.
func sine(seconds float64, a float64) []int16 {
	out := make([]int16, int(seconds*SampleRate))
	for i := range out {
		out[i] = int16(max(-32768, min(32767, a*math.Sin(2*math.Pi*440*float64(i)/SampleRate))))
	}
	return out
}

func silence(seconds float64) []int16 { return make([]int16, int(seconds*SampleRate)) }

func TestCheckDir(t *testing.T) {
	cat, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	recordedSet(t, cat, dir, Japanese)
	// The generated clips are a good set.
	found, err := cat.CheckDir(dir, nil, DefaultCheckRules())
	if err != nil || len(found) != 0 {
		t.Fatalf("the generated set: %v, %v", found, err)
	}
	// A good set is one the service loads.
	if _, err := Load(dir); err != nil {
		t.Fatalf("Load: %v", err)
	}

	ja := filepath.Join(dir, Japanese)
	speech := sine(1, 12000)
	writeWAV(t, filepath.Join(ja, Greeting+".wav"), slices.Concat(silence(1), speech))                           // leading silence
	writeWAV(t, filepath.Join(ja, Goodbye+".wav"), slices.Concat(speech, silence(1.2)))                          // trailing silence
	writeWAV(t, filepath.Join(ja, EnterSite+".wav"), slices.Concat(speech, silence(0.9), speech))                // a pause inside
	writeWAV(t, filepath.Join(ja, Registered+".wav"), sine(1, 1500))                                             // too quiet
	writeWAV(t, filepath.Join(ja, Undone+".wav"), sine(1, 60000))                                                // clipped
	writeWAV(t, filepath.Join(ja, "digit_7.wav"), sine(2, 12000))                                                // a long digit
	writeWAV(t, filepath.Join(ja, NoInput+".wav"), silence(1))                                                   // nothing said
	writeWAV(t, filepath.Join(ja, "greeting_long.wav"), speech)                                                  // unknown name
	must(t, os.WriteFile(filepath.Join(ja, Locked+".wav"), pcmWAV(speech, 16000, 1), 0o644))                     // 16 kHz
	must(t, os.WriteFile(filepath.Join(ja, TooShort+".wav"), pcmWAV(append(speech, speech...), 8000, 2), 0o644)) // stereo
	must(t, os.Remove(filepath.Join(ja, SiteClosed+".wav")))                                                     // missing
	must(t, os.WriteFile(filepath.Join(ja, "notes.txt"), []byte("台本"), 0o644))                                   // not a WAV
	must(t, os.MkdirAll(filepath.Join(dir, "fr"), 0o755))                                                        // no such language

	found, err = cat.CheckDir(dir, nil, DefaultCheckRules())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		Greeting + ".wav":   "before the speech",
		Goodbye + ".wav":    "after the speech",
		EnterSite + ".wav":  "a pause of",
		Registered + ".wav": "too quiet",
		Undone + ".wav":     "clipped",
		"digit_7.wav":       "long, more than 1.5s",
		NoInput + ".wav":    "no speech",
		"greeting_long.wav": "no prompt is named",
		Locked + ".wav":     "sample rate 16000",
		TooShort + ".wav":   "2 channels",
		SiteClosed + ".wav": "missing (この現場は現在受け付けていません。)",
		"notes.txt":         "not a .wav file",
		"fr":                "not a language directory",
	}
	got := map[string]string{}
	for _, f := range found {
		got[filepath.Base(f.Path)] += f.Problem + "; "
	}
	for file, problem := range want {
		if !strings.Contains(got[file], problem) {
			t.Errorf("%s: findings %q, want one saying %q", file, got[file], problem)
		}
	}
	if len(got) != len(want) {
		t.Errorf("findings for %d files, want %d: %v", len(got), len(want), found)
	}
	// Asked for English too, the set lacks it.
	found, err = cat.CheckDir(dir, []string{Japanese, English}, DefaultCheckRules())
	if err != nil || !slices.ContainsFunc(found, func(f Finding) bool { return f.Lang == English && strings.Contains(f.Problem, "no directory") }) {
		t.Errorf("English asked for: %v, %v", found, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestList(t *testing.T) {
	cat, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	all, err := cat.List()
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]string{}
	for _, l := range all {
		byKey[l.Lang+" "+l.Name] = l.Text
	}
	for _, lang := range cat.Languages() {
		for _, n := range RequiredNames() {
			if byKey[lang+" "+n] == "" {
				t.Errorf("%s %s: no text", lang, n)
			}
		}
	}
	if got := byKey["ja "+PhoneRegisterOffer]; !strings.HasPrefix(got, "この電話を登録すると、次回から技能者IDの入力が不要になります。登録は1を") {
		t.Errorf("ja %s = %q", PhoneRegisterOffer, got)
	}
	if _, err := cat.List("xx"); err == nil {
		t.Error("an unknown language listed")
	}
}

// FuzzCheckAudio: any audio gets findings, never a panic.
func FuzzCheckAudio(f *testing.F) {
	f.Add([]byte{0, 0, 0x7f, 0x7f}, "digit_1")
	f.Add(make([]byte, 1600), "greeting")
	f.Fuzz(func(t *testing.T, b []byte, name string) {
		pcm := decodePCM(b)
		problems := CheckAudio(name, pcm, DefaultCheckRules())
		for _, p := range problems {
			if p == "" {
				t.Fatal("an empty finding")
			}
		}
	})
}
