package main

// The ledger's admin commands: migrate, entries, calls and registration
// (contractor, technician, phone, site, assign). main.go dispatches here.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dezura/dezura/ledger"
	_ "github.com/dezura/dezura/ledger/postgres" // registers postgres:// with ledger.Open
	_ "github.com/dezura/dezura/ledger/sqlite"   // registers sqlite: with ledger.Open
)

// ledgerFlags is a subcommand's flag set with its own --db.
type ledgerFlags struct {
	*flag.FlagSet
	db *string
}

func newLedgerFlags(name string, env cliEnv) ledgerFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return ledgerFlags{fs, fs.String("db", env.DB, "store URL: sqlite:PATH or postgres://...")}
}

// parse parses flags that may come before, between or after positional
// arguments ("show ID --json") and returns the positional ones.
func (f ledgerFlags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %s: %v", errUsage, f.Name(), err)
		}
		args = f.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// openAdmin opens the store named by url (migrating it) with its admin API.
func openAdmin(ctx context.Context, dbURL string) (ledger.Store, ledger.Admin, error) {
	st, err := ledger.Open(ctx, dbURL)
	if err != nil {
		return nil, nil, fmt.Errorf("open store %s: %w", redactURL(dbURL), err)
	}
	adm, ok := st.(ledger.Admin)
	if !ok {
		st.Close()
		return nil, nil, fmt.Errorf("store %s has no admin interface", redactURL(dbURL))
	}
	return st, adm, nil
}

// redactURL hides a password in a store URL.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// cliTime formats a time for people: Asia/Tokyo, minutes.
func cliTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(ledger.Tokyo).Format("2006-01-02 15:04")
}

// jsonTime formats a time for machines: RFC 3339 in Asia/Tokyo; "" if zero.
func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ledger.Tokyo).Format(time.RFC3339)
}

// parseDate parses a YYYY-MM-DD flag value.
func parseDate(flagName, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := ledger.ParseWorkDate(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: --%s %q: want a date like 2026-11-27", errUsage, flagName, v)
	}
	return t, nil
}

func needArgs(cmd string, pos []string, n int, what string) error {
	if len(pos) != n {
		return fmt.Errorf("%w: %s: want %s, got %d argument(s)", errUsage, cmd, what, len(pos))
	}
	return nil
}

// migrateCmd: dezura migrate [--db URL]
func migrateCmd(ctx context.Context, env cliEnv, args []string) error {
	fs := newLedgerFlags("migrate", env)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := needArgs("migrate", pos, 0, "no arguments"); err != nil {
		return err
	}
	st, adm, err := openAdmin(ctx, *fs.db) // Open migrates
	if err != nil {
		return err
	}
	defer st.Close()
	if err := adm.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "ledger schema up to date in %s\n", redactURL(*fs.db))
	return nil
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

// entriesCmd: dezura entries list|export ...
func entriesCmd(ctx context.Context, env cliEnv, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: entries: want list, show, correct, cancel or export", errUsage)
	}
	switch args[0] {
	case "list":
		return entriesList(ctx, env, args[1:])
	case "export":
		return entriesExport(ctx, env, args[1:])
	case "show":
		return entriesShow(ctx, env, args[1:])
	case "correct", "cancel":
		return entriesChange(ctx, env, args[0], args[1:])
	}
	return fmt.Errorf("%w: entries %s: want list, show, correct, cancel or export", errUsage, args[0])
}

