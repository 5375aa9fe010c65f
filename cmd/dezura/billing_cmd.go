package main

// dezura billing: plans, subscriptions, runs, invoices, payments, exports
// and account transfer. main.go dispatches "dezura billing ..." here.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
)

const billingUsage = `dezura billing — annual flat-fee billing (qualified invoices, インボイス制度)

  plan add --name N --annual YEN [--initial YEN] [--per-attendance YEN] [--tax-rate 10] --from DATE [--until DATE]
  plan list
  plan close NAME --until DATE            last day new subscriptions may take the plan
  subscribe --contractor ID --plan NAME --start DATE [--recipient NAME]
  cancel SUBSCRIPTION-ID|--contractor ID [--on DATE]  periods starting on or after DATE are not billed
  list [--contractor ID]                  subscriptions
  run [--as-of DATE] [--dry-run]          issue everything due (issuer flags below)
  invoice show NUMBER [--format text|html]
  invoice list [--from DATE] [--to DATE]
  pay NUMBER --amount YEN [--date DATE] --method TEXT [--reference TEXT]
  receivables [--as-of DATE]              unpaid and overdue, with ageing
  void NUMBER --reason TEXT [--date DATE] issues a credit note (適格返還請求書)
  export [--from DATE] [--to DATE] [--format csv] [--encoding utf-8|sjis] [--out FILE]
  mandate set --contractor ID --bank NNNN --branch NNN --account-type 1|2 --account N --holder KANA [--bank-name --branch-name]
  transfer-file --collect-on DATE --out FILE [--crlf] (collector flags below)
  transfer-result FILE                    read the bank's result file (safe to repeat)

Issuer (run): --issuer-name, --issuer-registration T+13 digits, [--payment-days 30];
  defaults from DEZURA_ISSUER_NAME, DEZURA_ISSUER_REGISTRATION.
Collector (transfer-file): --collector-code, --collector-name, --collector-bank, --collector-branch,
  --collector-account-type, --collector-account; defaults from DEZURA_COLLECTOR_CODE, _NAME, _BANK,
  _BRANCH, _ACCOUNT_TYPE, _ACCOUNT.
Dates are YYYY-MM-DD in Asia/Tokyo; the default is today. Every command takes --db URL.
`

// billingCmd runs "dezura billing ARGS...".
func billingCmd(ctx context.Context, env cliEnv, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(env.Stdout, billingUsage)
		if len(args) == 0 {
			return fmt.Errorf("%w: billing needs a subcommand", errUsage)
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	if (sub == "plan" || sub == "invoice" || sub == "mandate") && len(rest) > 0 {
		sub, rest = sub+" "+rest[0], rest[1:]
	}
	f, ok := billingCommand(sub)
	if !ok {
		return fmt.Errorf("%w: unknown billing command %q; run 'dezura billing help'", errUsage, sub)
	}
	return f(ctx, env, sub, rest)
}

type billingFunc func(ctx context.Context, env cliEnv, name string, args []string) error

// billingCommand returns the function for a subcommand name.
func billingCommand(name string) (billingFunc, bool) {
	switch name {
	case "plan add":
		return billingPlanAdd, true
	case "plan list":
		return billingPlanList, true
	case "plan close":
		return billingPlanClose, true
	case "subscribe":
		return billingSubscribe, true
	case "cancel":
		return billingCancel, true
	case "list":
		return billingList, true
	case "run":
		return billingRun, true
	case "invoice show":
		return billingInvoiceShow, true
	case "invoice list":
		return billingInvoiceList, true
	case "pay":
		return billingPay, true
	case "receivables":
		return billingReceivables, true
	case "void":
		return billingVoid, true
	case "export":
		return billingExport, true
	case "mandate set":
		return billingMandateSet, true
	case "transfer-file":
		return billingTransferFile, true
	case "transfer-result":
		return billingTransferResult, true
	}
	return nil, false
}

// billingFlags is one subcommand's flags: --db plus its own, parsed as the
// ledger commands' are.
type billingFlags struct {
	ledgerFlags
	env cliEnv
}

func newBillingFlags(name string, env cliEnv) billingFlags {
	return billingFlags{newLedgerFlags("billing "+name, env), env}
}

// parse accepts flags before, between or after positional arguments and
// checks the number of positional arguments.
func (f billingFlags) parse(args []string, positional int) ([]string, error) {
	pos, err := f.ledgerFlags.parse(args)
	if err != nil {
		return nil, err
	}
	if len(pos) != positional {
		return nil, fmt.Errorf("%w: %s takes %d argument(s), got %d: %q", errUsage, f.Name(), positional, len(pos), pos)
	}
	return pos, nil
}

// billingStore is billing on an open ledger database; Close closes the
// database.
type billingStore struct {
	*billing.Billing
	db ledger.DB
}

func (s billingStore) Close() error { return s.db.Close() }

func (f billingFlags) open(ctx context.Context) (billingStore, error) {
	db, err := ledger.Open(ctx, *f.db)
	if err != nil {
		return billingStore{}, fmt.Errorf("open store %s: %w", redactURL(*f.db), err)
	}
	b, err := billing.New(ctx, db)
	if err != nil {
		return billingStore{}, errors.Join(fmt.Errorf("open billing: %w", err), db.Close())
	}
	return billingStore{b, db}, nil
}

// dateFlag is a YYYY-MM-DD flag whose default is today in Tokyo.
type dateFlag struct {
	d   billing.Date
	set bool
}

func (v *dateFlag) String() string { return v.d.String() }
func (v *dateFlag) Set(s string) error {
	d, err := billing.ParseDate(s)
	if err != nil {
		return err
	}
	v.d, v.set = d, true
	return nil
}

// orToday returns the date, or today in Asia/Tokyo if the flag was not given.
func (v *dateFlag) orToday() billing.Date {
	if v.set {
		return v.d
	}
	return billing.DateOf(time.Now())
}

func (f billingFlags) date(name, usage string) *dateFlag {
	v := &dateFlag{}
	f.Var(v, name, usage)
	return v
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func (f billingFlags) required(pairs ...string) error {
	for i := 0; i < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return fmt.Errorf("%w: %s needs --%s", errUsage, f.Name(), pairs[i])
		}
	}
	return nil
}

