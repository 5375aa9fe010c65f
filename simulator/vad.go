package simulator

import (
	"math"
	"time"
)

// activityThreshold is the frame RMS (16-bit linear) above which a frame is
// counted as sound: about -40 dBFS, well above G.711 idle noise and well
// below speech from a prompt.
const activityThreshold = 330

// vadKind says whether speech started or ended.
type vadKind uint8

const (
	vadUnknown vadKind = iota
	vadStart
	vadEnd
)

// vadEvent marks a change between speech and silence.
type vadEvent struct {
	Kind  vadKind
	Seg   int       // the speech segment, numbered from 1
	Start time.Time // when the speech segment began
	At    time.Time // for vadEnd, the last frame with sound
}

// activity is a frame-energy speech/silence detector with hangover: speech
// starts on two consecutive frames with sound, and ends once no frame has had
// sound for the hangover duration. It is a step function fed frames and
// clock readings; it does no I/O and reads no clock.
type activity struct {
	hangover   time.Duration
	inSpeech   bool
	run        int // consecutive frames with sound
	runStart   time.Time
	start      time.Time
	lastActive time.Time
	segments   int // completed speech segments
	seg        int // segments started
}

// frameRMS returns the root mean square of a frame.
func frameRMS(samples []int16) float64 {
	if len(samples) == 0 {
		return 0
	}
	var sum float64
	for _, s := range samples {
		f := float64(s)
		sum += f * f
	}
	return math.Sqrt(sum / float64(len(samples)))
}

// frame feeds one received frame that arrived at at.
func (a *activity) frame(samples []int16, at time.Time) (vadEvent, bool) {
	if frameRMS(samples) >= activityThreshold {
		if a.run == 0 {
			a.runStart = at
		}
		a.run++
		a.lastActive = at
		if !a.inSpeech && a.run >= 2 {
			a.inSpeech = true
			a.start = a.runStart
			a.seg++
			return vadEvent{Kind: vadStart, Seg: a.seg, Start: a.start, At: at}, true
		}
		return vadEvent{}, false
	}
	a.run = 0
	return a.idle(at)
}

// idle tells the detector that the clock reads at and no frame with sound
// has arrived since the last call (also used when no RTP arrives at all).
func (a *activity) idle(at time.Time) (vadEvent, bool) {
	if a.inSpeech && at.Sub(a.lastActive) >= a.hangover {
		a.inSpeech = false
		a.segments++
		return vadEvent{Kind: vadEnd, Seg: a.seg, Start: a.start, At: a.lastActive}, true
	}
	return vadEvent{}, false
}

// flush ends a segment in progress (the call ended while sound was heard) and
// reports whether it did.
func (a *activity) flush() bool {
	if a.inSpeech {
		a.inSpeech = false
		a.segments++
		return true
	}
	return false
}