func entriesList(ctx context.Context, env cliEnv, args []string) error {
	fs := newLedgerFlags("entries list", env)
	asJSON := fs.Bool("json", false, "print JSON")
	date := fs.String("date", "", "only this work date (YYYY-MM-DD)")
	from := fs.String("from", "", "first work date (YYYY-MM-DD)")
	to := fs.String("to", "", "last work date (YYYY-MM-DD)")
	site := fs.String("site", "", "only this site code")
	tech := fs.String("technician", "", "only this technician ID")
	contractor := fs.String("contractor", "", "only sites of this contractor")
	status := fs.String("status", "", "only this status: open, closed, needs_review, exported")
	limit := fs.Int("limit", 0, "at most this many entries")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := needArgs("entries list", pos, 0, "only flags"); err != nil {
		return err
	}
	f := ledger.EntryFilter{From: *from, To: *to, SiteCode: *site, TechnicianID: *tech, ContractorID: *contractor, Limit: *limit}
	if *date != "" {
		if *from != "" || *to != "" {
			return fmt.Errorf("%w: entries list: give --date or --from/--to, not both", errUsage)
		}
		f.From, f.To = *date, *date
	}
	for name, v := range map[string]string{"date": *date, "from": f.From, "to": f.To} {
		if _, err := parseDate(name, v); err != nil {
			return err
		}
	}
	if *status != "" {
		if f.Status, err = ledger.ParseEntryStatus(*status); err != nil {
			return fmt.Errorf("%w: --status: %v", errUsage, err)
		}
	}
	st, adm, err := openAdmin(ctx, *fs.db)
	if err != nil {
		return err
	}
	defer st.Close()
	es, err := adm.ListEntries(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]entryJSON, 0, len(es))
		for _, e := range es {
			out = append(out, entryJSON{e.ID, e.WorkDate, e.TechnicianID, e.SiteCode, jsonTime(e.CheckIn), jsonTime(e.CheckOut),
				e.Status.String(), e.Trade, e.Role})
		}
		return writeJSON(env.Stdout, out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWORK DATE\tSITE\tTECHNICIAN\tIN\tOUT\tSTATUS\tTRADE\tROLE")
	for _, e := range es {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.WorkDate, e.SiteCode, e.TechnicianID,
			cliTime(e.CheckIn), cliTime(e.CheckOut), e.Status, e.Trade, e.Role)
	}
	return tw.Flush()
}

func entriesExport(ctx context.Context, env cliEnv, args []string) error {
	fs := newLedgerFlags("entries export", env)
	from := fs.String("from", "", "first work date (YYYY-MM-DD, required)")
	to := fs.String("to", "", "last work date (YYYY-MM-DD, required)")
	site := fs.String("site", "", "only this site code")
	contractor := fs.String("contractor", "", "only sites of this contractor")
	format := fs.String("format", "csv", "csv or jsonl")
	enc := fs.String("encoding", "utf-8", "utf-8 or sjis (Shift_JIS)")
	onlyNew := fs.Bool("only-new", false, "only entries not exported before")
	out := fs.String("out", "", "write to this file instead of standard output")
	dryRun := fs.Bool("dry-run", false, "do not mark the entries exported")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := needArgs("entries export", pos, 0, "only flags"); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return fmt.Errorf("%w: entries export: --from and --to are required (YYYY-MM-DD)", errUsage)
	}
	for name, v := range map[string]string{"from": *from, "to": *to} {
		if _, err := parseDate(name, v); err != nil {
			return err
		}
	}
	// Check format and encoding before touching the store.
	if _, err := ledger.NewExportWriter(io.Discard, *format, *enc); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	st, adm, err := openAdmin(ctx, *fs.db)
	if err != nil {
		return err
	}
	defer st.Close()
	f := ledger.EntryFilter{From: *from, To: *to, SiteCode: *site, ContractorID: *contractor, OnlyNew: *onlyNew}
	ew, err := ledger.NewExportWriter(env.Stdout, *format, *enc)
	if err != nil {
		return err
	}
	var sink ledger.ExportSink = ew
	if *out != "" {
		// Write to a temporary file next to --out, renamed over it once
		// complete and on disk, so a failed export leaves neither a half
		// file nor entries marked exported.
		tmp, err := os.CreateTemp(filepath.Dir(*out), filepath.Base(*out)+".*.tmp")
		if err != nil {
			return fmt.Errorf("entries export: %w", err)
		}
		defer os.Remove(tmp.Name()) // after the rename there is nothing to remove
		defer tmp.Close()
		if ew, err = ledger.NewExportWriter(tmp, *format, *enc); err != nil {
			return err
		}
		sink = fileSink{ew, tmp, *out}
	}
	// The store marks the rows exported only after the sink's Flush.
	n, err := adm.ExportEntries(ctx, f, !*dryRun, sink)
	if err != nil {
		return fmt.Errorf("entries export: nothing marked exported: %w", err)
	}
	fmt.Fprintf(env.Stderr, "exported %d entries\n", n)
	return nil
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

func parseEntryID(cmd string, pos []string) (int64, error) {
	if err := needArgs(cmd, pos, 1, "an entry ID"); err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: %s: entry ID %q: want a number from 'entries list'", errUsage, cmd, pos[0])
	}
	return id, nil
}

