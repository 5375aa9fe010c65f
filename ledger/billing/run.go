package billing

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dezura/dezura/ledger"
)

// AttendanceCounter counts the technician-days (人日) recorded for a
// contractor's technicians from from (inclusive) to to (exclusive), both
// midnights in Asia/Tokyo. The ledger's DB satisfies it with one query
// (ledger.Reports.TechnicianDays); tests may pass another.
type AttendanceCounter interface {
	TechnicianDays(ctx context.Context, contractorID string, from, to time.Time) (int, error)
}

// Issuer is who issues the invoices: the qualified invoice issuer
// (適格請求書発行事業者).
type Issuer struct {
	Name         string
	Registration string // T + 13 digits
	PaymentDays  int    // the due date is the issue date plus this; 0 means 30
}

// Validate checks the issuer's name and registration number.
func (i Issuer) Validate() error {
	if i.Name == "" {
		return fmt.Errorf("%w: name is required", ErrInvalidIssuer)
	}
	if err := ValidateRegistration(i.Registration); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidIssuer, err)
	}
	if i.PaymentDays < 0 {
		return fmt.Errorf("%w: negative payment days", ErrInvalidIssuer)
	}
	return nil
}

func (i Issuer) dueDate(issued Date) Date {
	days := i.PaymentDays
	if days == 0 {
		days = 30
	}
	return issued.AddDays(days)
}

// RunOptions says what a run does.
type RunOptions struct {
	AsOf   Date // issue everything due on or before this date; it is also the issue date
	DryRun bool // compute and report, write nothing, take no lock
	// Issuer is normally left zero: the stored settings (SetIssuer) issue
	// the invoices. If given, it must name the stored issuer; with none
	// stored yet, it becomes the stored settings.
	Issuer Issuer
	// Attendance counts technician-days for plans that charge per
	// attendance; nil: the ledger's count (ledger.DB.TechnicianDays).
	Attendance AttendanceCounter
	// Today, when given, is the day the run is made: a run (not a dry
	// run) as of a later date is refused (ErrFutureDate), as its invoices
	// would be dated in the future. The CLI and the console give it; the
	// scheduler runs as of today.
	Today Date
}

// Issued is one invoice a run issued (or, in a dry run, would issue).
type Issued struct {
	Charge
	Number               string // "" in a dry run
	Subtotal, Tax, Total Yen
}

// RunResult reports a run.
type RunResult struct {
	AsOf                 Date
	DryRun               bool
	Invoices             []Issued
	Subtotal, Tax, Total Yen
}

// Count is the number of invoices issued.
func (r RunResult) Count() int { return len(r.Invoices) }

// runBatch is how many invoices one transaction issues. A crash loses at
// most an uncommitted batch, which the next run issues again.
const runBatch = 500

// Run issues every invoice due on or before opts.AsOf that has not been
// issued yet: first years and renewals of every subscription, and the
// per-attendance charges of closed months. It is idempotent: each charge has
// a unique key (subscription, kind, period start), runs are serialised by a
// lock, and a run after downtime catches up on everything missed. Invoice
// numbers are allocated in the same transaction as the invoices, so there
// are no gaps.
func (b *Billing) Run(ctx context.Context, opts RunOptions) (RunResult, error) {
	res := RunResult{AsOf: opts.AsOf, DryRun: opts.DryRun}
	if opts.AsOf.IsZero() {
		return res, fmt.Errorf("%w: run needs an as-of date", ErrInvalidDate)
	}
	if !opts.DryRun && !opts.Today.IsZero() && opts.AsOf.After(opts.Today) {
		return res, adviseDate(ledger.NewError(ErrFutureDate, "as of %s is after today (%s): invoices would be dated in the future; preview with a dry run",
			opts.AsOf, opts.Today), Date{}, opts.Today)
	}
	var iss IssuerSettings
	if !opts.DryRun {
		var err error
		if iss, err = b.runIssuer(ctx, opts.Issuer); err != nil {
			return res, err
		}
		release, err := b.lockRun(ctx)
		if err != nil {
			return res, err
		}
		defer release()
		if err := b.checkAfterNewest(ctx, b.db, opts.AsOf); err != nil {
			return res, fmt.Errorf("run as of %s: %w", opts.AsOf, err)
		}
	}
	charges, empty, err := b.dueCharges(ctx, opts)
	if err != nil {
		return res, err
	}
	res.Invoices = make([]Issued, len(charges))
	for i, c := range charges {
		sub, tax, total := Totals(TaxByRate(c.Lines))
		res.Invoices[i] = Issued{Charge: c, Subtotal: sub, Tax: tax, Total: total}
		res.Subtotal += sub
		res.Tax += tax
		res.Total += total
	}
	if opts.DryRun {
		return res, nil
	}
	for start := 0; start < len(res.Invoices); start += runBatch {
		end := min(start+runBatch, len(res.Invoices))
		if err := b.issueBatch(ctx, iss, opts.AsOf, res.Invoices[start:end]); err != nil {
			// Report what did commit, so the caller can log it.
			done := res.Invoices[:start]
			res.Invoices, res.Subtotal, res.Tax, res.Total = done, 0, 0, 0
			for _, in := range done {
				res.Subtotal += in.Subtotal
				res.Tax += in.Tax
				res.Total += in.Total
			}
			return res, err
		}
	}
	if err := b.recordEmptyMonths(ctx, empty); err != nil {
		return res, err
	}
	return res, b.analyzeAfter(ctx, len(res.Invoices))
}

