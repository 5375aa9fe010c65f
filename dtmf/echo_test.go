package dtmf

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/dezura/dezura/prompts"
	"github.com/zaf/g711"
)

// The catalogue's prompts, loaded once for the echo tests.
var (
	catalogueOnce sync.Once
	catalogue     *prompts.Catalogue
	catalogueErr  error
)

func testCatalogue(t testing.TB) *prompts.Catalogue {
	t.Helper()
	catalogueOnce.Do(func() { catalogue, catalogueErr = prompts.Load("") })
	if catalogueErr != nil {
		t.Fatal(catalogueErr)
	}
	return catalogue
}

// promptClip is one prompt of the catalogue.
type promptClip struct {
	lang, name string
	clip       *prompts.Clip
}

func allPrompts(t testing.TB) []promptClip {
	cat := testCatalogue(t)
	var out []promptClip
	for _, lang := range []string{"ja", "en"} {
		names, err := cat.Names(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			c, err := cat.Clip(lang, n)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, promptClip{lang, n, c})
		}
	}
	return out
}

// echoLine is a caller's line that returns what the service plays.
type echoLine struct {
	c        codec     // the return path's coding (and the law the service plays in)
	gainDB   float64   // echo level relative to what is played
	delay    int       // echo path, samples
	path     []float64 // the echo path's taps from delay on (nil: one tap of 1)
	lateness int       // frames the receiver lags the sender by
	// From sample changeAt on, the echo comes moved by move samples.
	changeAt, move int
	lost           []bool // frames heard lost
}

// played is what the service sends: linear samples as the caller decodes
// them, and per 20 ms frame whether it is a prompt or silence.
type played struct {
	pcm    []int16
	prompt []bool
}

// clip appends a clip in the line's law.
func (p *played) clip(c *prompts.Clip, law codec) {
	b := c.Ulaw
	dec := g711.DecodeUlawFrame
	if law.name == "alaw" {
		b, dec = c.Alaw, g711.DecodeAlawFrame
	}
	for f := 0; f < c.Frames(); f++ {
		for _, v := range b[f*160 : f*160+160] {
			p.pcm = append(p.pcm, dec(v))
		}
		p.prompt = append(p.prompt, true)
	}
}

func (p *played) silence(frames int) {
	p.pcm = append(p.pcm, make([]int16, frames*160)...)
	p.prompt = append(p.prompt, make([]bool, frames)...)
}

// heard returns what the caller's line sends back: the echo of p plus
// keys (linear, no longer than p), through the line's coding.
func (l echoLine) heard(p *played, keys []int16) []int16 {
	g := math.Pow(10, l.gainDB/20)
	path := l.path
	if path == nil {
		path = []float64{1}
	}
	rx := make([]int16, len(p.pcm))
	for i := range rx {
		d := l.delay
		if l.changeAt > 0 && i >= l.changeAt {
			d += l.move
		}
		v := 0.0
		for k, h := range path {
			if j := i - d - k; j >= 0 {
				v += g * h * float64(p.pcm[j])
			}
		}
		if i < len(keys) {
			v += float64(keys[i])
		}
		rx[i] = l.c.conv(saturate(v))
	}
	return rx
}

// hear runs a call: the service plays p, the caller's line returns it as
// echo plus keys, the receiver cancels the echo (if cancel) and detects
// digits. It returns the digits and the canceller.
func (l echoLine) hear(p *played, keys []int16, cancel bool) (string, *EchoCanceller) {
	return l.listen(p, l.heard(p, keys), cancel)
}

