package main

// How the CLI writes for people and for programs: tables aligned by what
// a terminal shows (a full-width 山田 takes two columns), JSON, times and
// dates in Asia/Tokyo, yen as 16,500 and phones as 090-1234-5678.

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
)

// output is where a command writes.
type output struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader // nil: nothing to read
}

// Printf writes a line (or more) for people to standard output.
func (o *output) Printf(format string, args ...any) {
	fmt.Fprintf(o.Stdout, format, args...)
}

// JSON writes v as indented JSON, Japanese left as it is.
func (o *output) JSON(v any) error {
	enc := json.NewEncoder(o.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Table writes a header and rows in columns two spaces apart, each as
// wide as its widest cell on a terminal.
func (o *output) Table(header []string, rows [][]string) error {
	return writeTable(o.Stdout, header, rows)
}

// List writes v as JSON when asJSON, else the table.
func (o *output) List(asJSON bool, v any, header []string, rows [][]string) error {
	if asJSON {
		return o.JSON(v)
	}
	return o.Table(header, rows)
}

// view is how records of type T are shown: a row of a table under header
// for people, a value to encode for programs.
type view[T any] struct {
	header []string
	row    func(T) []string
	json   func(T) any
}

// list returns the printer of what a list operation returns: the records
// as a table or JSON, or the operation's error. A command's Run is then
// one line: return list(o, c.JSON, siteView)(adm.Sites(ctx, c.Contractor)).
func list[T any](o *output, asJSON bool, v view[T]) func([]T, error) error {
	return func(ts []T, err error) error {
		if err != nil {
			return err
		}
		out := make([]any, 0, len(ts))
		rows := make([][]string, 0, len(ts))
		for _, t := range ts {
			out = append(out, v.json(t))
			rows = append(rows, v.row(t))
		}
		return o.List(asJSON, out, v.header, rows)
	}
}

// show is list for one record.
func show[T any](o *output, asJSON bool, v view[T]) func(T, error) error {
	return func(t T, err error) error {
		if err != nil {
			return err
		}
		if asJSON {
			return o.JSON(v.json(t))
		}
		return o.Table(v.header, [][]string{v.row(t)})
	}
}

// Done returns the printer of what a change returns: a line saying what
// was done, or the change's error.
func (o *output) Done(format string, args ...any) func(error) error {
	return func(err error) error {
		if err != nil {
			return err
		}
		o.Printf(format+"\n", args...)
		return nil
	}
}

// jsonFlag is the --json flag of every list and show.
type jsonFlag struct {
	JSON bool `name:"json" help:"print JSON instead of a table"`
}

func writeTable(w io.Writer, header []string, rows [][]string) error {
	all := append([][]string{header}, rows...)
	widths := make([]int, len(header))
	for _, r := range all {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], displayWidth(c))
			}
		}
	}
	var b, line strings.Builder
	for _, r := range all {
		line.Reset()
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth is how many terminal columns s takes: two for East Asian
// wide and full-width characters (漢字, かな, ＡＢＣ), none for combining
// marks, one for the rest (half-width ｶﾅ included).
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r), unicode.Is(unicode.Cf, r):
		case width.LookupRune(r).Kind() == width.EastAsianWide, width.LookupRune(r).Kind() == width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// cliTime formats a time for people: Asia/Tokyo, minutes; "-" if zero.
func cliTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(ledger.Tokyo).Format("2006-01-02 15:04")
}

// jsonTime formats a time for programs: RFC 3339 in Asia/Tokyo; "" if zero.
func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ledger.Tokyo).Format(time.RFC3339)
}

// dateOrEmpty is a work date YYYY-MM-DD, or "" for the zero time.
func dateOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ledger.WorkDate(t)
}

// orDash shows an empty cell as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// yesNo shows a flag such as disabled.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// yen formats an amount as 16,500.
func yen(y billing.Yen) string { return billing.FormatYen(y) }

// phone shows a stored E.164 number the way it is dialled in Japan.
func phone(e164 string) string {
	if e164 == "" {
		return ""
	}
	return ledger.FormatPhoneNational(e164)
}

// count writes "1 invoice", "2 invoices", "0 invoices".
func count(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	switch {
	case strings.HasSuffix(noun, "y") && len(noun) > 1 && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])):
		noun = noun[:len(noun)-1] + "ies"
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "ch"):
		noun += "es"
	default:
		noun += "s"
	}
	return fmt.Sprintf("%d %s", n, noun)
}
