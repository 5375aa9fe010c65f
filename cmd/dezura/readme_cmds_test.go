package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// The READMEs show dezura's commands in code blocks, tables and prose.
// TestREADMECommandsParse takes every `dezura ...` line from them, expands
// its synopsis ([optional] parts, a|b and (a | b) alternatives, PLACEHOLDERS)
// into command lines, and checks that the CLI's parser accepts each one
// (parse only: nothing runs), so the docs cannot drift from the commands.

var readmes = []string{"../../README.md", "../../ledger/README.md", "../../ledger/billing/README.md"}

// docCommand is one `dezura ...` synopsis found in a README.
type docCommand struct {
	where string // file:line
	text  string // "dezura ..."
	// complete: a full command line, which must parse (code blocks and
	// tables); otherwise (prose, or "..." in it) only its command and
	// flags must exist.
	complete bool
}

func TestREADMECommandsParse(t *testing.T) {
	// Issuer, collector and payer may come from the environment, as the docs say.
	t.Setenv("DEZURA_ISSUER_NAME", "株式会社デズラ")
	t.Setenv("DEZURA_ISSUER_REGISTRATION", "T7000012050002")
	for _, k := range []string{"CODE", "NAME", "BANK", "BRANCH", "ACCOUNT"} {
		t.Setenv("DEZURA_COLLECTOR_"+k, "1")
		t.Setenv("DEZURA_PAYER_"+k, "1")
	}
	var cmds []docCommand
	for _, f := range readmes {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, docCommands(strings.TrimPrefix(f, "../../"), string(data))...)
	}
	lines, complete := 0, 0
	for _, c := range cmds {
		for _, args := range expandSynopsis(c.text) {
			lines++
			full := c.complete && !containsWord(args, "...")
			if full {
				complete++
			}
			if err := checkDocCommand(args, full); err != nil {
				t.Errorf("%s: %s\n  as: dezura %s\n  %v", c.where, c.text, strings.Join(args, " "), err)
			}
		}
	}
	// So that a change in the READMEs' layout cannot make this pass by
	// finding nothing.
	if len(cmds) < 50 || complete < 40 {
		t.Fatalf("found %d commands in the READMEs (%d lines, %d complete); the extraction is broken", len(cmds), lines, complete)
	}
	t.Logf("%d commands in the READMEs, %d command lines, %d of them complete", len(cmds), lines, complete)
}

// checkDocCommand parses args ("dezura" left out) as the CLI would. A
// complete line must parse; otherwise its command must exist and the
// flags it names must be flags of that command.
func checkDocCommand(args []string, complete bool) error {
	var g dezuraCLI
	k, err := newParser(&g, cliEnv{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		return err
	}
	if complete {
		_, err := k.Parse(args)
		return err
	}
	node := k.Model.Node
	var rest []string
	for i, a := range args {
		next := childNamed(node, a)
		if next == nil {
			rest = args[i:]
			break
		}
		node = next
	}
	if node == k.Model.Node && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		return fmt.Errorf("no command %q", rest[0])
	}
	flags := map[string]bool{}
	for _, group := range node.AllFlags(false) {
		for _, f := range group {
			flags[f.Name] = true
		}
	}
	for _, a := range rest {
		if name, ok := strings.CutPrefix(a, "--"); ok {
			name, _, _ = strings.Cut(name, "=")
			if !flags[name] {
				return fmt.Errorf("%s has no flag --%s", node.FullPath(), name)
			}
		}
	}
	return nil
}

