package ivr

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dezura/dezura/prompts"
)

// reaction is one step of a scripted caller: when a playlist whose last
// clip is after is played, key keys (after it ends, or during it), or hang
// up.
type reaction struct {
	after  string
	keys   string
	during bool // key while the prompt plays (type-ahead, barge-in)
	hangup bool
}

// fakeCall is a scripted caller over the Call interface. Prompt time is
// real time.Duration (frames × 20 ms), so tests run it inside synctest.
type fakeCall struct {
	id, caller, called string

	keys     chan byte
	done     chan struct{}
	doneOnce sync.Once

	mu      sync.Mutex
	script  []reaction
	played  []string // every clip name, in play order
	clips   []*prompts.Clip
	stopped int // playlists stopped early
	stop    chan struct{}
	hungUp  bool
	cause   string // EndCause: "hangup" (the flow's), "remote_bye" (the script's)
	wg      sync.WaitGroup

	withheld bool
	// groups, when set, are keyed instead of a script, as the simulator
	// does: each group when a playlist that started after the previous
	// group ends (timing keyAfter), or as it starts (keyEarly); with
	// keyAhead all groups at once as the first playlist starts.
	groups []string
	timing keyTiming
	fresh  bool // a playlist started since the last group was keyed
}

// keyTiming is when a scripted caller keys his groups.
type keyTiming uint8

const (
	keyScript keyTiming = iota // reactions
	keyAhead                   // everything at full speed as the first prompt starts
	keyEarly                   // each group as a prompt starts
	keyAfter                   // each group after a prompt has ended
)

func (k keyTiming) String() string {
	return [...]string{"script", "typed ahead", "during each prompt", "after each prompt"}[k]
}

// afterPromptPause is how long after a prompt a caller who waits for its
// end starts keying.
const afterPromptPause = 300 * time.Millisecond

// fakeCallIDs numbers fake calls: every call has its own Call-ID, as on
// the wire (the ledger's idempotency keys are made from it).
var fakeCallIDs atomic.Int64

func newFakeCall(caller string, script ...reaction) *fakeCall {
	return newFakeCallTo(caller, "ivr", script...)
}

// newFakeCallTo is a call to the number called (a site's own number, or
// "ivr" for the general one).
func newFakeCallTo(caller, called string, script ...reaction) *fakeCall {
	return &fakeCall{id: fmt.Sprintf("call-%d-%s", fakeCallIDs.Add(1), caller), caller: caller, called: called,
		keys: make(chan byte, 64), done: make(chan struct{}), script: script}
}

func (c *fakeCall) ID() string            { return c.id }
func (c *fakeCall) Caller() string        { return c.caller }
func (c *fakeCall) Called() string        { return c.called }
func (c *fakeCall) Keys() <-chan byte     { return c.keys }
func (c *fakeCall) Done() <-chan struct{} { return c.done }
func (c *fakeCall) DTMFTransport() string { return "rfc4733" }
func (c *fakeCall) Withheld() bool        { return c.withheld }
func (c *fakeCall) ArrivedAt() time.Time  { return time.Time{} } // the flow's clock stands in

func (c *fakeCall) EndCause() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

// newGroupCall is a caller who keys groups with the given timing.
func newGroupCall(caller, called string, timing keyTiming, groups ...string) *fakeCall {
	c := newFakeCallTo(caller, called)
	c.groups, c.timing = groups, timing
	return c
}

// nextGroups returns what to key as a playlist starts (early), or as it
// ends naturally (!early), and consumes it. Called with mu held.
func (c *fakeCall) nextGroups(early bool) string {
	if len(c.groups) == 0 {
		return ""
	}
	switch {
	case c.timing == keyAhead && early:
		all := strings.Join(c.groups, "")
		c.groups = nil
		return all
	case c.timing == keyEarly && early, c.timing == keyAfter && !early && c.fresh:
		g := c.groups[0]
		c.groups = c.groups[1:]
		c.fresh = false
		return g
	}
	return ""
}

func (c *fakeCall) Play(clips []*prompts.Clip) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopLocked()
	var d time.Duration
	for _, cl := range clips {
		c.played = append(c.played, cl.Name)
		c.clips = append(c.clips, cl)
		d += time.Duration(cl.Frames()) * 20 * time.Millisecond
	}
	var r *reaction
	if len(clips) > 0 && len(c.script) > 0 && c.script[0].after == clips[len(clips)-1].Name {
		r = &c.script[0]
		c.script = c.script[1:]
	}
	if r != nil && r.during {
		c.press(r.keys)
	}
	if g := c.nextGroups(true); g != "" {
		c.press(g)
	}
	c.fresh = true
	played, stop := make(chan struct{}), make(chan struct{})
	c.stop = stop
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTimer(d)
		defer t.Stop()
		natural := false
		select {
		case <-t.C:
			natural = true
		case <-stop:
		case <-c.done:
		}
		close(played)
		if natural && c.timing == keyAfter {
			c.mu.Lock()
			g := c.nextGroups(false)
			c.mu.Unlock()
			if g != "" {
				// A caller who waits for the end of a prompt hears its
				// silence first (the simulator waits 700 ms).
				time.Sleep(afterPromptPause)
				c.press(g)
			}
		}
		if r == nil || r.during || !natural {
			return
		}
		if r.hangup {
			c.endBy("remote_bye")
			return
		}
		c.press(r.keys)
	}()
	return played
}

func (c *fakeCall) press(keys string) {
	for i := 0; i < len(keys); i++ {
		c.keys <- keys[i]
	}
}

func (c *fakeCall) StopPlayback() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopLocked()
}

func (c *fakeCall) stopLocked() {
	if c.stop != nil {
		select {
		case <-c.stop:
		default:
			close(c.stop)
			c.stopped++
		}
	}
}

func (c *fakeCall) Hangup() error {
	c.mu.Lock()
	c.hungUp = true
	c.mu.Unlock()
	c.endBy("hangup")
	return nil
}

// endBy ends the call once, saying why (before Done is closed, as sip.Call).
func (c *fakeCall) endBy(cause string) {
	c.doneOnce.Do(func() {
		c.mu.Lock()
		if c.cause == "" { // set by whoever ended it first, as in sip.Call
			c.cause = cause
		}
		c.mu.Unlock()
		close(c.done)
	})
}

// wait waits for the playback goroutines.
func (c *fakeCall) wait() { c.wg.Wait() }

// heard is the clip names played, joined by spaces.
func (c *fakeCall) heard() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.played, " ")
}

// languages returns, for every clip played, the language of the catalogue
// it came from ("ja", "en"; "?" if neither: a clip of both is "ja").
func (c *fakeCall) languages(cat *prompts.Catalogue) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.clips))
	for i, cl := range c.clips {
		out[i] = "?"
		for _, lang := range []string{prompts.Japanese, prompts.English} {
			if k, err := cat.Clip(lang, cl.Name); err == nil && k == cl {
				out[i] = lang
				break
			}
		}
	}
	return out
}
