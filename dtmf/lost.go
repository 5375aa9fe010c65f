package dtmf

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Span is a stretch of a recording, in samples from its start: [Start, End).
type Span struct{ Start, End int64 }

// PacketDuration is what one lost packet stands for when ParseLost is given
// a single time: the 20 ms of a G.711 RTP packet (a=ptime:20).
const PacketDuration = 20 * time.Millisecond

// maxLostTime bounds the times ParseLost accepts: the length of the
// longest recording ReadWAV reads.
const maxLostTime = time.Duration(maxWAVSamples) * time.Second / sampleRate

// ParseLost reads a comma-separated list of the packets lost from a
// recording, for replaying a call as the service heard it: each item is
// the time a lost 20 ms packet starts ("1440ms", "1.46s") or a stretch
// lost from one time to another ("1440ms-1500ms"). Times are Go durations
// from the start of the recording. It returns the stretches in order,
// overlapping ones merged; the empty string is no loss. Errors wrap
// ErrBadLost.
func ParseLost(s string) ([]Span, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []Span
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		from, to, isRange := strings.Cut(item, "-")
		start, err := lostTime(from)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %w", ErrBadLost, item, err)
		}
		end := start + PacketDuration
		if isRange {
			if end, err = lostTime(to); err != nil {
				return nil, fmt.Errorf("%w: %q: %w", ErrBadLost, item, err)
			}
			if end <= start {
				return nil, fmt.Errorf("%w: %q ends before it starts", ErrBadLost, item)
			}
		}
		out = append(out, Span{Start: toSamples(start), End: toSamples(end)})
	}
	slices.SortFunc(out, func(a, b Span) int { return int(a.Start - b.Start) })
	merged := out[:1]
	for _, sp := range out[1:] {
		last := &merged[len(merged)-1]
		if sp.Start <= last.End {
			last.End = max(last.End, sp.End)
			continue
		}
		merged = append(merged, sp)
	}
	return merged, nil
}

// lostTime reads one time of a ParseLost list.
func lostTime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty time; want a time such as 1440ms")
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("want a time such as 1440ms or 1.44s")
	}
	if d < 0 || d > maxLostTime {
		return 0, fmt.Errorf("time %v is outside 0..%v", d, maxLostTime)
	}
	return d, nil
}

func toSamples(d time.Duration) int64 { return int64(d * sampleRate / time.Second) }

// DetectSamplesLost is DetectSamples for a recording some of which was
// lost in transit: the samples in lost (as ParseLost returns them, in
// order and not overlapping) are not heard (Detector.Lost) whatever the
// recording holds there.
func DetectSamplesLost(samples []int16, lost []Span) []TimedEvent {
	var out []TimedEvent
	d := NewDetector()
	record := func(det detection) {
		if det.end >= 0 {
			out = append(out, TimedEvent{Key: det.key, StartMS: toMS(det.start), EndMS: toMS(det.end)})
		}
	}
	at := int64(0)
	for _, sp := range lost {
		start, end := min(sp.Start, int64(len(samples))), min(sp.End, int64(len(samples)))
		if start < at || end <= start {
			continue
		}
		d.feed(samples[at:start], record)
		d.Lost(int(end - start))
		at = end
	}
	d.feed(samples[at:], record)
	// Flush: silence long enough to end a held key.
	var silence [winLen]int16
	end := d.samples
	for d.cur != 0 {
		d.feed(silence[:], func(det detection) {
			if det.end >= 0 {
				det.end = min(det.end, end)
				record(det)
			}
		})
	}
	return out
}

func toMS(s int64) int64 { return s * 1000 / sampleRate }