func childNamed(n *kong.Node, name string) *kong.Node {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var (
	fence      = regexp.MustCompile("^\\s*```")
	codeSpan   = regexp.MustCompile("`([^`]+)`")
	commentGap = regexp.MustCompile(`\s{2,}|\s#`)
)

// docCommands finds the `dezura ...` synopses of one README: lines of code
// blocks (with their continuation lines), and code spans in tables and
// prose.
func docCommands(file, text string) []docCommand {
	var out []docCommand
	lines := strings.Split(text, "\n")
	inCode := false
	var para []string
	paraLine := 0
	flushProse := func() {
		for _, m := range codeSpan.FindAllStringSubmatch(strings.Join(para, " "), -1) {
			if c, ok := commandText(m[1]); ok {
				out = append(out, docCommand{fmt.Sprintf("%s:%d", file, paraLine), c, false})
			}
		}
		para = nil
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		where := fmt.Sprintf("%s:%d", file, i+1)
		switch {
		case fence.MatchString(line):
			flushProse()
			inCode = !inCode
		case inCode:
			c, ok := commandText(line)
			if !ok {
				continue
			}
			// Continuation lines: a trailing backslash, or indented lines
			// under the command.
			for i+1 < len(lines) && (strings.HasSuffix(strings.TrimSpace(c), "\\") ||
				(strings.HasPrefix(lines[i+1], " ") && strings.TrimSpace(lines[i+1]) != "" && !fence.MatchString(lines[i+1]))) {
				c = strings.TrimSuffix(strings.TrimSpace(c), "\\") + " " + strings.TrimSpace(lines[i+1])
				i++
			}
			out = append(out, docCommand{where, c, true})
		case strings.HasPrefix(strings.TrimSpace(line), "|"):
			flushProse()
			for _, m := range codeSpan.FindAllStringSubmatch(line, -1) {
				if c, ok := commandText(m[1]); ok {
					out = append(out, docCommand{where, c, true})
				}
			}
		case strings.TrimSpace(line) == "":
			flushProse()
		default:
			if para == nil {
				paraLine = i + 1
			}
			para = append(para, line)
		}
	}
	flushProse()
	return out
}

// commandText returns a dezura command line without what follows it (a
// comment after "#" or a gap of spaces), or false if s is not one.
func commandText(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.Replace(s, "go run ./cmd/dezura ", "dezura ", 1)
	if rest, ok := strings.CutPrefix(s, "dz "); ok { // the README's alias for the service user's dezura
		s = "dezura " + rest
	}
	if !strings.HasPrefix(s, "dezura ") {
		return "", false
	}
	// Keep a trailing backslash: the caller joins the next line.
	if loc := commentGap.FindStringIndex(s); loc != nil && !strings.HasSuffix(s[:loc[0]], "\\") {
		s = s[:loc[0]]
	}
	return s, true
}

// placeholders are sample values for the upper-case words of synopses.
var placeholders = map[string]string{
	"D": "2025-04-01", "DATE": "2025-04-01", "RFC3339": "2025-04-01T08:00:00+09:00",
	"ID": "1", "SUBSCRIPTION-ID": "1", "N": "1", "YEN": "16500", "TIMES": "1440ms,1460ms",
	"NUMBER": "090-1234-5678", "CODE": "77",
}

// expandSynopsis turns one synopsis into the command lines it stands for
// (without "dezura"): each alternative of a|b and (a | b), optional parts
// included, placeholders given sample values, "> FILE" dropped.
func expandSynopsis(s string) [][]string {
	toks := synopsisTokens(strings.TrimPrefix(s, "dezura "))
	var out [][]string
	for _, alt := range expandTokens(toks) {
		var args []string
		for i := 0; i < len(alt); i++ {
			a := alt[i]
			if a == ">" { // shell redirection in an example
				i++
				continue
			}
			args = append(args, placeholderValue(a))
		}
		out = append(out, args)
	}
	return out
}

var upperWord = regexp.MustCompile(`^[A-Z_]{2,}$`)

func placeholderValue(a string) string {
	if a == "..." {
		return a
	}
	a = strings.TrimSuffix(a, "...") // FILE.wav...: one or more
	if v, ok := placeholders[a]; ok {
		return v
	}
	if upperWord.MatchString(a) || strings.HasPrefix(a, "FILE") {
		return "x"
	}
	return a
}

// synopsisTokens splits like a shell (quotes kept together, without the
// quotes) and makes [ ] ( ) | their own tokens where they stand between
// words.
func synopsisTokens(s string) []string {
	var toks []string
	var cur strings.Builder
	var quote rune
	inTok := false
	flush := func() {
		if inTok {
			toks = append(toks, cur.String())
		}
		cur.Reset()
		inTok = false
	}
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inTok = r, true
		case r == ' ' || r == '\t':
			flush()
		case r == '[' || r == '(' || (r == ']' || r == ')'):
			flush()
			toks = append(toks, string(r))
		default:
			cur.WriteRune(r)
			inTok = true
		}
	}
	flush()
	return toks
}

// expandTokens expands groups and alternatives into plain token lists.
func expandTokens(toks []string) [][]string {
	results := [][]string{{}}
	for i := 0; i < len(toks); i++ {
		var choices [][]string
		switch t := toks[i]; {
		case t == "[" || t == "(":
			end := matching(toks, i)
			for _, alt := range splitTop(toks[i+1 : end]) {
				choices = append(choices, expandTokens(alt)...)
			}
			i = end
		case strings.Contains(t, "|") && t != "|":
			for _, a := range strings.Split(t, "|") {
				choices = append(choices, []string{a})
			}
		default:
			choices = [][]string{{t}}
		}
		var next [][]string
		for _, r := range results {
			for _, c := range choices {
				next = append(next, append(append([]string(nil), r...), c...))
			}
		}
		results = next
	}
	return results
}

// matching returns the index of the bracket closing toks[i].
func matching(toks []string, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		switch toks[j] {
		case "[", "(":
			depth++
		case "]", ")":
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(toks) - 1
}

// splitTop splits toks at the "|" tokens outside nested groups.
func splitTop(toks []string) [][]string {
	var out [][]string
	depth, start := 0, 0
	for j, t := range toks {
		switch t {
		case "[", "(":
			depth++
		case "]", ")":
			depth--
		case "|":
			if depth == 0 {
				out = append(out, toks[start:j])
				start = j + 1
			}
		}
	}
	return append(out, toks[start:])
}

func containsWord(args []string, w string) bool {
	for _, a := range args {
		if a == w {
			return true
		}
	}
	return false
}

// TestExpandSynopsis: the expansion the README test relies on.
func TestExpandSynopsis(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"dezura phone add 090-1 (--technician ID | --foreman-of ACME)", []string{
			"phone add 090-1 --technician 1", "phone add 090-1 --foreman-of x"}},
		{"dezura entries list [--date D | --from D --to D] [--json]", []string{
			"entries list --date 2025-04-01 --json", "entries list --from 2025-04-01 --to 2025-04-01 --json"}},
		{"dezura site list|show ...", []string{"site list ...", "site show ..."}},
		{`dezura billing invoice show 2025-000001 [--format html > invoice.html]`, []string{"billing invoice show 2025-000001 --format html"}},
		{`dezura billing void 2025-000002 --reason "誤 請求"`, []string{"billing void 2025-000002 --reason 誤 請求"}},
	} {
		var got []string
		for _, args := range expandSynopsis(tt.in) {
			got = append(got, strings.Join(args, " "))
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("expandSynopsis(%q) =\n%q\nwant\n%q", tt.in, got, tt.want)
		}
	}
	if c, _ := commandText("go run ./cmd/dezura serve --demo    # the service"); c != "dezura serve --demo" {
		t.Errorf("commandText: %q", c)
	}
}