// entriesShow: entries show ID [--json]: the entry and its attendance log.
func entriesShow(ctx context.Context, env cliEnv, args []string) error {
	fs := newLedgerFlags("entries show", env)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	id, err := parseEntryID("entries show", pos)
	if err != nil {
		return err
	}
	st, adm, err := openAdmin(ctx, *fs.db)
	if err != nil {
		return err
	}
	defer st.Close()
	e, err := adm.Entry(ctx, id)
	if err != nil {
		return err
	}
	evs, err := adm.EntryEvents(ctx, id)
	if err != nil {
		return err
	}
	if *asJSON {
		out := struct {
			entryJSON
			Events []eventJSON `json:"events"`
		}{entryJSON{e.ID, e.WorkDate, e.TechnicianID, e.SiteCode, jsonTime(e.CheckIn), jsonTime(e.CheckOut), e.Status.String(), e.Trade, e.Role}, []eventJSON{}}
		for _, ev := range evs {
			out.Events = append(out.Events, eventJSON{ev.ID, ev.Kind, jsonTime(ev.At), ev.CallID, ev.Actor, ev.Reason, ev.Detail})
		}
		return writeJSON(env.Stdout, out)
	}
	fmt.Fprintf(env.Stdout, "entry %d: %s site %s technician %s in %s out %s %s\n", e.ID, e.WorkDate, e.SiteCode, e.TechnicianID,
		cliTime(e.CheckIn), cliTime(e.CheckOut), e.Status)
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EVENT\tKIND\tAT\tBY\tCALL ID\tREASON\tDETAIL")
	for _, ev := range evs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.ID, ev.Kind, cliTime(ev.At), ev.Actor, ev.CallID, ev.Reason, ev.Detail)
	}
	return tw.Flush()
}

// parseEntryTime reads a corrected time: "YYYY-MM-DD HH:MM" or RFC 3339,
// or "HH:MM" on the entry's work date (a check-out earlier than the
// check-in is taken as the next morning).
func parseEntryTime(flagName, v string, e ledger.Entry) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", v, ledger.Tokyo); err == nil {
		return t, nil
	}
	if hm, err := time.Parse("15:04", v); err == nil {
		d, err := ledger.ParseWorkDate(e.WorkDate)
		if err != nil {
			return time.Time{}, err
		}
		t := time.Date(d.Year(), d.Month(), d.Day(), hm.Hour(), hm.Minute(), 0, 0, ledger.Tokyo)
		if flagName == "out" && !e.CheckIn.IsZero() && t.Before(e.CheckIn) {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%w: --%s %q: want HH:MM, \"2026-11-27 17:30\" or RFC 3339", errUsage, flagName, v)
}

// entriesChange: entries correct ID [--in T] [--out T] --by NAME --reason TEXT,
// entries cancel ID --by NAME --reason TEXT.
func entriesChange(ctx context.Context, env cliEnv, verb string, args []string) error {
	cmd := "entries " + verb
	fs := newLedgerFlags(cmd, env)
	by := fs.String("by", "", "who makes the change (required)")
	reason := fs.String("reason", "", "why (required)")
	var in, out *string
	if verb == "correct" {
		in = fs.String("in", "", "check-in time: HH:MM, \"YYYY-MM-DD HH:MM\" (Asia/Tokyo) or RFC 3339")
		out = fs.String("out", "", "check-out time, same forms")
	}
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	id, err := parseEntryID(cmd, pos)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*by) == "" || strings.TrimSpace(*reason) == "" {
		return fmt.Errorf("%w: %s: --by and --reason are required (the log keeps who and why)", errUsage, cmd)
	}
	if verb == "correct" && *in == "" && *out == "" {
		return fmt.Errorf("%w: entries correct: give --in, --out or both", errUsage)
	}
	st, adm, err := openAdmin(ctx, *fs.db)
	if err != nil {
		return err
	}
	defer st.Close()
	var e ledger.Entry
	if verb == "cancel" {
		e, err = adm.CancelEntry(ctx, id, *by, *reason, time.Now())
	} else {
		var cur ledger.Entry
		if cur, err = adm.Entry(ctx, id); err != nil {
			return err
		}
		c := ledger.Correction{EntryID: id, Actor: *by, Reason: *reason, At: time.Now()}
		if c.CheckIn, err = parseEntryTime("in", *in, cur); err != nil {
			return err
		}
		if !c.CheckIn.IsZero() {
			cur.CheckIn = c.CheckIn
		}
		if c.CheckOut, err = parseEntryTime("out", *out, cur); err != nil {
			return err
		}
		e, err = adm.CorrectEntry(ctx, c)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "entry %d: in %s out %s %s\n", e.ID, cliTime(e.CheckIn), cliTime(e.CheckOut), e.Status)
	return nil
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
	EndReason     string   `json:"end_reason,omitempty"`
	Steps         []string `json:"steps"`
	EntryIDs      []int64  `json:"entry_ids"`
	DTMFTransport string   `json:"dtmf_transport,omitempty"`
}

