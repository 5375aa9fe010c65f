package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/dezura/dezura/dtmf"
	"github.com/dezura/dezura/simulator"
)

// callConfig is the "call" command line.
type callConfig struct {
	To       string
	From     string
	Keys     []string
	DTMF     string
	Record   string
	Codecs   []string
	Timeout  time.Duration
	Silence  time.Duration
	EventPT  uint
	Early    bool
	JSON     bool
	Verbose  bool
	HangupAt int
	CancelAt time.Duration
	RTPStop  time.Duration
	Digits   simulator.DigitStyle
}

func parseCall(args []string, stderr io.Writer) (callConfig, error) {
	var c callConfig
	var keys, codecs string
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.To, "to", "", "SIP URI to call, e.g. sip:ivr@127.0.0.1:5060 (required)")
	fs.StringVar(&c.From, "from", "", "caller number sent as the From user, e.g. 09012345678 (empty: anonymous)")
	fs.StringVar(&keys, "keys", "", "key groups separated by commas, each keyed after the prompt before it, e.g. 1234#,1")
	fs.StringVar(&c.DTMF, "dtmf", "rfc4733", "how to key digits: rfc4733, inband or info")
	fs.StringVar(&c.Record, "record", "", "save what was heard to this WAV file (8 kHz mono 16-bit)")
	fs.StringVar(&codecs, "codecs", "PCMU,PCMA", "codecs to offer, in order (PCMU, PCMA, G729)")
	fs.DurationVar(&c.Timeout, "timeout", simulator.DefaultMaxDuration, "hang up if the call lasts longer than this")
	fs.DurationVar(&c.Silence, "silence", simulator.DefaultSilence, "silence that marks the end of a prompt")
	fs.UintVar(&c.EventPT, "event-pt", simulator.DefaultEventPT, "RTP payload type offered for telephone-event (96-127)")
	fs.BoolVar(&c.Early, "early", false, "type ahead: key each group as soon as the prompt starts")
	fs.IntVar(&c.HangupAt, "hangup-after", 0, "hang up right after keying group N (1-based; 0: let the service hang up)")
	fs.DurationVar(&c.CancelAt, "cancel-after", 0, "send CANCEL this long after the INVITE if not yet answered (0: never)")
	fs.DurationVar(&c.RTPStop, "rtp-stop-after", 0, "stop sending RTP this long after the answer, staying on the line (0: never)")
	fs.BoolVar(&c.JSON, "json", false, "print the result as JSON")
	fs.BoolVar(&c.Verbose, "v", false, "log SIP and media events to stderr")
	var sf styleFlags
	sf.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: dezura-sim call --to URI [--from NUMBER] [--keys 1234#,1] [flags]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%w: unexpected argument %q (flags start with --)", errUsage, fs.Arg(0))
	}
	c.Keys = splitList(keys)
	c.Codecs = splitList(codecs)
	st, err := sf.style()
	if err != nil {
		return c, err
	}
	c.Digits = st
	return c, c.Validate()
}

// splitList splits a comma-separated list, dropping spaces and empty items.
func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Validate says what is wrong with the command line and how to fix it.
func (c callConfig) Validate() error {
	if c.To == "" {
		return fmt.Errorf("%w: --to is required, e.g. --to sip:ivr@127.0.0.1:5060", errUsage)
	}
	if !strings.HasPrefix(c.To, "sip:") {
		return fmt.Errorf("%w: --to %q is not a SIP URI; write it as sip:USER@HOST:PORT", errUsage, c.To)
	}
	for _, r := range c.From {
		if !strings.ContainsRune("0123456789+", r) {
			return fmt.Errorf("%w: --from %q is not a phone number (digits, optionally a leading +)", errUsage, c.From)
		}
	}
	if _, ok := dtmf.ParseTransport(c.DTMF); !ok {
		return fmt.Errorf("%w: --dtmf %q: use rfc4733, inband or info", errUsage, c.DTMF)
	}
	for i, g := range c.Keys {
		for _, r := range g {
			if !strings.ContainsRune("0123456789*#ABCD", r) {
				return fmt.Errorf("%w: --keys group %d %q: %q is not a telephone key (0-9 * # A-D)", errUsage, i+1, g, string(r))
			}
		}
	}
	if len(c.Codecs) == 0 {
		return fmt.Errorf("%w: --codecs is empty; use e.g. PCMU,PCMA", errUsage)
	}
	for _, n := range c.Codecs {
		if _, err := simulator.ParseCodec(n); err != nil {
			return fmt.Errorf("%w: --codecs: %q is not one of PCMU, PCMA, G729", errUsage, n)
		}
	}
	if c.Timeout <= 0 || c.Silence <= 0 {
		return fmt.Errorf("%w: --timeout and --silence must be positive durations such as 60s or 700ms", errUsage)
	}
	if c.EventPT < 96 || c.EventPT > 127 {
		return fmt.Errorf("%w: --event-pt %d: use a dynamic payload type 96-127", errUsage, c.EventPT)
	}
	if c.CancelAt < 0 || c.RTPStop < 0 {
		return fmt.Errorf("%w: --cancel-after and --rtp-stop-after must not be negative", errUsage)
	}
	if c.HangupAt < 0 || c.HangupAt > len(c.Keys) {
		return fmt.Errorf("%w: --hangup-after %d: there are %d key groups", errUsage, c.HangupAt, len(c.Keys))
	}
	return nil
}