// listen is hear given what the line returns, rx.
func (l echoLine) listen(p *played, rx []int16, cancel bool) (string, *EchoCanceller) {
	ec := NewEchoCanceller()
	det := NewDetector()
	var got strings.Builder
	frame := make([]int16, 160)
	for k := range p.prompt {
		if p.prompt[k] {
			ec.Reference(p.pcm[k*160 : k*160+160])
		} else {
			ec.Silence(160)
		}
		f := k - l.lateness
		if f < 0 {
			continue
		}
		if f < len(l.lost) && l.lost[f] {
			ec.Lost(160)
			det.Lost(160)
			continue
		}
		copy(frame, rx[f*160:])
		if cancel {
			ec.Cancel(frame)
		}
		if ev, ok := det.Process(frame); ok {
			got.WriteByte(ev.Key)
		}
	}
	return got.String(), ec
}

// pressKeys adds random keys at random levels from level to -3 dBm0 to
// keys from sample from to sample to (at least one), and returns them.
func pressKeys(rng *rand.Rand, keys []int16, from, to int, level float64) string {
	var want []byte
	at := from
	for (len(want) == 0 || at+8*200 < to) && at+8*200 <= len(keys) {
		k := allKeys[rng.IntN(len(allKeys))]
		o := nominal(level)
		if rng.IntN(2) == 0 {
			o = nominal(level + (-3-level)*rng.Float64())
		}
		o.Phase = 2 * math.Pi * rng.Float64()
		n := 8 * (60 + rng.IntN(141))
		if err := AddTone(keys[at:at+n], k, o); err != nil {
			panic(err)
		}
		want = append(want, k)
		at += n + 8*(60+rng.IntN(141))
	}
	return string(want)
}

// randomLine is a line with echo at gainDB, delayed 20-200 ms, read by a
// receiver 0-2 frames late.
func randomLine(rng *rand.Rand, c codec, gainDB float64) echoLine {
	return echoLine{c: c, gainDB: gainDB, delay: 160 + rng.IntN(1441), lateness: rng.IntN(3)}
}

// greetings caches the start of greetingCall by language and coding.
var greetings = map[string]*played{}

// greetingCall plays the call's greeting and then clip, as every call
// does: the canceller learns the line's echo on the greeting. It returns
// what is played and where clip starts.
func greetingCall(t testing.TB, lang string, clip *prompts.Clip, c codec) (*played, int) {
	key := lang + "/" + c.name
	g, ok := greetings[key]
	if !ok {
		greeting, err := testCatalogue(t).Clip(lang, "greeting")
		if err != nil {
			t.Fatal(err)
		}
		g = &played{}
		g.silence(5)
		g.clip(greeting, c)
		greetings[key] = g
	}
	p := &played{pcm: append(make([]int16, 0, len(g.pcm)+(clip.Frames()+30)*160), g.pcm...), prompt: append([]bool(nil), g.prompt...)}
	start := len(p.pcm)
	p.clip(clip, c)
	p.silence(30)
	return p, start
}

// TestEchoKeysOverEveryPrompt: keys at -20 dBm0 and louder, pressed over
// every prompt of both languages while the line returns it at -6, -10,
// -14 and -20 dB, 20 to 200 ms late, are each found once (linear, mu-law
// and A-law lines in turn).
func TestEchoKeysOverEveryPrompt(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	calls := 0
	for i, pc := range allPrompts(t) {
		for j, gain := range []float64{-6, -10, -14, -20} {
			c := codecs[(i+j)%len(codecs)]
			l := randomLine(rng, c, gain)
			p, start := greetingCall(t, pc.lang, pc.clip, c)
			keys := make([]int16, len(p.pcm))
			want := pressKeys(rng, keys, start, start+pc.clip.Frames()*160, -20)
			got, ec := l.hear(p, keys, true)
			calls++
			if got != want {
				d, g, ok := ec.Echo()
				t.Errorf("%s %s, echo at %g dB after %d samples (receiver %d frames late), %s: %q, want %q (echo found %v: %v, %.1f dB)",
					pc.lang, pc.name, gain, l.delay, l.lateness, c.name, got, want, ok, d, g)
			}
		}
	}
	t.Logf("%d calls", calls)
}

