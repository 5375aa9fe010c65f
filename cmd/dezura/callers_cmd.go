package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/dezura/dezura/prompts"
)

// crewCmd: dezura crew set --technician ID --number N | crew remove
// --technician ID | crew list [--contractor ID] [--json]. The rules (2 or
// 3 digits, unique within the contractor) are the ledger's.
func crewCmd(ctx context.Context, env cliEnv, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: crew: want set, remove or list", errUsage)
	}
	verb := args[0]
	fs := newLedgerFlags("crew "+verb, env)
	tech := fs.String("technician", "", "technician ID (14 digits)")
	var number, contractor *string
	var asJSON *bool
	switch verb {
	case "set":
		number = fs.String("number", "", "crew number, 2 or 3 digits, unique within the technician's contractor")
	case "remove":
	case "list":
		contractor = fs.String("contractor", "", "only this contractor's crew")
		asJSON = fs.Bool("json", false, "print JSON")
	default:
		return fmt.Errorf("%w: crew %s: want set, remove or list", errUsage, verb)
	}
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if err := needArgs("crew "+verb, pos, 0, "only flags"); err != nil {
		return err
	}
	if verb != "list" && *tech == "" || verb == "set" && *number == "" {
		return fmt.Errorf("%w: crew %s: give --technician ID%s", errUsage, verb, map[bool]string{true: " and --number N"}[verb == "set"])
	}
	st, adm, err := openAdmin(ctx, *fs.db)
	if err != nil {
		return err
	}
	defer st.Close()
	switch verb {
	case "set":
		if err := adm.SetCrewNumber(ctx, *tech, *number); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "technician %s: crew number %s\n", *tech, *number)
		return nil
	case "remove":
		if err := adm.SetCrewNumber(ctx, *tech, ""); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "technician %s: no crew number\n", *tech)
		return nil
	}
	ts, err := adm.Technicians(ctx, *contractor)
	if err != nil {
		return err
	}
	type crewJSON struct {
		Contractor string `json:"contractor_id"`
		Number     string `json:"crew_number"`
		Technician string `json:"technician_id"`
		Name       string `json:"name"`
	}
	out := []crewJSON{}
	for _, t := range ts {
		if t.CrewNumber != "" {
			out = append(out, crewJSON{t.ContractorID, t.CrewNumber, t.ID, t.Name})
		}
	}
	if *asJSON {
		return writeJSON(env.Stdout, out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONTRACTOR\tCREW NO.\tTECHNICIAN\tNAME")
	for _, c := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Contractor, c.Number, c.Technician, c.Name)
	}
	return tw.Flush()
}

// errPromptsCheck: a recorded prompt set has findings (exit status 1).
var errPromptsCheck = errors.New("the recorded prompts are not ready")

// promptsCmd: dezura prompts list [--lang L] [--json] | prompts check
// [--lang ja,en] DIR. What a recording must be is prompts' rule
// (prompts.DefaultCheckRules); this prints it.
func promptsCmd(_ context.Context, env cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "list" && args[0] != "check" {
		return fmt.Errorf("%w: prompts: want list or check", errUsage)
	}
	verb := args[0]
	fs := flag.NewFlagSet("prompts "+verb, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	lang := fs.String("lang", "", "only these languages, comma-separated (ja, en); check: the set must have all of them")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := ledgerFlags{FlagSet: fs}.parse(args[1:])
	if err != nil {
		return err
	}
	var langs []string
	if *lang != "" {
		langs = strings.Split(*lang, ",")
	}
	cat, err := prompts.Load("")
	if err != nil {
		return err
	}
	if verb == "list" {
		if err := needArgs("prompts list", pos, 0, "only flags"); err != nil {
			return err
		}
		ls, err := cat.List(langs...)
		if err != nil {
			return fmt.Errorf("%w: --lang %q: %w", errUsage, *lang, err)
		}
		if *asJSON {
			return writeJSON(env.Stdout, ls)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LANG\tNAME\tTEXT")
		for _, l := range ls {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", l.Lang, l.Name, l.Text)
		}
		return tw.Flush()
	}
	if err := needArgs("prompts check", pos, 1, "the directory of recordings (DIR/<lang>/<name>.wav)"); err != nil {
		return err
	}
	found, err := cat.CheckDir(pos[0], langs, prompts.DefaultCheckRules())
	if err != nil {
		return err
	}
	if *asJSON {
		if err := writeJSON(env.Stdout, found); err != nil {
			return err
		}
	} else {
		for _, f := range found {
			fmt.Fprintln(env.Stdout, f)
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("%w: %d finding(s) in %s", errPromptsCheck, len(found), pos[0])
	}
	fmt.Fprintf(env.Stdout, "%s: every prompt is there and meets the rules; use it with dezura serve --prompts %s\n", pos[0], pos[0])
	return nil
}
