package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/dezura/dezura/dtmf"
)

type dtmfCmd struct {
	Detect dtmfDetectCmd `cmd:"" help:"Print the DTMF digits in 8 kHz mono WAV recordings (16-bit PCM, mu-law or A-law)."`
}

// dtmfDetectCmd is `dezura dtmf detect [--json] [--lost TIMES] FILE...`:
// for operators who get a recording from a carrier and want to know which
// keys are in it. --lost replays a call as the service heard it: the
// packets listed were lost in transit, so the detector holds its state
// across them instead of taking what the recording holds there as heard.
type dtmfDetectCmd struct {
	JSON  bool     `name:"json" help:"one JSON object per file, with each key's start and end in ms"`
	Lost  string   `placeholder:"TIMES" help:"packets lost in transit, from the start of the recording: the start of each lost 20 ms packet (1440ms,1460ms) or lost stretches (1440ms-1500ms); the detector holds its state across them (one FILE)"`
	Files []string `arg:"" name:"file" help:"WAV files"`

	lost []dtmf.Span
}

func (c *dtmfDetectCmd) Validate() error {
	lost, err := dtmf.ParseLost(c.Lost)
	if err != nil {
		return fmt.Errorf("--lost: %w", err)
	}
	if c.Lost != "" && len(c.Files) > 1 {
		return errors.New("--lost describes one recording; give one FILE")
	}
	c.lost = lost
	return nil
}

func (c *dtmfDetectCmd) Run(o *output) error {
	type key struct {
		Key     string `json:"key"`
		StartMS int64  `json:"start_ms"`
		EndMS   int64  `json:"end_ms"`
	}
	type fileResult struct {
		File   string `json:"file"`
		Digits string `json:"digits"`
		Keys   []key  `json:"keys"`
	}
	enc := json.NewEncoder(o.Stdout)
	var failed int
	for _, path := range c.Files {
		evs, err := detectFile(path, c.lost)
		if err != nil {
			// Keep going: one unreadable file should not hide the others.
			fmt.Fprintf(o.Stderr, "dezura: %s: %v\n", path, err)
			failed++
			continue
		}
		res := fileResult{File: path, Keys: make([]key, 0, len(evs))}
		digits := make([]byte, 0, len(evs))
		for _, ev := range evs {
			digits = append(digits, ev.Key)
			res.Keys = append(res.Keys, key{Key: string(ev.Key), StartMS: ev.StartMS, EndMS: ev.EndMS})
		}
		res.Digits = string(digits)
		if c.JSON {
			if err := enc.Encode(res); err != nil {
				return err
			}
			continue
		}
		o.Printf("%s\t%s\n", path, res.Digits)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %s could not be read (8 kHz mono WAV: 16-bit PCM, mu-law or A-law)", failed, count(len(c.Files), "file"))
	}
	return nil
}

func detectFile(path string, lost []dtmf.Span) ([]dtmf.TimedEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	samples, err := dtmf.ReadWAV(f)
	if err != nil {
		return nil, err
	}
	return dtmf.DetectSamplesLost(samples, lost), nil
}