func billingPlanAdd(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	pname := f.String("name", "", "plan name")
	initial := f.Int64("initial", 0, "initial fee in yen before tax")
	annual := f.Int64("annual", 0, "annual base fee in yen before tax")
	per := f.Int64("per-attendance", 0, "per technician-day in yen before tax, billed monthly in arrears")
	rate := f.Int("tax-rate", 10, "consumption tax rate in percent")
	from := f.date("from", "first day new subscriptions may take the plan")
	until := f.date("until", "last day new subscriptions may take the plan (default: open)")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if !from.set {
		return fmt.Errorf("%w: plan add needs --from DATE", errUsage)
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	p := billing.Plan{Name: *pname, InitialFee: billing.Yen(*initial), AnnualFee: billing.Yen(*annual),
		PerAttendance: billing.Yen(*per), TaxRate: *rate, AvailableFrom: from.d, AvailableUntil: until.d}
	if err := b.AddPlan(ctx, p); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "plan %s added\n", p.Name)
	return nil
}

func billingPlanList(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	plans, err := b.Plans(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tINITIAL\tANNUAL\tPER-ATTENDANCE\tTAX\tANNUAL WITH TAX\tFROM\tUNTIL")
	for _, p := range plans {
		_, _, withTax := billing.Totals(billing.TaxByRate([]billing.Line{{Amount: p.AnnualFee, TaxRate: p.TaxRate}}))
		until := p.AvailableUntil.String()
		if until == "" {
			until = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d%%\t%s\t%s\t%s\n", p.Name, billing.FormatYen(p.InitialFee), billing.FormatYen(p.AnnualFee),
			billing.FormatYen(p.PerAttendance), p.TaxRate, billing.FormatYen(withTax), p.AvailableFrom, until)
	}
	return tw.Flush()
}

func billingPlanClose(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	until := f.date("until", "last day new subscriptions may take the plan")
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	if !until.set {
		return fmt.Errorf("%w: plan close needs --until DATE", errUsage)
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.ClosePlan(ctx, pos[0], until.d); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "plan %s: new subscriptions until %s; existing ones keep renewing\n", pos[0], until.d)
	return nil
}

func billingSubscribe(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	contractor := f.String("contractor", "", "contractor ID")
	plan := f.String("plan", "campaign-2023", "plan name")
	recipient := f.String("recipient", "", "name printed on invoices (default: the contractor ID)")
	start := f.date("start", "start date (first year billed on it)")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if err := f.required("contractor", *contractor); err != nil {
		return err
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	s, err := b.Subscribe(ctx, *contractor, *recipient, *plan, start.orToday())
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "subscription %d: contractor %s on %s from %s (renews every %02d-%02d)\n",
		s.ID, s.ContractorID, s.Plan, s.Start, int(s.Start.Month), s.Start.Day)
	return nil
}

func billingCancel(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	on := f.date("on", "periods starting on or after this date are not billed (default today)")
	contractor := f.String("contractor", "", "cancel this contractor's active subscription (instead of an ID)")
	n := 1
	if hasFlag(args, "contractor") {
		n = 0
	}
	pos, err := f.parse(args, n)
	if err != nil {
		return err
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	var id int64
	if *contractor != "" {
		subs, err := b.Subscriptions(ctx, *contractor)
		if err != nil {
			return err
		}
		for _, s := range subs {
			if s.CancelledOn.IsZero() {
				id = s.ID
			}
		}
		if id == 0 {
			return fmt.Errorf("%w: contractor %s has no active subscription", billing.ErrUnknownSubscription, *contractor)
		}
	} else if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil {
		return fmt.Errorf("%w: cancel takes a subscription ID (see 'dezura billing list') or --contractor ID, got %q", errUsage, pos[0])
	}
	if err := b.Cancel(ctx, id, on.orToday()); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "subscription %d cancelled from %s; invoices already issued stay (void one to refund)\n", id, on.orToday())
	return nil
}

// hasFlag reports whether args set --name or -name.
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

func billingList(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	contractor := f.String("contractor", "", "only this contractor")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	subs, err := b.Subscriptions(ctx, *contractor)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCONTRACTOR\tRECIPIENT\tPLAN\tSTART\tCANCELLED")
	for _, s := range subs {
		c := s.CancelledOn.String()
		if c == "" {
			c = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.ContractorID, s.Recipient, s.Plan, s.Start, c)
	}
	return tw.Flush()
}

func (f billingFlags) issuer() func() (billing.Issuer, error) {
	name := f.String("issuer-name", os.Getenv("DEZURA_ISSUER_NAME"), "issuer name printed on invoices")
	reg := f.String("issuer-registration", os.Getenv("DEZURA_ISSUER_REGISTRATION"), "qualified invoice registration number, T + 13 digits")
	days := f.Int("payment-days", 30, "days from issue to due date")
	return func() (billing.Issuer, error) {
		iss := billing.Issuer{Name: *name, Registration: *reg, PaymentDays: *days}
		if err := iss.Validate(); err != nil {
			return billing.Issuer{}, fmt.Errorf("%w: %v (set --issuer-name and --issuer-registration, or DEZURA_ISSUER_NAME and DEZURA_ISSUER_REGISTRATION)", errUsage, err)
		}
		return iss, nil
	}
}

func billingRun(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	asOf := f.date("as-of", "issue everything due on or before this date (default today)")
	dry := f.Bool("dry-run", false, "print what would be issued and the totals; write nothing")
	issuer := f.issuer()
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	iss, err := issuer()
	if err != nil {
		return err
	}
	if today := billing.DateOf(time.Now()); !*dry && asOf.orToday().After(today) {
		return fmt.Errorf("%w: --as-of %s is after today (%s): invoices would be dated in the future; use --dry-run to preview", errUsage, asOf.orToday(), today)
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	res, err := b.Run(ctx, billing.RunOptions{AsOf: asOf.orToday(), DryRun: *dry, Issuer: iss})
	printRun(env.Stdout, res)
	return err
}

func printRun(w io.Writer, res billing.RunResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tCONTRACTOR\tKIND\tPERIOD\tSUBTOTAL\tTAX\tTOTAL")
	for _, in := range res.Invoices {
		number := in.Number
		if number == "" {
			number = "(dry run)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", number, in.Subscription.ContractorID, in.Kind, in.Period,
			billing.FormatYen(in.Subtotal), billing.FormatYen(in.Tax), billing.FormatYen(in.Total))
	}
	tw.Flush()
	verb := "issued"
	if res.DryRun {
		verb = "would issue (dry run, nothing written)"
	}
	fmt.Fprintf(w, "as of %s: %s %d invoices, subtotal %s yen, tax %s yen, total %s yen\n", res.AsOf, verb, res.Count(),
		billing.FormatYen(res.Subtotal), billing.FormatYen(res.Tax), billing.FormatYen(res.Total))
}

func billingInvoiceShow(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	format := f.String("format", "text", "text or html (printable A4)")
	issuer := f.String("issuer", "", "issuer registration number, if several issuers share numbers")
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "html" {
		return fmt.Errorf("%w: --format must be text or html", errUsage)
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	in, err := b.InvoiceByNumber(ctx, pos[0], *issuer)
	if err != nil {
		return err
	}
	if *format == "html" {
		return billing.WriteHTML(env.Stdout, in)
	}
	return billing.WriteText(env.Stdout, in)
}

func billingInvoiceList(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	from := f.date("from", "first issue date")
	to := f.date("to", "last issue date")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	all, err := b.Invoices(ctx, from.d, to.d)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tISSUED\tDUE\tCONTRACTOR\tKIND\tPERIOD\tTOTAL\tPAID\tBALANCE\tNOTE")
	for _, in := range all {
		note := ""
		switch {
		case in.VoidedBy != "":
			note = "voided by " + in.VoidedBy
		case in.CreditOf != "":
			note = "voids " + in.CreditOf
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.Number, in.IssueDate, in.DueDate, in.ContractorID, in.Kind,
			in.Period, billing.FormatYen(in.Total), billing.FormatYen(in.Paid), billing.FormatYen(in.Balance()), note)
	}
	return tw.Flush()
}

func billingPay(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	amount := f.Int64("amount", 0, "amount received in yen")
	on := f.date("date", "date received (default today)")
	method := f.String("method", "", "e.g. 振込, cash")
	ref := f.String("reference", "", "bank reference or note")
	issuer := f.String("issuer", "", "issuer registration number, if several issuers share numbers")
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	if err := f.required("method", *method); err != nil {
		return err
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	if _, err := b.Pay(ctx, pos[0], *issuer, billing.Yen(*amount), on.orToday(), *method, *ref); err != nil {
		return err
	}
	in, err := b.InvoiceByNumber(ctx, pos[0], *issuer)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: paid %s of %s yen, balance %s yen\n", in.Number, billing.FormatYen(in.Paid), billing.FormatYen(in.Total), billing.FormatYen(in.Balance()))
	return nil
}

func billingReceivables(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	asOf := f.date("as-of", "ageing as of this date (default today)")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	recs, err := b.Receivables(ctx, asOf.orToday())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tCONTRACTOR\tRECIPIENT\tDUE\tTOTAL\tPAID\tBALANCE\tDAYS OVERDUE\tAGE")
	byAge := map[billing.Age]billing.Yen{}
	var sum billing.Yen
	for _, r := range recs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.Number, r.ContractorID, r.Recipient, r.DueDate,
			billing.FormatYen(r.Total), billing.FormatYen(r.Paid), billing.FormatYen(r.Balance), r.DaysOverdue, r.Age)
		byAge[r.Age] += r.Balance
		sum += r.Balance
	}
	tw.Flush()
	fmt.Fprintf(env.Stdout, "as of %s: %d open, %s yen", asOf.orToday(), len(recs), billing.FormatYen(sum))
	for a := billing.AgeNotDue; a <= billing.AgeOver90; a++ {
		fmt.Fprintf(env.Stdout, "; %s %s", a, billing.FormatYen(byAge[a]))
	}
	fmt.Fprintln(env.Stdout)
	return nil
}

func billingVoid(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	reason := f.String("reason", "", "why the invoice is voided (printed on the credit note)")
	on := f.date("date", "credit note date (default today)")
	issuer := f.String("issuer", "", "issuer registration number, if several issuers share numbers")
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	if err := f.required("reason", *reason); err != nil {
		return err
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	credit, err := b.Void(ctx, pos[0], *issuer, on.orToday(), *reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s voided by credit note %s (%s yen)\n", pos[0], credit.Number, billing.FormatYen(credit.Total))
	return nil
}

func billingExport(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	from := f.date("from", "first date (issue date of invoices, date of payments)")
	to := f.date("to", "last date")
	format := f.String("format", "csv", "csv")
	encoding := f.String("encoding", "utf-8", "utf-8 or sjis")
	out := f.String("out", "", "write to this file instead of standard output")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if *format != "csv" {
		return fmt.Errorf("%w: --format must be csv", errUsage)
	}
	enc, err := billing.ParseEncoding(*encoding)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	return writeTo(env.Stdout, *out, func(w io.Writer) error { return b.Export(ctx, w, from.d, to.d, enc) })
}

// writeTo writes to stdout, or to path via a temporary file renamed into
// place only when complete.
func writeTo(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" {
		return write(stdout)
	}
	tmp, err := os.CreateTemp(dirOf(path), ".dezura-billing-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i+1]
	}
	return "."
}

func billingMandateSet(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	var m billing.Mandate
	f.StringVar(&m.ContractorID, "contractor", "", "contractor ID")
	f.StringVar(&m.BankCode, "bank", "", "bank code, 4 digits")
	f.StringVar(&m.BankName, "bank-name", "", "bank name in kana (optional)")
	f.StringVar(&m.BranchCode, "branch", "", "branch code, 3 digits")
	f.StringVar(&m.BranchName, "branch-name", "", "branch name in kana (optional)")
	f.IntVar(&m.AccountType, "account-type", 1, "1 普通, 2 当座")
	f.StringVar(&m.AccountNumber, "account", "", "account number, up to 7 digits")
	f.StringVar(&m.Holder, "holder", "", "account holder in katakana as the bank has it (at most 30 half-width characters)")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	m, err = b.SetMandate(ctx, m)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "mandate for %s: bank %s branch %s account %d-%s holder %s\n", m.ContractorID, m.BankCode, m.BranchCode, m.AccountType, m.AccountNumber, m.Holder)
	return nil
}

func billingTransferFile(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	collectOn := f.date("collect-on", "collection date (引落日)")
	out := f.String("out", "", "request file to write")
	crlf := f.Bool("crlf", false, "end each 120-byte record with CR LF (if your bank wants it)")
	var c billing.Collector
	f.StringVar(&c.Code, "collector-code", os.Getenv("DEZURA_COLLECTOR_CODE"), "委託者コード from the bank")
	f.StringVar(&c.Name, "collector-name", os.Getenv("DEZURA_COLLECTOR_NAME"), "委託者名 in kana")
	f.StringVar(&c.BankCode, "collector-bank", os.Getenv("DEZURA_COLLECTOR_BANK"), "bank code of the collecting account")
	f.StringVar(&c.BranchCode, "collector-branch", os.Getenv("DEZURA_COLLECTOR_BRANCH"), "branch code of the collecting account")
	at := f.String("collector-account-type", envOr("DEZURA_COLLECTOR_ACCOUNT_TYPE", "1"), "1 普通, 2 当座")
	f.StringVar(&c.AccountNumber, "collector-account", os.Getenv("DEZURA_COLLECTOR_ACCOUNT"), "collecting account number")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if !collectOn.set {
		return fmt.Errorf("%w: transfer-file needs --collect-on DATE", errUsage)
	}
	if err := f.required("out", *out, "collector-code", c.Code, "collector-name", c.Name, "collector-bank", c.BankCode,
		"collector-branch", c.BranchCode, "collector-account", c.AccountNumber); err != nil {
		return err
	}
	var err error
	if c.AccountType, err = strconv.Atoi(*at); err != nil {
		return fmt.Errorf("%w: --collector-account-type %q", errUsage, *at)
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	tf, err := b.PrepareTransfers(ctx, collectOn.d, c)
	if err != nil {
		return err
	}
	data, err := billing.MarshalTransferFile(tf, *crlf)
	if err != nil {
		return err
	}
	if err := writeTo(env.Stdout, *out, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: %d transfers, %s yen, to collect on %s\n", *out, tf.Count, billing.FormatYen(tf.Amount), collectOn.d)
	return nil
}

func billingTransferResult(ctx context.Context, env cliEnv, name string, args []string) error {
	f := newBillingFlags(name, env)
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	b, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	outcomes, err := b.ApplyTransferResult(ctx, data)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CUSTOMER NUMBER\tINVOICE\tCONTRACTOR\tAMOUNT\tRESULT\tRECORDED")
	var collected, failed, already int
	for _, o := range outcomes {
		rec := "yes"
		switch {
		case o.InvoiceNumber == "":
			rec = "unknown customer number"
		case !o.Recorded:
			rec = "already read"
			already++
		case o.Result == billing.ResultCollected:
			collected++
			if o.RefundDue {
				rec = "yes — more than was owed: refund due (see receivables)"
			}
		default:
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%c %s (%s)\t%s\n", o.CustomerNumber, o.InvoiceNumber, o.ContractorID, billing.FormatYen(o.Amount),
			o.Result.Digit(), o.Result.Japanese(), o.Result, rec)
	}
	tw.Flush()
	fmt.Fprintf(env.Stdout, "%d collected and recorded as paid, %d failed (still owed), %d already read before\n", collected, failed, already)
	return nil
}
