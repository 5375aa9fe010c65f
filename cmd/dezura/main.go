// Command dezura is the dezura telephone service and its admin CLI.
//
//	dezura serve [--demo] [--db URL] [--sip ADDR] ...   run the service
//	dezura migrate                                      apply schema migrations
//	dezura entries|calls list [--json]                  look at the records
//	dezura contractor|technician|phone|site|assign ...  registration
//	dezura billing ...                                  annual billing
//	dezura dtmf detect FILE...                          find DTMF in a recording
//	dezura version [--json]                             which binary this is
//
// The command tree is the struct cli below (one struct per command, its
// flags as tagged fields; github.com/alecthomas/kong parses them and prints
// the help). run maps the outcome to exit codes: 0 for success and help, 1
// for a failure, 2 for a usage error.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
	"github.com/dezura/dezura/sip/trunk"
)

// cliEnv is where a run of the CLI writes.
type cliEnv struct {
	Stdout, Stderr io.Writer
	// Stdin is where a command reads what is not a flag (a password);
	// nil reads nothing.
	Stdin io.Reader
}

// dezuraCLI is the whole command tree. --db is on the root, so it may be given
// before the command or after it (kong takes a parent's flags anywhere).
type dezuraCLI struct {
	DB storeURL `name:"db" default:"${db}" placeholder:"URL" help:"the store: sqlite:PATH (default sqlite:dezura.db) or postgres://USER@HOST/DB; also DEZURA_DB"`

	Serve      serveCmd      `cmd:"" help:"Run the SIP service."`
	Migrate    migrateCmd    `cmd:"" help:"Apply database migrations and exit."`
	Entries    entriesCmd    `cmd:"" help:"Work-history entries (就業履歴): list, show, correct, cancel, export."`
	Calls      callsCmd      `cmd:"" help:"Call records."`
	Report     reportCmd     `cmd:"" help:"Reports for a contractor's office."`
	Contractor contractorCmd `cmd:"" set:"key=contractor ID" help:"Contractors (事業者)."`
	Technician technicianCmd `cmd:"" set:"key=14-digit technician ID" help:"Technicians (技能者)."`
	Phone      phoneCmd      `cmd:"" set:"key=phone number, e.g. 090-1234-5678" help:"Phone numbers callers are recognised by."`
	Site       siteCmd       `cmd:"" set:"key=site code" help:"Work sites (現場)."`
	Assign     assignCmd     `cmd:"" help:"Assignments of technicians to sites."`
	Billing    billingCmd    `cmd:"" help:"Annual flat-fee billing (qualified invoices, インボイス制度)."`
	DTMF       dtmfCmd       `cmd:"" name:"dtmf" help:"DTMF digits in recordings."`
	Crew       crewCmd       `cmd:"" help:"Crew numbers (2-3 digits) a contractor's foreman keys instead of 14-digit IDs."`
	Prompts    promptsCmd    `cmd:"" help:"The prompts a company can record: list them, check a recorded set."`
	User       userCmd       `cmd:"" help:"Console accounts (the office console of dezura serve --web)."`
	Version    versionCmd    `cmd:"" help:"Version, commit and Go version of this binary."`
	Help       helpCmd       `cmd:"" help:"Show help for a command."`
}

// storeURL is --db: where the ledger (and billing) lives.
type storeURL string

// errUsage marks an error that is the user's to fix on the command line:
// exit status 2, and the message points to the command's help.
var errUsage = errors.New("usage")

// usageError is a usage error with the command it happened in.
type usageError struct {
	err  error
	path string // "dezura entries list"
}

func (e *usageError) Error() string {
	msg := strings.TrimPrefix(e.err.Error(), errUsage.Error()+": ")
	msg = strings.ReplaceAll(msg, "\n", "; ") // several problems (errors.Join), one line
	return fmt.Sprintf("%s (see '%s --help')", msg, e.path)
}

func (e *usageError) Unwrap() []error { return []error{e.err, errUsage} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], cliEnv{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin})
	stop()
	os.Exit(code)
}

// runMain runs the CLI, prints its error once, prefixed "dezura:", and
// returns the exit status.
func runMain(ctx context.Context, args []string, env cliEnv) int {
	err := run(ctx, args, env)
	if err != nil {
		fmt.Fprintln(env.Stderr, "dezura:", err)
	}
	return exitCode(err)
}

// exitCode: 0 for success (and help), 2 for a usage error, 1 for any
// other failure.
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	return 1
}

// kongExit is how kong's help flag ends a parse: kong calls Exit(0) after
// printing the help, and run recovers it.
type kongExit int

