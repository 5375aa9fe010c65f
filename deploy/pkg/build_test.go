package main

import (
	"context"
	"strings"
	"testing"
)

// TestValidDebianVersion: what -version accepts, and the default form.
func TestValidDebianVersion(t *testing.T) {
	tests := []struct {
		v  string
		ok bool
	}{
		{"1.0.0", true},
		{"0.0.0~git20261127093000.b08c031a2f3e", true},
		{"2.1+dirty", true},
		{"v1.0.0", false}, // Debian versions start with a digit
		{"1.0-1", false},  // a revision is not this package's
		{"1:1.0", false},  // nor an epoch
		{"", false},
		{"1.0 beta", false},
	}
	for _, tt := range tests {
		if got := validDebianVersion(tt.v); got != tt.ok {
			t.Errorf("validDebianVersion(%q) = %v, want %v", tt.v, got, tt.ok)
		}
	}
}

// TestRunRejectsBadInput: a bad version or a stray argument stops the
// build before anything is built, with a message saying what to give.
func TestRunRejectsBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-version", "v1.0.0", "-out", t.TempDir()}, "is not a Debian version"},
		{[]string{"-out", t.TempDir(), "extra"}, "no arguments expected"},
	}
	for _, tt := range tests {
		err := run(context.Background(), tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) = %v, want an error saying %q", tt.args, err, tt.want)
		}
	}
}
