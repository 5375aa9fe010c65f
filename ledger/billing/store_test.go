package billing

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

func TestMigrationsSeedCampaignAndAreIdempotent(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, url string) {
		ctx := context.Background()
		p, err := b.Plan(ctx, "campaign-2023")
		if err != nil {
			t.Fatal(err)
		}
		if p != CampaignPlan {
			t.Errorf("seeded plan %+v, want %+v", p, CampaignPlan)
		}
		b2 := openTest(t, url) // a second Open applies nothing twice
		plans, err := b2.Plans(ctx)
		if err != nil || len(plans) != 1 {
			t.Errorf("plans after reopen = %v, %v", plans, err)
		}
	})
}

// TestConcurrentOpen starts four processes' worth of Open on an empty
// database at once: migrations apply exactly once.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			url := be.url(t)
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Go(func() {
					db, err := ledger.Open(context.Background(), url)
					if err == nil {
						_, err = New(context.Background(), db)
						err = errors.Join(err, db.Close())
					}
					errs[i] = err
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("open %d: %v", i, err)
				}
			}
			b := openTest(t, url)
			var n int
			if err := b.db.QueryRow(`SELECT COUNT(*) FROM schema_versions WHERE migration_set = 'billing'`).Scan(&n); err != nil || n != SchemaVersion() {
				t.Errorf("%d migrations recorded, want %d (%v)", n, SchemaVersion(), err)
			}
		})
	}
}

// TestWalkThroughYears runs billing every day for four years, as the
// scheduler would, with the server down across one anniversary, and checks
// when each invoice was issued, its number and its amount to the yen.
func TestWalkThroughYears(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		sub := subscribe(t, b, "C-LEAP", "campaign-2023", "2024-02-29")
		type issued struct{ on, number, period string }
		var got []issued
		for day := d("2024-02-27"); day.Before(d("2028-03-02")); day = day.AddDays(1) {
			if day.Month != time.February && day.Month != time.March {
				continue // the daily walk of every day is TestSchedulerWalksYearsOnSQLite
			}
			if !day.Before(d("2026-02-20")) && day.Before(d("2026-03-05")) {
				continue // server down across the 2026-02-28 anniversary
			}
			res := run(t, b, day.String())
			for _, in := range res.Invoices {
				if in.Total != 16500 || in.Subtotal != 15000 || in.Tax != 1500 {
					t.Errorf("%s: %s amounts %d/%d/%d, want 15000/1500/16500", day, in.Number, in.Subtotal, in.Tax, in.Total)
				}
				if in.Subscription.ID != sub.ID {
					t.Errorf("invoice for subscription %d", in.Subscription.ID)
				}
				got = append(got, issued{day.String(), in.Number, in.Period.String()})
			}
		}
		want := []issued{
			{"2024-02-29", "2024-000001", "2024-02-29 – 2025-02-27"},
			{"2025-02-28", "2025-000001", "2025-02-28 – 2026-02-27"},
			{"2026-03-05", "2026-000001", "2026-02-28 – 2027-02-27"}, // caught up after downtime
			{"2027-02-28", "2027-000001", "2027-02-28 – 2028-02-28"},
			{"2028-02-29", "2028-000001", "2028-02-29 – 2029-02-27"},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("issued\n got %v\nwant %v", got, want)
		}
		in, err := b.InvoiceByNumber(context.Background(), "2026-000001", "")
		if err != nil {
			t.Fatal(err)
		}
		if in.IssueDate.String() != "2026-03-05" || in.DueDate.String() != "2026-04-04" || in.Total != 16500 ||
			len(in.Rates) != 1 || in.Rates[0] != (RateTotal{10, 15000, 1500}) || in.Recipient != "C-LEAP 御中" {
			t.Errorf("stored invoice %+v", in)
		}
	})
}

func TestCatchUpAfterLongDowntime(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		subscribe(t, b, "C1", "campaign-2023", "2023-10-16")
		subscribe(t, b, "C2", "campaign-2023", "2023-11-01")
		res := run(t, b, "2026-10-31")
		var numbers []string
		for _, in := range res.Invoices {
			numbers = append(numbers, in.Subscription.ContractorID+"@"+in.Period.Start.String()+"="+in.Number)
		}
		want := "[C1@2023-10-16=2026-000001 C2@2023-11-01=2026-000002 C1@2024-10-16=2026-000003 C2@2024-11-01=2026-000004 C1@2025-10-16=2026-000005 C2@2025-11-01=2026-000006 C1@2026-10-16=2026-000007]"
		if fmt.Sprint(numbers) != want {
			t.Errorf("got  %v\nwant %s", numbers, want)
		}
		if res.Total != 7*16500 || res.Tax != 7*1500 {
			t.Errorf("totals %d/%d", res.Total, res.Tax)
		}
		if again := run(t, b, "2026-10-31"); again.Count() != 0 {
			t.Errorf("re-run issued %d", again.Count())
		}
	})
}