// TestEchoAloneIsNoKey: the echo of every prompt of both languages, from
// 6 dB louder than played to 40 dB down, gives no digit, with the
// canceller (after the greeting, as in a call) and without it (the prompt
// alone: the detector's own talk-off, as before the canceller finds the
// echo).
func TestEchoAloneIsNoKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	for i, pc := range allPrompts(t) {
		for j, gain := range []float64{6, 0, -6, -10, -14, -20, -30, -40} {
			c := codecs[(i+j)%len(codecs)]
			l := randomLine(rng, c, gain)
			p, _ := greetingCall(t, pc.lang, pc.clip, c)
			if got, _ := l.hear(p, nil, true); got != "" {
				t.Errorf("%s %s, echo at %g dB after %d samples, %s, canceller on: %q", pc.lang, pc.name, gain, l.delay, c.name, got)
			}
			alone := &played{}
			alone.clip(pc.clip, c)
			alone.silence(30)
			if got, _ := l.hear(alone, nil, false); got != "" {
				t.Errorf("%s %s, echo at %g dB after %d samples, %s, canceller off: %q", pc.lang, pc.name, gain, l.delay, c.name, got)
			}
		}
	}
}

// TestEchoFirstPrompt: the canceller finds the echo within echoFindMax of
// the first prompt starting (the greetings of both languages, every echo
// level and coding), and keys pressed over the rest of that prompt are
// found once. A key pressed earlier meets the echo as it was.
func TestEchoFirstPrompt(t *testing.T) {
	const echoFindMax = 8 * 1000 // samples
	rng := rand.New(rand.NewPCG(55, 56))
	for _, lang := range []string{"ja", "en"} {
		greeting, err := testCatalogue(t).Clip(lang, "greeting")
		if err != nil {
			t.Fatal(err)
		}
		for _, gain := range []float64{-6, -10, -14, -20} {
			for _, c := range codecs {
				for rep := range 4 {
					l := randomLine(rng, c, gain)
					p := &played{}
					p.silence(5)
					p.clip(greeting, c)
					p.silence(30)
					keys := make([]int16, len(p.pcm))
					want := pressKeys(rng, keys, 800+echoFindMax+l.delay, 800+greeting.Frames()*160, -20)
					// When was the echo found?
					short := &played{pcm: p.pcm[:800+echoFindMax+l.delay], prompt: p.prompt[:(800+echoFindMax+l.delay)/160]}
					if _, ec := l.hear(short, nil, true); !hasEcho(ec) {
						t.Errorf("%s greeting, echo at %g dB after %d samples, %s, rep %d: not found within %d ms", lang, gain, l.delay, c.name, rep, echoFindMax/8)
					}
					if got, _ := l.hear(p, keys, true); got != want {
						t.Errorf("%s greeting, echo at %g dB after %d samples, %s, rep %d: %q, want %q", lang, gain, l.delay, c.name, rep, got, want)
					}
				}
			}
		}
	}
}

func hasEcho(ec *EchoCanceller) bool {
	_, _, ok := ec.Echo()
	return ok
}

