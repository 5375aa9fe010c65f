package simulator

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCallKeysInStep(t *testing.T) {
	t.Parallel()
	steps := []uasStep{
		{prompt: 400 * time.Millisecond, term: true},
		{prompt: 300 * time.Millisecond, want: 1},
	}
	tests := []struct {
		name    string
		opts    Options
		codec   Codec
		eventPT uint8
	}{
		{"rfc4733 PCMU pt96", Options{DTMF: "rfc4733", EventPT: 96}, CodecPCMU, 96},
		{"rfc4733 PCMA first", Options{Codecs: []string{"PCMA", "PCMU"}}, CodecPCMA, 101},
		{"inband", Options{DTMF: "inband"}, CodecPCMU, 101},
		{"inband PCMA", Options{DTMF: "inband", Codecs: []string{"PCMA"}}, CodecPCMA, 101},
		{"info", Options{DTMF: "info"}, CodecPCMU, 101},
		{"rfc4733 shared pacer", Options{Pacer: NewPacer()}, CodecPCMU, 101},
		{"inband shared pacer", Options{DTMF: "inband", Pacer: NewPacer()}, CodecPCMU, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := startUAS(t, uasConfig{steps: steps, final: 300 * time.Millisecond})
			o := tt.opts
			if o.Pacer != nil {
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { defer close(done); _ = o.Pacer.Run(ctx) }()
				defer func() { cancel(); <-done }()
			}
			o.To, o.From = u.addr, "09012345678"
			o.Keys = []string{"1234#", "1"}
			o.Silence = 300 * time.Millisecond
			o.MaxDuration = 20 * time.Second
			o.Record = filepath.Join(t.TempDir(), "heard.wav")
			res, err := Call(context.Background(), o)
			if err != nil {
				t.Fatalf("Call: %v", err)
			}
			rec := u.wait(t)
			if res.Status != 200 || res.EndedBy != EndedRemoteBye {
				t.Fatalf("status %d ended by %q, want 200 remote-bye", res.Status, res.EndedBy)
			}
			if res.KeysSent != "1234#1" {
				t.Errorf("KeysSent %q", res.KeysSent)
			}
			if res.CallID == "" || res.Codec != tt.codec.String() {
				t.Errorf("CallID %q codec %q", res.CallID, res.Codec)
			}
			if rec.codec != tt.codec || rec.eventPT != tt.eventPT {
				t.Errorf("service negotiated %v/%d, want %v/%d", rec.codec, rec.eventPT, tt.codec, tt.eventPT)
			}
			var got []byte
			for _, d := range rec.digits {
				got = append(got, d.key)
				if !d.promptEnded {
					t.Errorf("digit %c of step %d keyed while the prompt played", d.key, d.step)
				}
			}
			if string(got) != "1234#1" {
				t.Errorf("service received %q, want 1234#1", got)
			}
			if want := []int{0, 0, 0, 0, 0, 1}; len(rec.digits) == len(want) {
				for i, d := range rec.digits {
					if d.step != want[i] {
						t.Errorf("digit %d arrived in step %d, want %d", i, d.step, want[i])
					}
				}
			}
			if res.PromptsHeard != 3 {
				t.Errorf("PromptsHeard %d, want 3", res.PromptsHeard)
			}
			if rec.rtpPackets < 25 {
				t.Errorf("service got %d RTP packets", rec.rtpPackets)
			}
			checkWAV(t, o.Record, len(res.Heard))
			if len(res.Heard) < 8000 {
				t.Errorf("heard %d samples", len(res.Heard))
			}
		})
	}
}