// parseSince takes RFC 3339, a date (midnight Asia/Tokyo) or a duration
// back from now ("24h").
func parseSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := ledger.ParseWorkDate(v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%w: --since %q: want 2026-11-27T08:00:00+09:00, 2026-11-27 or 24h", errUsage, v)
}

// callsCmd: dezura calls list [--json] [--since T] [--outcome O]
func callsCmd(ctx context.Context, env cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "list" {
		return fmt.Errorf("%w: calls: want list", errUsage)
	}
	fs := newLedgerFlags("calls list", env)
	asJSON := fs.Bool("json", false, "print JSON")
	since := fs.String("since", "", "calls arrived at or after: RFC 3339 time, YYYY-MM-DD (Asia/Tokyo) or a duration like 24h")
	outcome := fs.String("outcome", "", "only this outcome (registered, already_registered, abandoned, failed, ...)")
	limit := fs.Int("limit", 0, "at most this many calls")
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if err := needArgs("calls list", pos, 0, "only flags"); err != nil {
		return err
	}
	t, err := parseSince(*since, time.Now())
	if err != nil {
		return err
	}
	st, adm, err := openAdmin(ctx, *fs.db)
	if err != nil {
		return err
	}
	defer st.Close()
	calls, err := adm.ListCalls(ctx, ledger.CallFilter{Since: t, Outcome: *outcome, Limit: *limit})
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]callJSON, 0, len(calls))
		for _, c := range calls {
			steps, ids := c.Steps, c.EntryIDs
			if steps == nil {
				steps = []string{}
			}
			if ids == nil {
				ids = []int64{}
			}
			out = append(out, callJSON{c.CallID, c.Caller, c.Called, jsonTime(c.ArrivedAt), jsonTime(c.AnsweredAt),
				jsonTime(c.EndedAt), c.TechnicianID, c.SiteCode, c.Language, c.Outcome, c.Reason, c.EndReason, steps, ids, c.DTMFTransport})
		}
		return writeJSON(env.Stdout, out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ARRIVED\tCALL ID\tCALLER\tTECHNICIAN\tSITE\tOUTCOME\tENDED BY\tSECONDS\tENTRIES")
	for _, c := range calls {
		secs := "-"
		if !c.EndedAt.IsZero() && !c.ArrivedAt.IsZero() {
			secs = fmt.Sprintf("%.0f", c.EndedAt.Sub(c.ArrivedAt).Seconds())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%v\n", cliTime(c.ArrivedAt), c.CallID, c.Caller, c.TechnicianID,
			c.SiteCode, c.Outcome, c.EndReason, secs, c.EntryIDs)
	}
	return tw.Flush()
}

// registrationCmd: dezura contractor|technician|phone|site|assign add|list|show|disable ...
// and dezura technician import FILE.csv.
func registrationCmd(ctx context.Context, env cliEnv, noun string, args []string) error {
	verbs := "add, list, show or disable"
	if noun == "technician" {
		verbs = "add, list, show, disable or import"
	}
	if len(args) == 0 {
		return fmt.Errorf("%w: %s: want %s", errUsage, noun, verbs)
	}
	verb, rest := args[0], args[1:]
	r := registration{env: env, fs: newLedgerFlags(noun+" "+verb, env), noun: noun, verb: verb}
	var run func(ctx context.Context, args []string) error
	switch noun + " " + verb {
	case "contractor add":
		run = r.contractorAdd
	case "contractor list":
		run = r.contractorList
	case "contractor show":
		run = r.contractorShow
	case "technician add":
		run = r.technicianAdd
	case "technician list":
		run = r.technicianList
	case "technician show":
		run = r.technicianShow
	case "technician import":
		run = r.technicianImport
	case "phone add":
		run = r.phoneAdd
	case "phone list":
		run = r.phoneList
	case "phone show":
		run = r.phoneShow
	case "site add":
		run = r.siteAdd
	case "site list":
		run = r.siteList
	case "site show":
		run = r.siteShow
	case "assign add":
		run = r.assignAdd
	case "assign list", "assign show":
		run = r.assignList
	case "contractor disable", "technician disable", "phone disable", "site disable", "assign disable":
		run = r.disable
	default:
		switch noun {
		case "contractor", "technician", "phone", "site", "assign":
			return fmt.Errorf("%w: %s %s: want %s", errUsage, noun, verb, verbs)
		}
		return fmt.Errorf("%w: unknown command %q", errUsage, noun)
	}
	return run(ctx, rest)
}

