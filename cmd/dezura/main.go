// Command dezura is the dezura telephone service and its admin CLI.
//
//	dezura serve [--demo] [--db URL] [--sip ADDR] ...   run the service
//	dezura migrate                                      apply schema migrations
//	dezura entries|calls list [--json]                  look at the records
//	dezura contractor|technician|phone|site|assign ...  registration
//	dezura billing ...                                  annual billing
//	dezura dtmf detect FILE...                          find DTMF in a recording
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// cliEnv is what every subcommand gets from main: where to write and which
// store to use (from --db before the subcommand, DEZURA_DB, or the default).
type cliEnv struct {
	Stdout, Stderr io.Writer
	DB             string
}

const defaultDB = "sqlite:dezura.db"

const usage = `dezura — records construction work history (就業履歴) for CCUS by telephone.

Usage:
  dezura serve [flags]                  run the SIP service (see: dezura serve -h)
  dezura migrate                        apply database migrations and exit
  dezura entries list [--json]          work-history entries
  dezura calls list [--json]            call records
  dezura report daily [--date D]        per site: entries, check-ins and -outs, calls by outcome
  dezura contractor|technician|phone|site|assign add|list|show|disable ...
  dezura billing ...                    annual billing (see: dezura billing -h)
  dezura dtmf detect [--json] FILE...   DTMF digits in 8 kHz WAV recordings
  dezura crew set|remove|list ...       crew numbers a foreman keys (2-3 digits)
  dezura prompts list|check [DIR]       the prompts to record, and a check of a recorded set

Global flag (before the command):
  --db URL   store: sqlite:PATH (default sqlite:dezura.db) or postgres://...; also DEZURA_DB
`

// errUsage marks an error whose message already tells the user what to do.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], cliEnv{Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "dezura:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// run parses the global flags and dispatches to a subcommand.
func run(ctx context.Context, args []string, env cliEnv) error {
	fs := flag.NewFlagSet("dezura", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, usage) }
	env.DB = os.Getenv("DEZURA_DB")
	if env.DB == "" {
		env.DB = defaultDB
	}
	fs.StringVar(&env.DB, "db", env.DB, "store URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return fmt.Errorf("%w: no command given; try 'dezura serve --demo'", errUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serveCmd(ctx, env, rest)
	case "migrate":
		return migrateCmd(ctx, env, rest)
	case "entries":
		return entriesCmd(ctx, env, rest)
	case "calls":
		return callsCmd(ctx, env, rest)
	case "report":
		return reportCmd(ctx, env, rest)
	case "billing":
		return billingCmd(ctx, env, rest)
	case "dtmf":
		return dtmfCmd(ctx, env, rest)
	case "crew":
		return crewCmd(ctx, env, rest)
	case "prompts":
		return promptsCmd(ctx, env, rest)
	case "contractor", "technician", "phone", "site", "assign":
		return registrationCmd(ctx, env, cmd, rest)
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
		return nil
	}
	return fmt.Errorf("%w: unknown command %q; run 'dezura help' for the list", errUsage, cmd)
}
