package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

// TestREADMEListsEveryServeFlag: the README's serve flags table names
// every flag `dezura serve` has, so the front door stays true.
func TestREADMEListsEveryServeFlag(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var cfg serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.flags(fs)
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		if !strings.Contains(string(readme), "| `--"+f.Name) {
			t.Errorf("README's serve flags table has no row for --%s (%s)", f.Name, f.Usage)
		}
	})
	if n < 20 {
		t.Fatalf("only %d serve flags seen", n)
	}
}