// registration carries one registration command's flags and output.
type registration struct {
	env        cliEnv
	fs         ledgerFlags
	noun, verb string
	asJSON     *bool
}

func (r *registration) cmd() string { return r.noun + " " + r.verb }

// jsonFlag adds --json (list and show).
func (r *registration) jsonFlag() { r.asJSON = r.fs.Bool("json", false, "print JSON") }

// open parses args, checks the count of positional ones and the required
// flags, and opens the store.
func (r *registration) open(ctx context.Context, args []string, n int, what string, required ...string) ([]string, ledger.Store, ledger.Admin, error) {
	pos, err := r.fs.parse(args)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := needArgs(r.cmd(), pos, n, what); err != nil {
		return nil, nil, nil, err
	}
	var missing []string
	for _, name := range required {
		if f := r.fs.Lookup(name); f == nil || strings.TrimSpace(f.Value.String()) == "" {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		return nil, nil, nil, fmt.Errorf("%w: %s: missing %s", errUsage, r.cmd(), strings.Join(missing, ", "))
	}
	st, adm, err := openAdmin(ctx, *r.fs.db)
	if err != nil {
		return nil, nil, nil, err
	}
	return pos, st, adm, nil
}

// print writes v as JSON or runs the table printer.
func (r *registration) print(v any, header string, rows func(w io.Writer)) error {
	if r.asJSON != nil && *r.asJSON {
		return writeJSON(r.env.Stdout, v)
	}
	tw := tabwriter.NewWriter(r.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	rows(tw)
	return tw.Flush()
}

func (r *registration) done(format string, args ...any) error {
	fmt.Fprintf(r.env.Stdout, format+"\n", args...)
	return nil
}

type contractorJSON struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	CCUSBusinessID string `json:"ccus_business_id"`
	Disabled       bool   `json:"disabled"`
}

func (r *registration) contractorAdd(ctx context.Context, args []string) error {
	id := r.fs.String("id", "", "contractor ID (letters, digits, . _ -)")
	name := r.fs.String("name", "", "name (事業者名)")
	biz := r.fs.String("ccus-business-id", "", "CCUS business ID (事業者ID)")
	_, st, adm, err := r.open(ctx, args, 0, "only flags", "id", "name")
	if err != nil {
		return err
	}
	defer st.Close()
	if err := adm.AddContractor(ctx, ledger.Contractor{ID: *id, Name: *name, CCUSBusinessID: *biz}); err != nil {
		return err
	}
	return r.done("contractor %s added", *id)
}

func (r *registration) contractorList(ctx context.Context, args []string) error {
	r.jsonFlag()
	_, st, adm, err := r.open(ctx, args, 0, "only flags")
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := adm.Contractors(ctx)
	if err != nil {
		return err
	}
	out := make([]contractorJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, contractorJSON(c))
	}
	return r.print(out, "ID\tNAME\tCCUS BUSINESS ID\tDISABLED", func(w io.Writer) {
		for _, c := range cs {
			fmt.Fprintf(w, "%s\t%s\t%s\t%v\n", c.ID, c.Name, c.CCUSBusinessID, c.Disabled)
		}
	})
}

func (r *registration) contractorShow(ctx context.Context, args []string) error {
	r.jsonFlag()
	pos, st, adm, err := r.open(ctx, args, 1, "a contractor ID")
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := adm.Contractor(ctx, pos[0])
	if err != nil {
		return err
	}
	return r.print(contractorJSON(c), "ID\tNAME\tCCUS BUSINESS ID\tDISABLED", func(w io.Writer) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%v\n", c.ID, c.Name, c.CCUSBusinessID, c.Disabled)
	})
}

type technicianJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	ContractorID string `json:"contractor_id,omitempty"`
	Language     string `json:"language"`
	CrewNumber   string `json:"crew_number,omitempty"`
	Disabled     bool   `json:"disabled"`
}

func (r *registration) technicianAdd(ctx context.Context, args []string) error {
	id := r.fs.String("id", "", "14-digit CCUS technician ID (技能者ID)")
	name := r.fs.String("name", "", "name (氏名)")
	contractor := r.fs.String("contractor", "", "contractor ID (所属)")
	lang := r.fs.String("language", "ja", "prompt language: ja or en")
	code := r.fs.String("security-code", "", "4-digit security code from the CCUS card (stored hashed)")
	phone := r.fs.String("phone", "", "caller number that identifies this technician")
	crew := r.fs.String("crew-number", "", "2-3 digit number his contractor's foreman keys for him (unique in the contractor)")
	_, st, adm, err := r.open(ctx, args, 0, "only flags", "id", "name")
	if err != nil {
		return err
	}
	defer st.Close()
	row := ledger.TechnicianImport{
		Technician:   ledger.Technician{ID: *id, Name: *name, ContractorID: *contractor, Language: *lang, CrewNumber: *crew},
		SecurityCode: *code, Phone: *phone,
	}
	if err := adm.ImportTechnicians(ctx, []ledger.TechnicianImport{row}); err != nil {
		return err
	}
	return r.done("technician %s added", *id)
}

