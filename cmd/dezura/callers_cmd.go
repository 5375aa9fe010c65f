package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

// Crew numbers and the prompts a company can record. The rules live in
// ledger (2 or 3 digits, unique within the contractor) and prompts
// (prompts.DefaultCheckRules); these commands print them.

type crewCmd struct {
	Set    crewSetCmd    `cmd:"" help:"Give a technician a crew number, unique within his contractor."`
	Remove crewRemoveCmd `cmd:"" help:"Take a technician's crew number away."`
	List   crewListCmd   `cmd:"" help:"List crew numbers, by technician ID."`
}

type crewSetCmd struct {
	Technician string `required:"" placeholder:"ID" help:"14-digit technician ID"`
	Number     string `required:"" placeholder:"NN" help:"crew number, 2 or 3 digits"`
}

func (c *crewSetCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	return o.Done("technician %s: crew number %s", c.Technician, c.Number)(adm.SetCrewNumber(ctx, c.Technician, c.Number))
}

type crewRemoveCmd struct {
	Technician string `required:"" placeholder:"ID" help:"14-digit technician ID"`
}

func (c *crewRemoveCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	return o.Done("technician %s: no crew number", c.Technician)(adm.SetCrewNumber(ctx, c.Technician, ""))
}

type crewListCmd struct {
	jsonFlag
	Contractor string `placeholder:"ID" help:"only this contractor's crew"`
}

type crewJSON struct {
	Contractor string `json:"contractor_id"`
	Number     string `json:"crew_number"`
	Technician string `json:"technician_id"`
	Name       string `json:"name"`
}

func (c *crewListCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	ts, err := adm.Technicians(ctx, c.Contractor)
	if err != nil {
		return err
	}
	out := []crewJSON{}
	var rows [][]string
	for _, t := range ts {
		if t.CrewNumber != "" {
			out = append(out, crewJSON{t.ContractorID, t.CrewNumber, t.ID, t.Name})
			rows = append(rows, []string{t.ContractorID, t.CrewNumber, t.ID, t.Name})
		}
	}
	return o.List(c.JSON, out, []string{"CONTRACTOR", "CREW NO.", "TECHNICIAN", "NAME"}, rows)
}

type promptsCmd struct {
	List  promptsListCmd  `cmd:"" help:"Print every clip's name and words, per language: the script to record."`
	Check promptsCheckCmd `cmd:"" help:"Check a directory of recorded prompts (DIR/<lang>/<name>.wav) before serve --prompts DIR uses it."`
}

type promptsListCmd struct {
	jsonFlag
	Lang []string `placeholder:"LANG" help:"only these languages (ja, en)"`
}

func (c *promptsListCmd) Run(o *output) error {
	cat, err := prompts.Load("")
	if err != nil {
		return err
	}
	ls, err := cat.List(c.Lang...)
	if err != nil {
		return fmt.Errorf("%w: --lang %v: %w", errUsage, c.Lang, err)
	}
	rows := make([][]string, len(ls))
	for i, l := range ls {
		rows[i] = []string{l.Lang, l.Name, l.Text}
	}
	return o.List(c.JSON, ls, []string{"LANG", "NAME", "TEXT"}, rows)
}

type promptsCheckCmd struct {
	jsonFlag
	Lang []string `placeholder:"LANG" help:"the set must have these languages (default: the directories it has)"`
	Dir  string   `arg:"" name:"dir" help:"the recordings: DIR/<lang>/<name>.wav"`
}

// errPromptsCheck: a recorded prompt set has findings (exit status 1).
var errPromptsCheck = errors.New("the recorded prompts are not ready")

func (c *promptsCheckCmd) Run(o *output) error {
	cat, err := prompts.Load("")
	if err != nil {
		return err
	}
	found, err := cat.CheckDir(c.Dir, c.Lang, prompts.DefaultCheckRules())
	if err != nil {
		return err
	}
	if c.JSON {
		if err := o.JSON(found); err != nil {
			return err
		}
	} else {
		for _, f := range found {
			o.Printf("%s\n", f)
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("%w: %s in %s", errPromptsCheck, count(len(found), "finding"), c.Dir)
	}
	if !c.JSON {
		o.Printf("%s: every prompt is there and meets the rules; use it with dezura serve --prompts %s\n", c.Dir, c.Dir)
	}
	return nil
}