func TestPlanWindowCloses(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		p := Plan{Name: "spring-2024", InitialFee: 5000, AnnualFee: 12000, TaxRate: 10, AvailableFrom: d("2024-01-01"), AvailableUntil: d("2024-03-31")}
		if err := b.AddPlan(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := b.AddPlan(ctx, p); !errors.Is(err, ErrPlanExists) {
			t.Errorf("second AddPlan = %v", err)
		}
		subscribe(t, b, "EARLY", "spring-2024", "2024-03-31")
		register(t, b, "LATE", "X")
		if _, err := b.Subscribe(ctx, "LATE", "", "spring-2024", d("2024-04-01")); !errors.Is(err, ErrPlanNotAvailable) {
			t.Errorf("subscribe after window = %v", err)
		}
		if _, err := b.Subscribe(ctx, "X", "", "nope", d("2024-04-01")); !errors.Is(err, ErrUnknownPlan) {
			t.Errorf("subscribe unknown plan = %v", err)
		}
		if _, err := b.Subscribe(ctx, "EARLY", "", "campaign-2023", d("2024-04-01")); !errors.Is(err, ErrAlreadySubscribed) {
			t.Errorf("second subscription = %v", err)
		}
		res := run(t, b, "2026-04-01")
		var totals []Yen
		for _, in := range res.Invoices {
			totals = append(totals, in.Total)
		}
		// First year: (5,000 + 12,000) × 1.1; renewals 12,000 × 1.1.
		if fmt.Sprint(totals) != "[18700 13200 13200]" {
			t.Errorf("totals %v", totals)
		}
	})
}

func TestCancel(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		s := subscribe(t, b, "C1", "campaign-2023", "2023-10-16")
		if n := run(t, b, "2023-10-16").Count(); n != 1 {
			t.Fatalf("first year: %d invoices", n)
		}
		if err := b.Cancel(ctx, s.ID, d("2024-10-16")); err != nil {
			t.Fatal(err)
		}
		if err := b.Cancel(ctx, s.ID, d("2024-10-16")); !errors.Is(err, ErrAlreadyCancelled) {
			t.Errorf("second cancel = %v", err)
		}
		if err := b.Cancel(ctx, 9999, d("2024-10-16")); !errors.Is(err, ErrUnknownSubscription) {
			t.Errorf("cancel unknown = %v", err)
		}
		if n := run(t, b, "2027-01-01").Count(); n != 0 {
			t.Errorf("after cancel: %d invoices", n)
		}
		subs, err := b.Subscriptions(ctx, "C1")
		if err != nil || len(subs) != 1 || subs[0].CancelledOn.String() != "2024-10-16" {
			t.Errorf("subscriptions = %+v, %v", subs, err)
		}
		// Cancelled contractors may subscribe again.
		subscribe(t, b, "C1", "campaign-2023", "2025-01-01")
	})
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		subscribe(t, b, "C1", "campaign-2023", "2023-10-16")
		res, err := b.Run(ctx, RunOptions{AsOf: d("2024-10-16"), DryRun: true, Issuer: testIssuer})
		if err != nil {
			t.Fatal(err)
		}
		if res.Count() != 2 || res.Total != 33000 || res.Invoices[0].Number != "" {
			t.Errorf("dry run = %+v", res)
		}
		if all, err := b.Invoices(ctx, Date{}, Date{}); err != nil || len(all) != 0 {
			t.Errorf("after dry run: %d invoices, %v", len(all), err)
		}
		if real := run(t, b, "2024-10-16"); real.Count() != 2 || real.Invoices[0].Number != "2024-000001" {
			t.Errorf("real run after dry run = %+v", real.Invoices)
		}
	})
}

// TestCrashHalfWay aborts a run after its invoices are inserted and before
// it commits: neither the invoices nor their numbers may survive.
func TestCrashHalfWay(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		subscribe(t, b, "C1", "campaign-2023", "2023-10-16")
		crash := errors.New("power cut")
		b.testHookAfterInsert = func() error { return crash }
		if _, err := b.Run(ctx, RunOptions{AsOf: d("2024-01-01"), Issuer: testIssuer}); !errors.Is(err, crash) {
			t.Fatalf("run = %v", err)
		}
		b.testHookAfterInsert = nil
		res := run(t, b, "2024-01-01")
		if res.Count() != 1 || res.Invoices[0].Number != "2024-000001" {
			t.Errorf("after crash: %+v", res.Invoices)
		}
	})
}

