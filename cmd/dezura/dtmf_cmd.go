package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/dezura/dezura/dtmf"
)

// dtmfDetectUsage is the synopsis of `dezura dtmf detect`.
const dtmfDetectUsage = "usage: dezura dtmf detect [--json] [--lost TIMES] FILE.wav..."

// dtmfDetectHelp explains the command; its flags follow it.
const dtmfDetectHelp = dtmfDetectUsage + `

Prints one line per file: the path, a tab, and the DTMF digits in it
(8 kHz mono WAV: 16-bit PCM, mu-law or A-law).

--lost replays a call as the service heard it: the packets listed were
lost in transit, so the detector holds its state across them instead of
taking what the recording holds there as heard. TIMES is a comma-separated
list of the start of each lost 20 ms packet (1440ms,1460ms) or of lost
stretches (1440ms-1500ms), from the start of the recording. It takes one
FILE.

`

// dtmfCmd is `dezura dtmf detect [--json] [--lost TIMES] FILE...`: for
// operators who get a recording from a carrier and want to know which keys
// are in it.
func dtmfCmd(_ context.Context, env cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "detect" {
		return fmt.Errorf("%w: %s", errUsage, dtmfDetectUsage)
	}
	fs := flag.NewFlagSet("dtmf detect", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, dtmfDetectHelp)
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "one JSON object per file, with each key's start and end in ms")
	lostFlag := fs.String("lost", "", "packets lost in transit: `TIMES` such as 1440ms,1460ms or 1440ms-1500ms (one FILE)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: no files given; %s", errUsage, dtmfDetectUsage)
	}
	lost, err := dtmf.ParseLost(*lostFlag)
	if err != nil {
		return fmt.Errorf("%w: --lost: %w", errUsage, err)
	}
	if *lostFlag != "" && fs.NArg() > 1 {
		return fmt.Errorf("%w: --lost describes one recording; give one FILE", errUsage)
	}
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
	enc := json.NewEncoder(env.Stdout)
	var failed []error
	for _, path := range fs.Args() {
		evs, err := detectFile(path, lost)
		if err != nil {
			// Keep going: one unreadable file should not hide the others.
			fmt.Fprintf(env.Stderr, "dezura: %s: %v\n", path, err)
			failed = append(failed, err)
			continue
		}
		res := fileResult{File: path, Keys: make([]key, 0, len(evs))}
		digits := make([]byte, 0, len(evs))
		for _, ev := range evs {
			digits = append(digits, ev.Key)
			res.Keys = append(res.Keys, key{Key: string(ev.Key), StartMS: ev.StartMS, EndMS: ev.EndMS})
		}
		res.Digits = string(digits)
		if *asJSON {
			if err := enc.Encode(res); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(env.Stdout, "%s\t%s\n", path, res.Digits)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d files could not be read (8 kHz mono WAV: 16-bit PCM, mu-law or A-law)", len(failed), fs.NArg())
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