func (r *registration) technicianList(ctx context.Context, args []string) error {
	r.jsonFlag()
	contractor := r.fs.String("contractor", "", "only technicians of this contractor")
	_, st, adm, err := r.open(ctx, args, 0, "only flags")
	if err != nil {
		return err
	}
	defer st.Close()
	ts, err := adm.Technicians(ctx, *contractor)
	if err != nil {
		return err
	}
	return r.printTechnicians(ts, false)
}

func (r *registration) printTechnicians(ts []ledger.Technician, one bool) error {
	out := make([]technicianJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, technicianJSON(t))
	}
	var v any = out
	if one {
		v = out[0]
	}
	return r.print(v, "ID\tNAME\tCONTRACTOR\tCREW NO.\tLANGUAGE\tDISABLED", func(w io.Writer) {
		for _, t := range ts {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\n", t.ID, t.Name, t.ContractorID, t.CrewNumber, t.Language, t.Disabled)
		}
	})
}

func (r *registration) technicianShow(ctx context.Context, args []string) error {
	r.jsonFlag()
	pos, st, _, err := r.open(ctx, args, 1, "a technician ID")
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := st.Technician(ctx, pos[0])
	if err != nil {
		return err
	}
	return r.printTechnicians([]ledger.Technician{t}, true)
}

// technicianImport: technician import FILE.csv. Every bad line is
// reported; a file with any bad line changes nothing.
func (r *registration) technicianImport(ctx context.Context, args []string) error {
	pos, err := r.fs.parse(args)
	if err != nil {
		return err
	}
	if err := needArgs(r.cmd(), pos, 1, "a CSV file"); err != nil {
		return err
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("technician import: %w", err)
	}
	rows, err := ledger.ParseTechnicianCSV(f)
	f.Close()
	var bad ledger.ImportErrors
	if errors.As(err, &bad) {
		return r.reportBad(pos[0], bad)
	}
	if err != nil {
		return err
	}
	st, adm, err := openAdmin(ctx, *r.fs.db)
	if err != nil {
		return err
	}
	defer st.Close()
	// Check every row against the database too, so the user sees every
	// problem at once rather than the first one the transaction hits.
	contractors := map[string]bool{}
	for _, row := range rows {
		var why []string
		if _, err := st.Technician(ctx, row.ID); err == nil {
			why = append(why, fmt.Sprintf("technician %s is already registered", row.ID))
		} else if !errors.Is(err, ledger.ErrNotFound) {
			return err
		}
		if c := row.ContractorID; c != "" {
			known, seen := contractors[c]
			if !seen {
				_, err := adm.Contractor(ctx, c)
				if err != nil && !errors.Is(err, ledger.ErrNotFound) {
					return err
				}
				known = err == nil
				contractors[c] = known
			}
			if !known {
				why = append(why, fmt.Sprintf("contractor %q is not registered (add it with: dezura contractor add)", c))
			}
		}
		if row.Phone != "" {
			if _, err := adm.Phone(ctx, row.Phone); err == nil {
				why = append(why, "phone is already registered")
			} else if !errors.Is(err, ledger.ErrNotFound) {
				return err
			}
		}
		if len(why) > 0 {
			bad = append(bad, ledger.RowError{Line: row.Line, Reason: strings.Join(why, "; ")})
		}
	}
	if len(bad) > 0 {
		return r.reportBad(pos[0], bad)
	}
	if err := adm.ImportTechnicians(ctx, rows); err != nil {
		return fmt.Errorf("technician import %s: nothing imported: %w", pos[0], err)
	}
	return r.done("imported %d technicians from %s", len(rows), pos[0])
}

func (r *registration) reportBad(file string, bad ledger.ImportErrors) error {
	for _, e := range bad {
		fmt.Fprintf(r.env.Stderr, "%s:%d: %s\n", file, e.Line, e.Reason)
	}
	return fmt.Errorf("technician import %s: %d bad row(s), nothing imported; fix them and run it again", file, len(bad))
}