func (c callConfig) options(lg *slog.Logger) simulator.Options {
	return simulator.Options{
		To: c.To, From: c.From, Keys: c.Keys, DTMF: c.DTMF, Codecs: c.Codecs,
		EventPT: uint8(c.EventPT), Record: c.Record, Silence: c.Silence, KeyEarly: c.Early,
		HangupAfterGroup: c.HangupAt, CancelAfter: c.CancelAt, RTPStopAfter: c.RTPStop, MaxDuration: c.Timeout, Logger: lg,
		Digits: c.Digits,
	}
}

// callReport is the JSON form of a call's result.
type callReport struct {
	OK             bool    `json:"ok"`
	Status         int     `json:"status"`
	EndedBy        string  `json:"ended_by"`
	SetupLatencyMS float64 `json:"setup_latency_ms"`
	DurationMS     float64 `json:"duration_ms"`
	KeysSent       string  `json:"keys_sent"`
	PromptsHeard   int     `json:"prompts_heard"`
	Codec          string  `json:"codec,omitempty"`
	CallID         string  `json:"call_id"`
	HeardSeconds   float64 `json:"heard_seconds"`
	RTPPackets     int     `json:"rtp_packets"`
	RTPLost        int     `json:"rtp_lost"`
	JitterMS       float64 `json:"jitter_ms"`
	Record         string  `json:"record,omitempty"`
	Error          string  `json:"error,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// runCall places the call and prints the result; it returns an error when
// the call did not go as a caller expects (answered, then hung up by the service).
func runCall(ctx context.Context, c callConfig, stdout io.Writer, lg *slog.Logger) error {
	res, callErr := simulator.Call(ctx, c.options(lg))
	verdict := judge(c, res, callErr)
	if c.JSON {
		r := callReport{
			OK: verdict == nil, Status: res.Status, EndedBy: res.EndedBy,
			SetupLatencyMS: ms(res.SetupLatency), DurationMS: ms(res.Duration),
			KeysSent: res.KeysSent, PromptsHeard: res.PromptsHeard, Codec: res.Codec, CallID: res.CallID,
			HeardSeconds: float64(len(res.Heard)) / 8000, RTPPackets: res.RTP.Packets, RTPLost: res.RTP.Lost,
			JitterMS: res.RTP.JitterMS,
		}
		if res.Status == 200 {
			r.Record = c.Record
		}
		if verdict != nil {
			r.Error = verdict.Error()
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
		return verdict
	}
	if res.Status != 0 {
		fmt.Fprint(stdout, summary(res, c))
	}
	return verdict
}

// judge returns nil when the service answered and hung up normally, or an
// error saying what went wrong.
func judge(c callConfig, res simulator.Result, err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("interrupted; the call was ended (%s)", res.EndedBy)
	case err != nil && res.Status == 0:
		return fmt.Errorf("call failed: %w (is the service running at that address?)", err)
	case err != nil:
		return fmt.Errorf("call failed after %d: %w", res.Status, err)
	case res.EndedBy == simulator.EndedRejected && res.Status == 488:
		return fmt.Errorf("call rejected: 488 Not Acceptable Here (the service accepts none of the offered codecs; offer PCMU or PCMA)")
	case res.EndedBy == simulator.EndedRejected:
		return fmt.Errorf("call rejected with status %d", res.Status)
	case res.EndedBy == simulator.EndedCancel && c.CancelAt > 0 && res.Status == 487:
		return nil // cancelled as asked, and the service answered 487
	case res.EndedBy == simulator.EndedCancel:
		return fmt.Errorf("call cancelled before the answer (status %d)", res.Status)
	case res.EndedBy == simulator.EndedTimeout && res.Status == 200:
		return fmt.Errorf("the service did not hang up within --timeout; the simulator hung up")
	case res.EndedBy == simulator.EndedTimeout:
		return fmt.Errorf("no answer within --timeout")
	case res.EndedBy == simulator.EndedLocalBye:
		return nil // hung up as asked with --hangup-after
	case res.EndedBy == simulator.EndedRemoteBye:
		return nil
	default:
		return fmt.Errorf("call ended unexpectedly (%s, status %d)", res.EndedBy, res.Status)
	}
}

var endedText = map[string]string{
	simulator.EndedRemoteBye: "the service hung up",
	simulator.EndedLocalBye:  "the simulator hung up",
	simulator.EndedCancel:    "cancelled before the answer",
	simulator.EndedRejected:  "rejected",
	simulator.EndedTimeout:   "timed out; the simulator hung up",
}

func summary(res simulator.Result, c callConfig) string {
	var b strings.Builder
	fmt.Fprintf(&b, "status:        %d\n", res.Status)
	if res.Status == 200 {
		fmt.Fprintf(&b, "setup latency: %s\n", res.SetupLatency.Round(time.Microsecond))
	}
	fmt.Fprintf(&b, "duration:      %s\n", res.Duration.Round(time.Millisecond))
	fmt.Fprintf(&b, "ended:         %s\n", endedText[res.EndedBy])
	if res.Status == 200 {
		keys := res.KeysSent
		if keys == "" {
			keys = "(none)"
		}
		fmt.Fprintf(&b, "keys sent:     %s (%s)\n", keys, c.DTMF)
		fmt.Fprintf(&b, "prompts heard: %d (%.1f s of audio, %s, %d packets, %d lost)\n",
			res.PromptsHeard, float64(len(res.Heard))/8000, res.Codec, res.RTP.Packets, res.RTP.Lost)
		if c.Record != "" {
			fmt.Fprintf(&b, "recorded:      %s\n", c.Record)
		}
	}
	return b.String()
}
