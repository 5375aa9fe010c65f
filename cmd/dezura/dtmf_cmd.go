package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/dezura/dezura/dtmf"
)

type dtmfCmd struct {
	Detect dtmfDetectCmd `cmd:"" help:"Print the DTMF digits in 8 kHz mono WAV recordings (16-bit PCM, mu-law or A-law)."`
}

// dtmfDetectCmd is `dezura dtmf detect [--json] FILE...`: for operators
// who get a recording from a carrier and want to know which keys are in it.
type dtmfDetectCmd struct {
	JSON  bool     `name:"json" help:"one JSON object per file, with each key's start and end in ms"`
	Files []string `arg:"" name:"file" help:"WAV files"`
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
		evs, err := detectFile(path)
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

func detectFile(path string) ([]dtmf.TimedEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	samples, err := dtmf.ReadWAV(f)
	if err != nil {
		return nil, err
	}
	return dtmf.DetectSamples(samples), nil
}