type phoneJSON struct {
	E164         string `json:"e164"`
	TechnicianID string `json:"technician_id,omitempty"`
	ForemanOf    string `json:"foreman_of,omitempty"`
	Disabled     bool   `json:"disabled"`
	// RegisteredBy is "office" or "self" (the technician by his own call);
	// Since is when; DisabledBy who disabled it.
	RegisteredBy string `json:"registered_by"`
	Since        string `json:"since,omitempty"`
	DisabledBy   string `json:"disabled_by,omitempty"`
}

func (r *registration) phoneAdd(ctx context.Context, args []string) error {
	tech := r.fs.String("technician", "", "technician ID who calls from this number")
	foreman := r.fs.String("foreman-of", "", "contractor ID whose foreman calls from this number")
	pos, st, adm, err := r.open(ctx, args, 1, "a phone number")
	if err != nil {
		return err
	}
	defer st.Close()
	if (*tech == "") == (*foreman == "") {
		return fmt.Errorf("%w: phone add: give --technician ID or --foreman-of CONTRACTOR", errUsage)
	}
	if err := adm.AddPhone(ctx, ledger.Phone{E164: pos[0], TechnicianID: *tech, ContractorID: *foreman}); err != nil {
		return err
	}
	e164, _ := ledger.NormalizePhone(pos[0])
	return r.done("phone %s added", e164)
}

func (r *registration) printPhones(ps []ledger.Phone, one bool) error {
	out := make([]phoneJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, phoneJSON{p.E164, p.TechnicianID, p.ContractorID, p.Disabled, p.Source, jsonTime(p.Since), p.DisabledBy})
	}
	var v any = out
	if one {
		v = out[0]
	}
	return r.print(v, "NUMBER\tTECHNICIAN\tFOREMAN OF\tREGISTERED BY\tSINCE\tDISABLED", func(w io.Writer) {
		for _, p := range ps {
			disabled := "-"
			if p.Disabled {
				disabled = "by " + p.DisabledBy
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", p.E164, p.TechnicianID, p.ContractorID, p.Source, cliTime(p.Since), disabled)
		}
	})
}

func (r *registration) phoneList(ctx context.Context, args []string) error {
	r.jsonFlag()
	_, st, adm, err := r.open(ctx, args, 0, "only flags")
	if err != nil {
		return err
	}
	defer st.Close()
	ps, err := adm.Phones(ctx)
	if err != nil {
		return err
	}
	return r.printPhones(ps, false)
}

func (r *registration) phoneShow(ctx context.Context, args []string) error {
	r.jsonFlag()
	pos, st, adm, err := r.open(ctx, args, 1, "a phone number")
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := adm.Phone(ctx, pos[0])
	if err != nil {
		return err
	}
	return r.printPhones([]ledger.Phone{p}, true)
}

type siteJSON struct {
	Code         string `json:"code"`
	CCUSSiteID   string `json:"ccus_site_id"`
	Name         string `json:"name"`
	ContractorID string `json:"contractor_id,omitempty"`
	OpensOn      string `json:"opens_on,omitempty"`
	ClosesOn     string `json:"closes_on,omitempty"`
	DID          string `json:"did,omitempty"`
	Disabled     bool   `json:"disabled"`
}

func dateOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ledger.WorkDate(t)
}

func (r *registration) siteAdd(ctx context.Context, args []string) error {
	code := r.fs.String("code", "", "site code callers key (digits)")
	name := r.fs.String("name", "", "site name (現場名)")
	ccus := r.fs.String("ccus-site-id", "", "CCUS site ID (現場ID)")
	contractor := r.fs.String("contractor", "", "contractor ID")
	opens := r.fs.String("opens", "", "first work date (YYYY-MM-DD)")
	closes := r.fs.String("closes", "", "last work date (YYYY-MM-DD)")
	did := r.fs.String("did", "", "called number that selects this site")
	_, st, adm, err := r.open(ctx, args, 0, "only flags", "code", "name")
	if err != nil {
		return err
	}
	defer st.Close()
	o, err := parseDate("opens", *opens)
	if err != nil {
		return err
	}
	c, err := parseDate("closes", *closes)
	if err != nil {
		return err
	}
	s := ledger.Site{Code: *code, CCUSSiteID: *ccus, Name: *name, ContractorID: *contractor, OpensOn: o, ClosesOn: c, DID: *did}
	if err := adm.AddSite(ctx, s); err != nil {
		return err
	}
	return r.done("site %s added", *code)
}