// TestConcurrentRunners starts four runs at once on separate connections
// pools (as four nodes would): each invoice must be issued exactly once with
// numbers 1..n and no gaps.
func TestConcurrentRunners(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, url string) {
		const subs = 40
		for i := range subs {
			subscribe(t, b, fmt.Sprintf("C%03d", i), "campaign-2023", "2024-01-01")
		}
		nodes := make([]*Billing, 4)
		for i := range nodes {
			nodes[i] = openTest(t, url)
		}
		var wg sync.WaitGroup
		results := make([]RunResult, len(nodes))
		errs := make([]error, len(nodes))
		for i, n := range nodes {
			wg.Go(func() {
				results[i], errs[i] = n.Run(context.Background(), RunOptions{AsOf: d("2025-01-01"), Issuer: testIssuer})
			})
		}
		wg.Wait()
		var numbers []string
		for i := range nodes {
			if errs[i] != nil {
				t.Fatalf("node %d: %v", i, errs[i])
			}
			for _, in := range results[i].Invoices {
				numbers = append(numbers, in.Number)
			}
		}
		sort.Strings(numbers)
		if len(numbers) != 2*subs {
			t.Fatalf("issued %d invoices, want %d", len(numbers), 2*subs)
		}
		for i := range subs {
			// Every invoice of this run carries the issue year 2025.
			if want := FormatNumber(2025, int64(i+1)); numbers[i] != want {
				t.Fatalf("number %d = %s, want %s", i, numbers[i], want)
			}
		}
	})
}

func TestPaymentsReceivablesAndVoid(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		subscribe(t, b, "C1", "campaign-2023", "2023-10-16")
		subscribe(t, b, "C2", "campaign-2023", "2023-10-20")
		run(t, b, "2023-10-20") // 2023-000001 (C1), 2023-000002 (C2), both issued 10-20, due 11-19
		if _, err := b.Pay(ctx, "2023-000001", "", 10000, d("2023-11-01"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Pay(ctx, "2023-000001", "", 7000, d("2023-11-02"), "振込", ""); !errors.Is(err, ErrInvalidPayment) {
			t.Errorf("overpayment = %v", err)
		}
		if _, err := b.Pay(ctx, "2023-000001", "", 0, d("2023-11-02"), "振込", ""); !errors.Is(err, ErrInvalidPayment) {
			t.Errorf("zero payment = %v", err)
		}
		if _, err := b.Pay(ctx, "2099-000001", "", 1, d("2023-11-02"), "振込", ""); !errors.Is(err, ErrUnknownInvoice) {
			t.Errorf("unknown invoice = %v", err)
		}
		rec, err := b.Receivables(ctx, d("2024-01-01"))
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, r := range rec {
			got += fmt.Sprintf("%s:%d:%d:%s ", r.Number, r.Balance, r.DaysOverdue, r.Age)
		}
		if want := "2023-000001:6500:43:31-60 2023-000002:16500:43:31-60 "; got != want {
			t.Errorf("receivables %q, want %q", got, want)
		}
		if _, err := b.Pay(ctx, "2023-000001", "", 6500, d("2024-01-05"), "振込", ""); err != nil {
			t.Fatal(err)
		}
		credit, err := b.Void(ctx, "2023-000002", "", d("2024-01-10"), "二重契約のため")
		if err != nil {
			t.Fatal(err)
		}
		if credit.Number != "2024-000001" || credit.Kind != KindCredit || credit.Total != -16500 || credit.Tax != -1500 ||
			credit.CreditOf != "2023-000002" || credit.Note != "二重契約のため" {
			t.Errorf("credit note %+v", credit)
		}
		if _, err := b.Void(ctx, "2023-000002", "", d("2024-01-10"), "again"); !errors.Is(err, ErrAlreadyVoided) {
			t.Errorf("second void = %v", err)
		}
		if _, err := b.Void(ctx, "2024-000001", "", d("2024-01-10"), "x"); !errors.Is(err, ErrNotVoidable) {
			t.Errorf("void credit note = %v", err)
		}
		if _, err := b.Pay(ctx, "2023-000002", "", 100, d("2024-01-11"), "振込", ""); !errors.Is(err, ErrInvalidPayment) {
			t.Errorf("pay voided = %v", err)
		}
		orig, _ := b.InvoiceByNumber(ctx, "2023-000002", "")
		if orig.VoidedBy != "2024-000001" || orig.Balance() != 0 {
			t.Errorf("voided invoice %+v", orig)
		}
		if rec, _ := b.Receivables(ctx, d("2024-02-01")); len(rec) != 0 {
			t.Errorf("receivables after payment and void: %+v", rec)
		}
		// The voided period is not billed again; the next renewal is.
		res := run(t, b, "2024-10-20")
		if res.Count() != 2 || res.Invoices[0].Number != "2024-000002" {
			t.Errorf("renewals after void: %+v", res.Invoices)
		}
	})
}

