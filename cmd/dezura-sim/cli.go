package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// Exit codes.
const (
	exitOK    = 0 // the call (or load run) went as a user of the service expects
	exitFail  = 1 // the call failed: not answered, rejected, or not hung up by the service
	exitUsage = 2 // the command line was wrong
)

const usage = `usage: dezura-sim <command> [flags]

commands:
  call   place one call, key digits after each prompt, report what happened
  load   place many calls at once and report setup latency, jitter and loss

Run "dezura-sim <command> -h" for the flags of a command.
Example:
  dezura-sim call --to sip:ivr@127.0.0.1:5060 --from 09012345678 --keys 1234#,1 --record heard.wav
`

// errUsage marks a command-line error: the message says what was wrong.
var errUsage = errors.New("usage")

// runMain runs one command and returns the process exit code.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "call":
		var cfg callConfig
		if cfg, err = parseCall(args[1:], stderr); err == nil {
			err = runCall(ctx, cfg, stdout, logger(stderr, cfg.Verbose))
		}
	case "load":
		var cfg loadConfig
		if cfg, err = parseLoad(args[1:], stderr); err == nil {
			err = runLoad(ctx, cfg, stdout, logger(stderr, cfg.Verbose))
		}
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = fmt.Errorf("%w: unknown command %q; the commands are call and load", errUsage, args[0])
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "dezura-sim: %v\nRun \"dezura-sim %s -h\" for help.\n", trimUsage(err), firstArg(args))
		return exitUsage
	default:
		fmt.Fprintf(stderr, "dezura-sim: %v\n", err)
		return exitFail
	}
}

// errHelp is returned when -h was asked for (usage already printed).
var errHelp = errors.New("help requested")

func trimUsage(err error) string {
	s := err.Error()
	const p = "usage: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

func firstArg(args []string) string {
	if len(args) > 0 && (args[0] == "call" || args[0] == "load") {
		return args[0]
	}
	return "help"
}

func logger(w io.Writer, verbose bool) *slog.Logger {
	if !verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