func (r *registration) printSites(ss []ledger.Site, one bool) error {
	out := make([]siteJSON, 0, len(ss))
	for _, s := range ss {
		out = append(out, siteJSON{s.Code, s.CCUSSiteID, s.Name, s.ContractorID, dateOrEmpty(s.OpensOn), dateOrEmpty(s.ClosesOn), s.DID, s.Disabled})
	}
	var v any = out
	if one {
		v = out[0]
	}
	return r.print(v, "CODE\tCCUS SITE ID\tNAME\tCONTRACTOR\tOPENS\tCLOSES\tDID\tDISABLED", func(w io.Writer) {
		for _, s := range out {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%v\n", s.Code, s.CCUSSiteID, s.Name, s.ContractorID, s.OpensOn, s.ClosesOn, s.DID, s.Disabled)
		}
	})
}

func (r *registration) siteList(ctx context.Context, args []string) error {
	r.jsonFlag()
	contractor := r.fs.String("contractor", "", "only sites of this contractor")
	_, st, adm, err := r.open(ctx, args, 0, "only flags")
	if err != nil {
		return err
	}
	defer st.Close()
	ss, err := adm.Sites(ctx, *contractor)
	if err != nil {
		return err
	}
	return r.printSites(ss, false)
}

func (r *registration) siteShow(ctx context.Context, args []string) error {
	r.jsonFlag()
	pos, st, _, err := r.open(ctx, args, 1, "a site code")
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.SiteByCode(ctx, pos[0])
	if err != nil {
		return err
	}
	return r.printSites([]ledger.Site{s}, true)
}

type assignmentJSON struct {
	SiteCode     string `json:"site_code"`
	TechnicianID string `json:"technician_id"`
	Trade        string `json:"trade,omitempty"`
	Role         string `json:"role,omitempty"`
	Disabled     bool   `json:"disabled"`
}

func (r *registration) assignAdd(ctx context.Context, args []string) error {
	site := r.fs.String("site", "", "site code")
	tech := r.fs.String("technician", "", "technician ID")
	trade := r.fs.String("trade", "", "trade (職種)")
	role := r.fs.String("role", "", "role (立場), e.g. 職長")
	_, st, adm, err := r.open(ctx, args, 0, "only flags", "site", "technician")
	if err != nil {
		return err
	}
	defer st.Close()
	if err := adm.Assign(ctx, ledger.Assignment{SiteCode: *site, TechnicianID: *tech, Trade: *trade, Role: *role}); err != nil {
		return err
	}
	return r.done("technician %s assigned to site %s", *tech, *site)
}

func (r *registration) assignList(ctx context.Context, args []string) error {
	r.jsonFlag()
	site := r.fs.String("site", "", "only this site")
	pos, err := r.fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 1 && *site == "" { // assign show SITE
		*site = pos[0]
	} else if err := needArgs(r.cmd(), pos, 0, "only flags"); err != nil {
		return err
	}
	st, adm, err := openAdmin(ctx, *r.fs.db)
	if err != nil {
		return err
	}
	defer st.Close()
	as, err := adm.Assignments(ctx, *site)
	if err != nil {
		return err
	}
	out := make([]assignmentJSON, 0, len(as))
	for _, a := range as {
		out = append(out, assignmentJSON(a))
	}
	return r.print(out, "SITE\tTECHNICIAN\tTRADE\tROLE\tDISABLED", func(w io.Writer) {
		for _, a := range as {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%v\n", a.SiteCode, a.TechnicianID, a.Trade, a.Role, a.Disabled)
		}
	})
}

// disable: contractor|technician|phone|site disable KEY, assign disable --site S --technician T.
func (r *registration) disable(ctx context.Context, args []string) error {
	if r.noun == "assign" {
		site := r.fs.String("site", "", "site code")
		tech := r.fs.String("technician", "", "technician ID")
		_, st, adm, err := r.open(ctx, args, 0, "only flags", "site", "technician")
		if err != nil {
			return err
		}
		defer st.Close()
		if err := adm.DisableAssignment(ctx, *site, *tech); err != nil {
			return err
		}
		return r.done("assignment of %s at site %s disabled", *tech, *site)
	}
	pos, st, adm, err := r.open(ctx, args, 1, "the "+r.noun+" to disable")
	if err != nil {
		return err
	}
	defer st.Close()
	key := pos[0]
	switch r.noun {
	case "contractor":
		err = adm.DisableContractor(ctx, key)
	case "technician":
		err = adm.DisableTechnician(ctx, key)
	case "phone":
		err = adm.DisablePhone(ctx, key)
	case "site":
		err = adm.DisableSite(ctx, key)
	}
	if err != nil {
		return err
	}
	return r.done("%s %s disabled", r.noun, key)
}