// attendanceMap answers from a table and counts the questions asked.
type attendanceMap struct {
	days  map[string]int // "contractor/YYYY-MM-DD" of the month's start -> days
	mu    sync.Mutex
	asked int
}

func (m *attendanceMap) TechnicianDays(_ context.Context, contractor string, from, to time.Time) (int, error) {
	if !to.After(from) {
		return 0, fmt.Errorf("empty span")
	}
	m.mu.Lock()
	m.asked++
	m.mu.Unlock()
	return m.days[contractor+"/"+DateOf(from).String()], nil
}

func TestPerAttendanceMonthlyInArrears(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		if err := b.AddPlan(ctx, Plan{Name: "metered", AnnualFee: 1000, PerAttendance: 50, TaxRate: 10, AvailableFrom: d("2024-01-01")}); err != nil {
			t.Fatal(err)
		}
		subscribe(t, b, "M1", "metered", "2024-01-15")
		counts := &attendanceMap{days: map[string]int{"M1/2024-01-15": 10, "M1/2024-02-01": 0, "M1/2024-03-01": 33}}
		// Without a counter of its own a run asks the ledger, which has no
		// entries of M1 in January: the annual fee only.
		if res, err := b.Run(ctx, RunOptions{AsOf: d("2024-02-01"), Issuer: testIssuer, DryRun: true}); err != nil ||
			res.Count() != 1 || res.Invoices[0].Kind != KindAnnual {
			t.Errorf("dry run with the ledger's counter = %+v, %v", res.Invoices, err)
		}
		res, err := b.Run(ctx, RunOptions{AsOf: d("2024-04-01"), Issuer: testIssuer, Attendance: counts})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, in := range res.Invoices {
			got += fmt.Sprintf("%s %s %d|", in.Kind, in.Period, in.Total)
		}
		want := "annual 2024-01-15 – 2025-01-14 1100|attendance 2024-01-15 – 2024-01-31 550|attendance 2024-03-01 – 2024-03-31 1815|"
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		// The next run asks only about the month that closed since; the
		// empty February is remembered, not asked again.
		counts.asked = 0
		res, err = b.Run(ctx, RunOptions{AsOf: d("2024-05-01"), Issuer: testIssuer, Attendance: counts})
		if err != nil || res.Count() != 0 || counts.asked != 1 {
			t.Errorf("next run: %d invoices, %d questions, %v", res.Count(), counts.asked, err)
		}
	})
}

// TestSubscribeNeedsAnEnabledContractor: billing refuses, with a message
// that says what to do, a subscription or mandate of a contractor the
// ledger does not have, and a subscription of a disabled one; the
// database's foreign key refuses what gets past.
func TestSubscribeNeedsAnEnabledContractor(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, url string) {
		ctx := context.Background()
		_, err := b.Subscribe(ctx, "NOSUCH", "", "campaign-2023", d("2024-04-01"))
		if !errors.Is(err, ErrUnknownContractor) || err.Error() != "contractor NOSUCH is not registered (add it first with: dezura contractor add --id NOSUCH --name NAME)" {
			t.Errorf("unknown contractor: %v", err)
		}
		m := Mandate{ContractorID: "NOSUCH", BankCode: "0001", BranchCode: "100", AccountType: 1, AccountNumber: "1", Holder: "ア"}
		if _, err := b.SetMandate(ctx, m); !errors.Is(err, ErrUnknownContractor) {
			t.Errorf("mandate of an unknown contractor: %v", err)
		}
		register(t, b, "OFF")
		if err := ledgerOf(t, b).DisableContractor(ctx, "OFF"); err != nil {
			t.Fatal(err)
		}
		_, err = b.Subscribe(ctx, "OFF", "", "campaign-2023", d("2024-04-01"))
		if !errors.Is(err, ErrContractorDisabled) || !strings.Contains(err.Error(), "contractor OFF is disabled") {
			t.Errorf("disabled contractor: %v", err)
		}
		m.ContractorID = "OFF" // a disabled contractor may still pay by transfer
		if _, err := b.SetMandate(ctx, m); err != nil {
			t.Errorf("mandate of a disabled contractor: %v", err)
		}
		if subs, err := b.Subscriptions(ctx, ""); err != nil || len(subs) != 0 {
			t.Errorf("subscriptions %+v, %v; want none", subs, err)
		}
		if _, err := b.db.ExecContext(ctx, b.q(`INSERT INTO billing_mandates (contractor_id, bank_code, bank_name, branch_code,
			branch_name, account_type, account_number, holder, updated_at) VALUES ('NOSUCH', '0001', '', '100', '', 1, '1', 'ア', 'now')`)); err == nil {
			t.Error("the database took a mandate of an unknown contractor: no foreign key")
		}
	})
}
