package main

import (
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
	var g dezuraCLI
	k, err := newParser(&g, cliEnv{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, cmd := range k.Model.Children {
		if cmd.Name != "serve" {
			continue
		}
		for _, group := range cmd.AllFlags(true) { // serve's and the root's (--db)
			for _, f := range group {
				if f.Name == "help" {
					continue
				}
				n++
				if !strings.Contains(string(readme), "| `--"+f.Name) {
					t.Errorf("README's serve flags table has no row for --%s (%s)", f.Name, f.Help)
				}
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d serve flags seen", n)
	}
}
