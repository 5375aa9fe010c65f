package sip

import (
	"errors"
	"testing"
	"time"
)

func TestDTMFModeRoundTrip(t *testing.T) {
	for m := DTMFAuto; m <= DTMFInfo; m++ {
		got, err := ParseDTMFMode(m.String())
		if err != nil || got != m {
			t.Errorf("%d: %q -> %v, %v", m, m.String(), got, err)
		}
	}
	if m, err := ParseDTMFMode(""); err != nil || m != DTMFAuto {
		t.Errorf(`"" -> %v, %v`, m, err)
	}
	for _, bad := range []string{"unknown", "RFC4733", "x"} {
		if _, err := ParseDTMFMode(bad); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%q accepted", bad)
		}
	}
	if DTMFMode(99).String() != "unknown" {
		t.Error("out of range mode")
	}
}

func TestEndReasonRoundTrip(t *testing.T) {
	for r := EndHangup; r <= EndSessionExpired; r++ {
		got, ok := ParseEndReason(r.String())
		if !ok || got != r {
			t.Errorf("%d: %q -> %v", r, r.String(), got)
		}
	}
	if _, ok := ParseEndReason("unknown"); ok {
		t.Error("unknown parsed")
	}
	if EndReason(99).String() != "unknown" {
		t.Error("out of range reason")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{name: "minimal", cfg: Config{Listen: "127.0.0.1:0"}, ok: true},
		{name: "range", cfg: Config{Listen: "127.0.0.1:0", RTPPortMin: 10000, RTPPortMax: 20000}, ok: true},
		{name: "no listen", cfg: Config{}},
		{name: "bad mode", cfg: Config{Listen: "127.0.0.1:0", DTMFMode: "sms"}},
		{name: "inverted range", cfg: Config{Listen: "127.0.0.1:0", RTPPortMin: 20000, RTPPortMax: 10000}},
		{name: "privileged range", cfg: Config{Listen: "127.0.0.1:0", RTPPortMin: 100, RTPPortMax: 200}},
		{name: "bad external IP", cfg: Config{Listen: "127.0.0.1:0", ExternalIP: "example.com"}},
		{name: "negative timeout", cfg: Config{Listen: "127.0.0.1:0", RTPTimeout: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.cfg.validate()
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (s.rtpTimeout != DefaultRTPTimeout || s.log == nil || s.dtmfMode != DTMFAuto) {
				t.Errorf("defaults not applied: %+v", s)
			}
			if err != nil && !errors.Is(err, ErrBadConfig) {
				t.Errorf("error not ErrBadConfig: %v", err)
			}
		})
	}
}