// TestEchoPaths: echo paths that are not one delayed copy -- half a
// sample late, spread over three samples, inverted, moved by 30 ms after
// the greeting (the canceller drops its model and finds the new one
// within 1.5 s), none
// at all, and with packets lost -- leave keys at -20 dBm0 found once.
func TestEchoPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(57, 58))
	cat := testCatalogue(t)
	cases := []struct {
		name   string
		setup  func(l *echoLine)
		gain   float64
		noEcho bool
	}{
		{name: "half a sample late", setup: func(l *echoLine) { l.path = []float64{0.5, 0.5} }},
		{name: "spread", setup: func(l *echoLine) { l.path = []float64{0.25, 0.6, 0.3} }},
		{name: "inverted", setup: func(l *echoLine) { l.path = []float64{-1} }},
		{name: "moved 30 ms", setup: func(l *echoLine) { l.move = 240 }},
		{name: "no echo", gain: -200, noEcho: true},
		{name: "3 % lost", setup: func(l *echoLine) { l.lost = lossPattern(rng, 1000, 0.03) }},
	}
	for _, tc := range cases {
		for _, lang := range []string{"ja", "en"} {
			clip, err := cat.Clip(lang, "enter_id_long")
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range codecs {
				gain := -6.0
				if tc.gain != 0 {
					gain = tc.gain
				}
				l := randomLine(rng, c, gain)
				if tc.setup != nil {
					tc.setup(&l)
				}
				p, start := greetingCall(t, lang, clip, c)
				if l.move != 0 {
					// The echo moves as the second prompt starts; keys
					// come 1.5 s later.
					l.changeAt = start
					start += 12000
				}
				keys := make([]int16, len(p.pcm))
				want := pressKeys(rng, keys, start, start+clip.Frames()*160, -20)
				got, ec := l.hear(p, keys, true)
				if tc.name == "3 % lost" {
					// A loss can take too much of a key to find it;
					// none may come twice.
					if !matchPresses(got, want, make([]bool, len(want))) {
						t.Errorf("%s, %s, %s: %q, want %q or fewer", tc.name, lang, c.name, got, want)
					}
					continue
				}
				if got != want || hasEcho(ec) == tc.noEcho {
					t.Errorf("%s, %s, %s: %q, want %q (echo found: %v)", tc.name, lang, c.name, got, want, hasEcho(ec))
				}
			}
		}
	}
}

// TestEchoAllocs: the canceller allocates nothing per frame.
func TestEchoAllocs(t *testing.T) {
	ec := NewEchoCanceller()
	rng := rand.New(rand.NewPCG(59, 60))
	ref := make([]int16, 160)
	frame := make([]int16, 160)
	allocs := testing.AllocsPerRun(500, func() {
		AddNoise(ref, -20, rng)
		ec.Reference(ref)
		copy(frame, ref)
		ec.Cancel(frame)
		ec.Silence(160)
		ec.Lost(160)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame", allocs)
	}
}

// benchEcho runs the canceller over prompts with their echo: a frame of
// reference and a frame heard per op. found runs it once through first so
// the echo is found; otherwise it keeps searching (never resting).
func benchEcho(b *testing.B, gainDB float64, found bool) {
	cat := testCatalogue(b)
	p := &played{}
	for _, n := range []string{"greeting", "enter_id", "choose_action", "registered"} {
		c, _ := cat.Clip("ja", n)
		p.clip(c, codecs[1])
	}
	l := echoLine{c: codecs[1], gainDB: gainDB, delay: 800}
	rx := l.heard(p, nil)
	frames := len(p.prompt)
	ec := NewEchoCanceller()
	frame := make([]int16, 160)
	if found {
		for k := range frames {
			ec.Reference(p.pcm[k*160 : k*160+160])
			copy(frame, rx[k*160:])
			ec.Cancel(frame)
		}
		if !hasEcho(ec) {
			b.Fatal("no echo found")
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % frames
		ec.Reference(p.pcm[k*160 : k*160+160])
		copy(frame, rx[k*160:])
		ec.Cancel(frame)
		if !found {
			ec.search.rest, ec.search.found = 0, 0
		}
	}
}

// BenchmarkEchoSearch is the canceller while it searches a line that
// returns no echo (callgrind: instructions per frame).
func BenchmarkEchoSearch(b *testing.B) { benchEcho(b, -200, false) }

// BenchmarkEchoCancel is the canceller removing an echo it has found.
func BenchmarkEchoCancel(b *testing.B) { benchEcho(b, -6, true) }

// BenchmarkEchoIdle is the canceller while nothing is played.
func BenchmarkEchoIdle(b *testing.B) {
	ec := NewEchoCanceller()
	frame := make([]int16, 160)
	b.ReportAllocs()
	for b.Loop() {
		ec.Silence(160)
		ec.Cancel(frame)
	}
}