func TestCallKeyEarlyBargesIn(t *testing.T) {
	t.Parallel()
	u := startUAS(t, uasConfig{steps: []uasStep{{prompt: 3 * time.Second, term: true}, {prompt: 3 * time.Second, want: 1}}, final: 200 * time.Millisecond})
	res, err := Call(context.Background(), Options{To: u.addr, From: "0312345678", Keys: []string{"12#", "2"}, KeyEarly: true, Silence: 300 * time.Millisecond, MaxDuration: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rec := u.wait(t)
	if res.EndedBy != EndedRemoteBye || res.KeysSent != "12#2" {
		t.Fatalf("ended by %q keys %q", res.EndedBy, res.KeysSent)
	}
	if len(rec.digits) != 4 || !rec.digits[0].bargeIn || !rec.digits[3].bargeIn || rec.digits[3].step != 1 {
		t.Errorf("digits %+v: want the first of each group to cut the prompt", rec.digits)
	}
}

func TestCallHangupAfterGroup(t *testing.T) {
	t.Parallel()
	u := startUAS(t, uasConfig{steps: []uasStep{{prompt: 300 * time.Millisecond, term: true}, {prompt: 300 * time.Millisecond, want: 1}}})
	res, err := Call(context.Background(), Options{To: u.addr, Keys: []string{"55#", "1"}, HangupAfterGroup: 1, Silence: 300 * time.Millisecond, MaxDuration: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rec := u.wait(t)
	if res.Status != 200 || res.EndedBy != EndedLocalBye || res.KeysSent != "55#" {
		t.Fatalf("status %d ended by %q keys %q", res.Status, res.EndedBy, res.KeysSent)
	}
	if !rec.remoteBye {
		t.Error("service did not see the caller's BYE")
	}
}

func TestCallRejected(t *testing.T) {
	t.Parallel()
	u := startUAS(t, uasConfig{})
	res, err := Call(context.Background(), Options{To: u.addr, From: "09012345678", Codecs: []string{"G729"}, MaxDuration: 10 * time.Second})
	if err != nil {
		t.Fatalf("a clean rejection is not an error: %v", err)
	}
	u.wait(t)
	if res.Status != 488 || res.EndedBy != EndedRejected {
		t.Fatalf("status %d ended by %q, want 488 rejected", res.Status, res.EndedBy)
	}
}

func TestCallCancel(t *testing.T) {
	t.Parallel()
	u := startUAS(t, uasConfig{ringOnly: true})
	res, err := Call(context.Background(), Options{To: u.addr, CancelAfter: 300 * time.Millisecond, MaxDuration: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rec := u.wait(t)
	if res.Status != 487 || res.EndedBy != EndedCancel {
		t.Fatalf("status %d ended by %q, want 487 cancel", res.Status, res.EndedBy)
	}
	if !rec.cancelled {
		t.Error("service transaction was not cancelled")
	}
}

func TestCallTimeout(t *testing.T) {
	t.Parallel()
	u := startUAS(t, uasConfig{steps: []uasStep{{prompt: 200 * time.Millisecond, want: 1}}, noHangup: true, digitWait: 30 * time.Second})
	res, err := Call(context.Background(), Options{To: u.addr, MaxDuration: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := u.wait(t)
	if res.Status != 200 || res.EndedBy != EndedTimeout || !rec.remoteBye {
		t.Fatalf("status %d ended by %q service saw BYE %v", res.Status, res.EndedBy, rec.remoteBye)
	}
	if res.PromptsHeard != 1 {
		t.Errorf("PromptsHeard %d", res.PromptsHeard)
	}
}

func TestCallContextEnds(t *testing.T) {
	t.Parallel()
	u := startUAS(t, uasConfig{steps: []uasStep{{prompt: 200 * time.Millisecond, want: 1}}, noHangup: true, digitWait: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	res, err := Call(ctx, Options{To: u.addr, MaxDuration: 20 * time.Second})
	if err == nil || res.EndedBy != EndedLocalBye {
		t.Fatalf("err %v ended by %q, want context error and local-bye", err, res.EndedBy)
	}
	if rec := u.wait(t); !rec.remoteBye {
		t.Error("service did not see BYE")
	}
}

func TestCallInvalidOptions(t *testing.T) {
	t.Parallel()
	tests := []Options{
		{},
		{To: "sip:x@127.0.0.1", DTMF: "pulse"},
		{To: "sip:x@127.0.0.1", Codecs: []string{"OPUS"}},
		{To: "sip:x@127.0.0.1", Keys: []string{"12x"}},
		{To: "sip:x@127.0.0.1", Keys: []string{""}},
		{To: "sip:x@127.0.0.1", EventPT: 8},
		{To: "sip:x@127.0.0.1", HangupAfterGroup: 2, Keys: []string{"1"}},
		{To: "not a uri"},
	}
	for _, o := range tests {
		if _, err := Call(context.Background(), o); err == nil {
			t.Errorf("Call(%+v) succeeded", o)
		}
	}
}

// checkWAV checks a RIFF/WAVE header for 8 kHz mono 16-bit PCM with n samples.
func checkWAV(t *testing.T, path string, n int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read recording: %v", err)
	}
	if len(b) != 44+2*n {
		t.Fatalf("WAV is %d bytes, want %d", len(b), 44+2*n)
	}
	le := binary.LittleEndian
	ok := bytes.Equal(b[0:4], []byte("RIFF")) && bytes.Equal(b[8:16], []byte("WAVEfmt ")) &&
		le.Uint32(b[4:]) == uint32(len(b)-8) && le.Uint16(b[20:]) == 1 && le.Uint16(b[22:]) == 1 &&
		le.Uint32(b[24:]) == 8000 && le.Uint16(b[34:]) == 16 && bytes.Equal(b[36:40], []byte("data")) &&
		le.Uint32(b[40:]) == uint32(2*n)
	if !ok {
		t.Errorf("bad WAV header % x", b[:44])
	}
}

func TestCallNoService(t *testing.T) {
	t.Parallel()
	// A socket that swallows the INVITE: no response, no ICMP error.
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	res, err := Call(context.Background(), Options{To: "sip:ivr@" + hole.LocalAddr().String(), MaxDuration: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 0 || res.EndedBy != EndedTimeout {
		t.Fatalf("status %d ended by %q, want 0 timeout", res.Status, res.EndedBy)
	}
}

// TestCallHearsEverythingSentBeforeBye: a service that sends the end of
// its last prompt and its BYE at once (dezura hangs up as the prompt's
// last frame leaves) is heard to the end, however far behind the reader
// was when the BYE arrived.
func TestCallHearsEverythingSentBeforeBye(t *testing.T) {
	t.Parallel()
	const frames = 100
	for i := range 3 {
		u := startUAS(t, uasConfig{final: frames * 20 * time.Millisecond, burstBye: true})
		res, err := Call(context.Background(), Options{To: u.addr, MaxDuration: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		u.wait(t)
		if res.EndedBy != EndedRemoteBye {
			t.Fatalf("call %d ended by %q, want the service's BYE", i, res.EndedBy)
		}
		tone := 0
		for f := 0; f+samplesPerFrame <= len(res.Heard); f += samplesPerFrame {
			peak := 0
			for _, v := range res.Heard[f : f+samplesPerFrame] {
				peak = max(peak, int(v), -int(v))
			}
			if peak > 4000 {
				tone++
			}
		}
		if tone != frames {
			t.Fatalf("call %d: heard %d tone frames of the %d sent before the BYE", i, tone, frames)
		}
	}
}
