package main

// migrate, entries and calls: the ledger's records.

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
)

type migrateCmd struct{}

// Run: opening the ledger and billing (the *billing.Billing argument)
// migrates them; Migrate says so.
func (migrateCmd) Run(ctx context.Context, adm ledger.Admin, _ *billing.Billing, o *output, db storeURL) error {
	if err := adm.Migrate(ctx); err != nil {
		return err
	}
	o.Printf("ledger and billing schemas up to date in %s\n", redactURL(string(db)))
	return nil
}

type entriesCmd struct {
	List    entriesListCmd    `cmd:"" help:"List work-history entries."`
	Show    entriesShowCmd    `cmd:"" help:"Show an entry and its attendance log."`
	Correct entriesCorrectCmd `cmd:"" help:"Correct an entry's check-in or check-out time (logged with who and why)."`
	Cancel  entriesCancelCmd  `cmd:"" help:"Cancel an entry (logged with who and why)."`
	Export  entriesExportCmd  `cmd:"" help:"Export a period's entries for CCUS (CSV or JSON lines)."`
}

// entryJSON is one entry in `entries list --json`.
type entryJSON struct {
	ID           int64  `json:"id"`
	WorkDate     string `json:"work_date"`
	TechnicianID string `json:"technician_id"`
	SiteCode     string `json:"site_code"`
	CheckIn      string `json:"check_in,omitempty"`
	CheckOut     string `json:"check_out,omitempty"`
	Status       string `json:"status"`
	Trade        string `json:"trade,omitempty"`
	Role         string `json:"role,omitempty"`
}

func newEntryJSON(e ledger.Entry) entryJSON {
	return entryJSON{e.ID, e.WorkDate, e.TechnicianID, e.SiteCode, jsonTime(e.CheckIn), jsonTime(e.CheckOut),
		e.Status.String(), e.Trade, e.Role}
}

type entriesListCmd struct {
	jsonFlag
	Date       workDate           `xor:"date-from,date-to" help:"only this work date (YYYY-MM-DD)"`
	From       workDate           `xor:"date-from" help:"first work date (YYYY-MM-DD)"`
	To         workDate           `xor:"date-to" help:"last work date (YYYY-MM-DD)"`
	Site       string             `placeholder:"CODE" help:"only this site code"`
	Technician string             `placeholder:"ID" help:"only this technician ID"`
	Contractor string             `placeholder:"ID" help:"only sites of this contractor"`
	Status     ledger.EntryStatus `placeholder:"STATUS" help:"only this status: open, closed, needs_review, exported or cancelled"`
	Limit      int                `help:"at most this many entries (0: all)"`
}

func (c *entriesListCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	f := ledger.EntryFilter{From: c.From.String(), To: c.To.String(), SiteCode: c.Site, TechnicianID: c.Technician,
		ContractorID: c.Contractor, Status: c.Status, Limit: c.Limit}
	if !c.Date.IsZero() {
		f.From, f.To = c.Date.String(), c.Date.String()
	}
	return list(o, c.JSON, entryView)(adm.ListEntries(ctx, f))
}

var entryView = view[ledger.Entry]{
	header: []string{"ID", "WORK DATE", "SITE", "TECHNICIAN", "IN", "OUT", "STATUS", "TRADE", "ROLE"},
	row: func(e ledger.Entry) []string {
		return []string{fmt.Sprint(e.ID), e.WorkDate, e.SiteCode, e.TechnicianID, cliTime(e.CheckIn), cliTime(e.CheckOut),
			e.Status.String(), orDash(e.Trade), orDash(e.Role)}
	},
	json: func(e ledger.Entry) any { return newEntryJSON(e) },
}

type entriesExportCmd struct {
	From          workDate `required:"" help:"first work date (YYYY-MM-DD)"`
	To            workDate `required:"" help:"last work date (YYYY-MM-DD)"`
	Site          string   `placeholder:"CODE" help:"only this site code"`
	Contractor    string   `placeholder:"ID" help:"only sites of this contractor"`
	Format        string   `enum:"csv,jsonl" default:"csv" help:"csv or jsonl"`
	Encoding      string   `default:"utf-8" help:"utf-8 or sjis (Shift_JIS)"`
	OnlyNew       bool     `help:"the change feed: only entries recorded or changed since they were last exported, each new, changed or cancelled"`
	IncludeReview bool     `help:"also export entries that need review (status needs_review)"`
	Out           string   `placeholder:"FILE" help:"write to this file instead of standard output"`
	DryRun        bool     `help:"write the rows, but do not record them as exported"`
}

// Validate checks format and encoding before anything is opened.
func (c *entriesExportCmd) Validate() error {
	_, err := ledger.NewExportWriter(io.Discard, c.Format, c.Encoding)
	return err
}