// newParser builds the parser of the command tree, writing to env.
func newParser(grammar *dezuraCLI, env cliEnv) (*kong.Kong, error) {
	return kong.New(grammar,
		kong.Name("dezura"),
		kong.Description("Records construction work history (就業履歴) for CCUS by telephone."),
		kong.Writers(env.Stdout, env.Stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true, WrapUpperBound: 100}),
		// Values may start with "-": --procs -1 is a value to check, not a flag.
		kong.WithHyphenPrefixedParameters(true),
		kong.TypeMapper(reflect.TypeFor[billing.Yen](), yenMapper),
		kong.Vars{
			// An empty DEZURA_DB is no setting, as it always was.
			"db":                      cmp.Or(os.Getenv("DEZURA_DB"), "sqlite:dezura.db"),
			"today":                   ledger.WorkDate(time.Now()),
			"billing_leader_interval": billing.DefaultLeaderInterval.String(),
			"trunk_expires":           trunk.DefaultExpires.String(),
			"trunk_keepalive":         trunk.DefaultKeepAlive.String(),
		},
	)
}

// run parses args and runs the command they name. Help is not an error.
func run(ctx context.Context, args []string, env cliEnv) (err error) {
	var grammar dezuraCLI
	k, err := newParser(&grammar, env)
	if err != nil {
		return err // a mistake in the command tree's tags
	}
	defer func() {
		if r := recover(); r != nil {
			code, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			if code != 0 {
				err = fmt.Errorf("%w: help failed (exit %d)", errUsage, int(code))
			}
		}
	}()
	kctx, err := k.Parse(args)
	if err != nil {
		return parseError(err)
	}
	// Every change a command makes is audited as the OS user's.
	ctx = ledger.WithActor(ctx, ledger.CLIActor())
	s := &stores{url: string(grammar.DB)}
	if err := s.bind(kctx, ctx); err != nil {
		return err
	}
	err = kctx.Run(&output{Stdout: env.Stdout, Stderr: env.Stderr, Stdin: env.Stdin}, grammar.DB)
	if cerr := s.Close(); cerr != nil && err == nil {
		err = cerr
	}
	// A command may find a usage error only when it runs:
	// fmt.Errorf("%w: ...", errUsage).
	var ue *usageError
	if errors.Is(err, errUsage) && !errors.As(err, &ue) {
		err = &usageError{err: err, path: kctx.Selected().FullPath()}
	}
	return err
}

// parseError turns kong's parse error into a one-line usage error that
// names the command and its help.
func parseError(err error) error {
	path := "dezura"
	var pe *kong.ParseError
	if errors.As(err, &pe) && pe.Context != nil {
		if n := pe.Context.Selected(); n != nil {
			path = n.FullPath()
		}
		err = explainParseError(pe)
	}
	return &usageError{err: err, path: path}
}

// explainParseError rewords kong's messages that would puzzle someone who
// has not read kong's source: a missing or unknown command.
func explainParseError(pe *kong.ParseError) error {
	msg := pe.Unwrap().Error()
	node := pe.Context.Selected()
	if node == nil {
		node = pe.Context.Model.Node
	}
	var subs []string
	for _, c := range node.Children {
		if !c.Hidden {
			subs = append(subs, c.Name)
		}
	}
	switch {
	case len(subs) > 0 && strings.HasPrefix(msg, "expected "):
		return fmt.Errorf("no command given: want %s", orList(subs))
	case len(subs) > 0 && strings.HasPrefix(msg, "unexpected argument "):
		word, _, _ := strings.Cut(strings.TrimPrefix(msg, "unexpected argument "), ",")
		return fmt.Errorf("unknown command %q: want %s", word, orList(subs))
	case strings.HasPrefix(msg, `expected "<`):
		missing := strings.Trim(strings.TrimPrefix(msg, "expected "), `"`)
		for _, p := range node.Positional {
			if "<"+p.Name+">" == strings.Fields(missing)[0] && p.Help != "" {
				return fmt.Errorf("missing %s: %s", missing, p.Help)
			}
		}
		return fmt.Errorf("missing %s", missing)
	case node.Path() != "" && strings.HasPrefix(msg, node.Path()+": ") && errors.Unwrap(pe.Unwrap()) != nil:
		// A command's own check; the hint names the command already.
		return errors.Unwrap(pe.Unwrap())
	}
	return pe.Unwrap()
}

// orList writes "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// helpCmd is `dezura help [COMMAND...]`, the same as `dezura COMMAND --help`.
type helpCmd struct {
	Command []string `arg:"" optional:"" help:"the command to explain, e.g. billing run"`
}

func (h *helpCmd) Run(k *kong.Kong) error {
	tctx, err := kong.Trace(k, h.Command)
	if err != nil {
		return err
	}
	if tctx.Error != nil {
		return &usageError{err: tctx.Error, path: "dezura"}
	}
	return tctx.PrintUsage(false)
}