// analyzeThreshold is how many invoices a run issues before it refreshes
// PostgreSQL's statistics of the invoice tables.
const analyzeThreshold = 10000

// analyzeAfter refreshes PostgreSQL's statistics after a run that issued
// many invoices. Until autovacuum gets to it, the planner still believes
// the tables small: it then thinks a lookup by number returns hundreds
// of rows and JIT-compiles the query, 0.3 s for one invoice (measured
// after the 255,752-renewal run: 174 ms a document, 0.5 ms once analysed).
// SQLite plans from its indexes alone.
func (b *Billing) analyzeAfter(ctx context.Context, issued int) error {
	if issued < analyzeThreshold || b.h.Dialect().Name != "postgres" {
		return nil
	}
	if _, err := b.db.ExecContext(ctx, `ANALYZE billing_invoices, billing_invoice_lines`); err != nil {
		return fmt.Errorf("billing: refresh statistics after the run: %w", err)
	}
	return nil
}

// recordEmptyMonths notes closed months that had no technician-days.
func (b *Billing) recordEmptyMonths(ctx context.Context, empty []Key) error {
	now := b.stamp()
	for start := 0; start < len(empty); start += runBatch {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO billing_attendance_months (subscription_id, period_start, days, checked_at) VALUES `)
		var args []any
		for i, k := range empty[start:min(start+runBatch, len(empty))] {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString("(?, ?, 0, ?)")
			args = append(args, k.SubscriptionID, k.PeriodStart.String(), now)
		}
		sb.WriteString(` ON CONFLICT DO NOTHING`)
		if _, err := b.db.ExecContext(ctx, b.q(sb.String()), args...); err != nil {
			return fmt.Errorf("billing: record months without attendance: %w", err)
		}
	}
	return nil
}

// dueCharges lists the charges due by opts.AsOf that have no invoice yet, in
// the order they are numbered: by due date, then subscription; and the
// closed months that turned out to have no technician-days.
func (b *Billing) dueCharges(ctx context.Context, opts RunOptions) ([]Charge, []Key, error) {
	plans, err := b.Plans(ctx)
	if err != nil {
		return nil, nil, err
	}
	byName := make(map[string]Plan, len(plans))
	for _, p := range plans {
		byName[p.Name] = p
	}
	subs, err := b.querySubscriptions(ctx, b.q(`SELECT `+subscriptionColumns+` FROM billing_subscriptions WHERE start_on <= ? ORDER BY id`), opts.AsOf.String())
	if err != nil {
		return nil, nil, err
	}
	issued, err := b.issuedKeys(ctx)
	if err != nil {
		return nil, nil, err
	}
	attendance := opts.Attendance
	if attendance == nil {
		attendance = b.attendance
	}
	var out []Charge
	var empty []Key
	for _, s := range subs {
		p, ok := byName[s.Plan]
		if !ok {
			return nil, nil, fmt.Errorf("%w: %q of subscription %d", ErrUnknownPlan, s.Plan, s.ID)
		}
		for _, c := range AnnualDue(s, p, opts.AsOf) {
			if _, done := issued[c.Key()]; !done {
				out = append(out, c)
			}
		}
		for _, month := range ClosedMonths(s, p, opts.AsOf) {
			if _, done := issued[Key{s.ID, KindAttendance, month.Start}]; done {
				continue
			}
			days, err := attendance.TechnicianDays(ctx, s.ContractorID, month.Start.Time(), month.End.Time())
			if err != nil {
				return nil, nil, fmt.Errorf("billing: count attendance of %s for %s: %w", s.ContractorID, month, err)
			}
			if c, ok := AttendanceCharge(s, p, month, days); ok {
				out = append(out, c)
			} else {
				empty = append(empty, Key{s.ID, KindAttendance, month.Start})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if c := out[i].IssueOn.Compare(out[j].IssueOn); c != 0 {
			return c < 0
		}
		return out[i].Subscription.ID < out[j].Subscription.ID
	})
	return out, empty, nil
}

func (b *Billing) issuedKeys(ctx context.Context) (map[Key]struct{}, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT subscription_id, kind, period_start FROM billing_invoices WHERE credit_of = 0`)
	if err != nil {
		return nil, fmt.Errorf("billing: issued invoices: %w", err)
	}
	defer rows.Close()
	out := map[Key]struct{}{}
	for rows.Next() {
		var k Key
		var kind, start string
		if err := rows.Scan(&k.SubscriptionID, &kind, &start); err != nil {
			return nil, fmt.Errorf("billing: issued invoices: %w", err)
		}
		if k.Kind, err = ParseKind(kind); err != nil {
			return nil, err
		}
		if k.PeriodStart, err = ParseDate(start); err != nil {
			return nil, err
		}
		out[k] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: issued invoices: %w", err)
	}
	rows.Close()
	rows, err = b.db.QueryContext(ctx, `SELECT subscription_id, period_start FROM billing_attendance_months`)
	if err != nil {
		return nil, fmt.Errorf("billing: months without attendance: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		k := Key{Kind: KindAttendance}
		var start string
		if err := rows.Scan(&k.SubscriptionID, &start); err != nil {
			return nil, fmt.Errorf("billing: months without attendance: %w", err)
		}
		if k.PeriodStart, err = ParseDate(start); err != nil {
			return nil, err
		}
		out[k] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: months without attendance: %w", err)
	}
	return out, nil
}

// issueBatch issues invoices in one transaction and sets their numbers.
func (b *Billing) issueBatch(ctx context.Context, issuer IssuerSettings, issueDate Date, batch []Issued) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("billing: issue invoices: %w", err)
	}
	defer tx.Rollback()
	drafts := make([]draft, len(batch))
	for i, in := range batch {
		drafts[i] = draft{
			SubscriptionID: in.Subscription.ID, ContractorID: in.Subscription.ContractorID, Recipient: in.Subscription.Recipient,
			Kind: in.Kind, Period: in.Period, IssueDate: issueDate, DueDate: issuer.issuer().dueDate(issueDate), Lines: in.Lines,
			Subtotal: in.Subtotal, Tax: in.Tax, Total: in.Total,
		}
	}
	numbers, err := b.insertInvoices(ctx, tx, issuer, issueDate.Year, drafts)
	if err != nil {
		return err
	}
	var sub, tax, total Yen
	for _, in := range batch {
		sub, tax, total = sub+in.Subtotal, tax+in.Tax, total+in.Total
	}
	if err := b.audit(ctx, tx, "run", "billing-run:"+issueDate.String(), nil, map[string]any{"as_of": issueDate.String(),
		"invoices": len(numbers), "first": numbers[0], "last": numbers[len(numbers)-1],
		"subtotal": int64(sub), "tax": int64(tax), "total": int64(total)}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("billing: issue invoices: %w", err)
	}
	for i := range batch {
		batch[i].Number = numbers[i]
	}
	return nil
}

// Summary says in one line what a run did, as the CLI and the console
// show it: "as of 2025-02-28: issued 1 invoice, subtotal 15,000 yen, ...".
// err is the run's error: a run that failed before issuing anything has
// nothing to add to its error ("" ), one that failed half-way says what
// it issued before.
func (r RunResult) Summary(err error) string {
	if err != nil && r.Count() == 0 {
		return ""
	}
	verb := "issued"
	if r.DryRun {
		verb = "would issue (dry run, nothing written)"
	}
	s := fmt.Sprintf("as of %s: %s %s, subtotal %s yen, tax %s yen, total %s yen", r.AsOf, verb, invoices(r.Count()),
		FormatYen(r.Subtotal), FormatYen(r.Tax), FormatYen(r.Total))
	if err != nil {
		s += " before the run failed; the next run issues the rest"
	}
	return s
}

// invoices says how many invoices: "1 invoice", "2 invoices".
func invoices(n int) string {
	if n == 1 {
		return "1 invoice"
	}
	return fmt.Sprintf("%d invoices", n)
}