func (c *entriesExportCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	f := ledger.EntryFilter{From: c.From.String(), To: c.To.String(), SiteCode: c.Site, ContractorID: c.Contractor, OnlyNew: c.OnlyNew}
	ew, err := ledger.NewExportWriter(o.Stdout, c.Format, c.Encoding)
	if err != nil {
		return err
	}
	var sink ledger.ExportSink = ew
	if c.Out != "" {
		// Write to a temporary file next to --out, renamed over it once
		// complete and on disk, so a failed export leaves neither a half
		// file nor entries marked exported.
		tmp, err := os.CreateTemp(filepath.Dir(c.Out), filepath.Base(c.Out)+".*.tmp")
		if err != nil {
			return fileError("write", c.Out, err)
		}
		defer os.Remove(tmp.Name()) // after the rename there is nothing to remove
		defer tmp.Close()
		if ew, err = ledger.NewExportWriter(tmp, c.Format, c.Encoding); err != nil {
			return err
		}
		sink = fileSink{ew, tmp, c.Out}
	}
	// The store records the rows as exported only after the sink's Flush.
	sum, err := adm.ExportEntries(ctx, f, ledger.ExportOptions{DryRun: c.DryRun, IncludeReview: c.IncludeReview}, sink)
	if err != nil {
		return fmt.Errorf("export failed: %w", err)
	}
	fmt.Fprintln(o.Stderr, sum)
	return sum.Err() // the rest is written; a script must notice what was held back (exit 1)
}

// fileSink writes an export to a temporary file and, on Flush, syncs it
// and renames it to its final name.
type fileSink struct {
	*ledger.ExportWriter
	tmp  *os.File
	path string
}

func (k fileSink) Flush() error {
	if err := k.ExportWriter.Flush(); err != nil {
		return err
	}
	if err := k.tmp.Sync(); err != nil {
		return err
	}
	if err := k.tmp.Close(); err != nil {
		return err
	}
	return os.Rename(k.tmp.Name(), k.path)
}

// eventJSON is one attendance-log line in `entries show --json`.
type eventJSON struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	At     string `json:"at"`
	CallID string `json:"call_id,omitempty"`
	Actor  string `json:"actor"`
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}

type entriesShowCmd struct {
	jsonFlag
	ID entryID `arg:"" name:"entry-id" help:"the entry's number from 'entries list'"`
}

func (c *entriesShowCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	e, err := adm.Entry(ctx, int64(c.ID))
	if err != nil {
		return err
	}
	evs, err := adm.EntryEvents(ctx, int64(c.ID))
	if err != nil {
		return err
	}
	out := struct {
		entryJSON
		Events []eventJSON `json:"events"`
	}{newEntryJSON(e), []eventJSON{}}
	rows := make([][]string, 0, len(evs))
	for _, ev := range evs {
		out.Events = append(out.Events, eventJSON{ev.ID, ev.Kind, jsonTime(ev.At), ev.CallID, ev.Actor, ev.Reason, ev.Detail})
		rows = append(rows, []string{fmt.Sprint(ev.ID), ev.Kind, cliTime(ev.At), ev.Actor, ev.CallID, ev.Reason, ev.Detail})
	}
	if c.JSON {
		return o.JSON(out)
	}
	o.Printf("entry %d: %s site %s technician %s in %s out %s %s\n", e.ID, e.WorkDate, e.SiteCode, e.TechnicianID,
		cliTime(e.CheckIn), cliTime(e.CheckOut), e.Status)
	return o.Table([]string{"EVENT", "KIND", "AT", "BY", "CALL ID", "REASON", "DETAIL"}, rows)
}

// change is who changes an entry and why, which the log keeps.
type change struct {
	ID     entryID `arg:"" name:"entry-id" help:"the entry's number from 'entries list'"`
	By     string  `required:"" placeholder:"NAME" help:"who makes the change"`
	Reason string  `required:"" placeholder:"TEXT" help:"why"`
}

func (c *change) Validate() error {
	if strings.TrimSpace(c.By) == "" || strings.TrimSpace(c.Reason) == "" {
		return fmt.Errorf("--by and --reason must not be blank: the log keeps who and why")
	}
	return nil
}

type entriesCorrectCmd struct {
	change `embed:""`
	In     clock `placeholder:"TIME" help:"check-in time: HH:MM, \"YYYY-MM-DD HH:MM\" (Asia/Tokyo) or RFC 3339"`
	Out    clock `placeholder:"TIME" help:"check-out time, same forms; before the check-in means the next morning"`
}

