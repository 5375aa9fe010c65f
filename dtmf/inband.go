package dtmf

// Detector is an in-band DTMF detector fed 20 ms frames (160 samples) of
// 8 kHz linear PCM. One per call. STUB: replaced by the dtmf owner.
type Detector struct{}

// NewDetector returns a detector for 8 kHz audio.
func NewDetector() *Detector { return &Detector{} }

// Process feeds one frame and returns a digit when one is recognised.
func (d *Detector) Process(frame []int16) (Event, bool) { return Event{}, false }

// Reset forgets any tone in progress.
func (d *Detector) Reset() {}