func (c *entriesCorrectCmd) Validate() error {
	if !c.In.hasAny && !c.Out.hasAny {
		return fmt.Errorf("give --in, --out or both")
	}
	return c.change.Validate()
}

func (c *entriesCorrectCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	cur, err := adm.Entry(ctx, int64(c.ID))
	if err != nil {
		return err
	}
	cor := ledger.Correction{EntryID: int64(c.ID), Actor: c.By, Reason: c.Reason, At: time.Now()}
	if cor.CheckIn, err = c.In.on(cur, false); err != nil {
		return err
	}
	if !cor.CheckIn.IsZero() {
		cur.CheckIn = cor.CheckIn
	}
	if cor.CheckOut, err = c.Out.on(cur, true); err != nil {
		return err
	}
	return printEntryChange(o)(adm.CorrectEntry(ctx, cor))
}

type entriesCancelCmd struct {
	change `embed:""`
}

func (c *entriesCancelCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	return printEntryChange(o)(adm.CancelEntry(ctx, int64(c.ID), c.By, c.Reason, time.Now()))
}

// printEntryChange returns the printer of an entry as a change left it.
func printEntryChange(o *output) func(ledger.Entry, error) error {
	return func(e ledger.Entry, err error) error {
		if err != nil {
			return err
		}
		o.Printf("entry %d: in %s out %s %s\n", e.ID, cliTime(e.CheckIn), cliTime(e.CheckOut), e.Status)
		return nil
	}
}

type callsCmd struct {
	List callsListCmd `cmd:"" help:"List call records, newest last."`
}

// callJSON is one call in `calls list --json`.
type callJSON struct {
	CallID        string   `json:"call_id"`
	Caller        string   `json:"caller"`
	Called        string   `json:"called"`
	ArrivedAt     string   `json:"arrived_at,omitempty"`
	AnsweredAt    string   `json:"answered_at,omitempty"`
	EndedAt       string   `json:"ended_at,omitempty"`
	TechnicianID  string   `json:"technician_id,omitempty"`
	SiteCode      string   `json:"site_code,omitempty"`
	Language      string   `json:"language,omitempty"`
	Outcome       string   `json:"outcome"`
	Reason        string   `json:"reason,omitempty"`
	EndReason     string   `json:"end_reason,omitempty"` // what ended the call: caller_hangup, service_hangup, timeout, ...
	Steps         []string `json:"steps"`
	EntryIDs      []int64  `json:"entry_ids"`
	DTMFTransport string   `json:"dtmf_transport,omitempty"`
}

type callsListCmd struct {
	jsonFlag
	Since   since  `placeholder:"TIME" help:"calls arrived at or after: RFC 3339 time, YYYY-MM-DD (Asia/Tokyo) or a duration back from now like 24h"`
	Outcome string `help:"only this outcome (registered, already_registered, abandoned, failed, refused, ...)"`
	Limit   int    `help:"at most this many calls (0: all)"`
}

func (c *callsListCmd) Run(ctx context.Context, adm ledger.Admin, o *output) error {
	return list(o, c.JSON, callView)(adm.ListCalls(ctx, ledger.CallFilter{Since: c.Since.t, Outcome: c.Outcome, Limit: c.Limit}))
}

var callView = view[ledger.CallRecord]{
	header: []string{"ARRIVED", "CALL ID", "CALLER", "TECHNICIAN", "SITE", "OUTCOME", "ENDED BY", "SECONDS", "ENTRIES"},
	row: func(r ledger.CallRecord) []string {
		secs := "-"
		if !r.EndedAt.IsZero() && !r.ArrivedAt.IsZero() {
			secs = fmt.Sprintf("%.0f", r.EndedAt.Sub(r.ArrivedAt).Seconds())
		}
		entries := make([]string, len(r.EntryIDs))
		for i, id := range r.EntryIDs {
			entries[i] = fmt.Sprint(id)
		}
		return []string{cliTime(r.ArrivedAt), r.CallID, orDash(phone(r.Caller)), orDash(r.TechnicianID), orDash(r.SiteCode),
			r.Outcome, orDash(r.EndReason), secs, orDash(strings.Join(entries, ","))}
	},
	json: func(r ledger.CallRecord) any {
		steps, ids := r.Steps, r.EntryIDs
		if steps == nil {
			steps = []string{}
		}
		if ids == nil {
			ids = []int64{}
		}
		return callJSON{r.CallID, r.Caller, r.Called, jsonTime(r.ArrivedAt), jsonTime(r.AnsweredAt), jsonTime(r.EndedAt),
			r.TechnicianID, r.SiteCode, r.Language, r.Outcome, r.Reason, r.EndReason, steps, ids, r.DTMFTransport}
	},
}
