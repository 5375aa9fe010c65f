package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
	"github.com/dezura/dezura/ledger/storetest"
)

// billingCLI runs "dezura billing ARGS" against db.
func billingCLI(t *testing.T, db string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(t.Context(), append([]string{"--db", db, "billing"}, args...), cliEnv{Stdout: &out, Stderr: &errb})
	return out.String() + errb.String(), err
}

func billingOK(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, err := billingCLI(t, db, args...)
	if err != nil {
		t.Fatalf("billing %v: %v\n%s", args, err, out)
	}
	return out
}

func wantIn(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestBillingCLI(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "dezura.db")
	t.Setenv("DEZURA_ISSUER_NAME", "株式会社デズラ")
	t.Setenv("DEZURA_ISSUER_REGISTRATION", "T7000012050002")

	addContractors(t, db, "C1", "C2", "C3")
	wantIn(t, billingOK(t, db, "plan", "list"), "campaign-2023", "15,000", "16,500", "2023-10-16")
	billingOK(t, db, "plan", "add", "--name", "spring", "--annual", "12,000", "--initial", "3,000円", "--from", "2024-01-01", "--until", "2024-03-31")
	wantIn(t, billingOK(t, db, "plan", "list"), "3,000", "12,000", "13,200") // typed as 12,000 and 3,000円
	wantIn(t, billingOK(t, db, "subscribe", "--contractor", "C1", "--plan", "campaign-2023", "--start", "2024-02-29", "--recipient", "山田建設株式会社"),
		"subscription 1", "renews every 02-29")
	billingOK(t, db, "subscribe", "--contractor", "C2", "--start", "2024-03-01")
	if _, err := billingCLI(t, db, "subscribe", "--contractor", "C3", "--plan", "spring", "--start", "2024-04-01"); !errors.Is(err, billing.ErrPlanNotAvailable) {
		t.Errorf("subscribe after the window: %v", err)
	}
	wantIn(t, billingOK(t, db, "list"), "C1", "山田建設株式会社", "2024-02-29")
	if _, err := billingCLI(t, db, "subscribe", "--contractor", "NOSUCH"); !errors.Is(err, billing.ErrUnknownContractor) ||
		!strings.Contains(err.Error(), "dezura contractor add") {
		t.Errorf("subscribe a contractor the ledger does not have: %v", err)
	}

	dry := billingOK(t, db, "run", "--as-of", "2025-02-28", "--dry-run")
	wantIn(t, dry, "(dry run)", "would issue (dry run, nothing written) 3 invoices", "total 49,500 yen")
	wantIn(t, billingOK(t, db, "run", "--as-of", "2025-02-28"), "2025-000001", "2025-000003", "issued 3 invoices, subtotal 45,000 yen, tax 4,500 yen, total 49,500 yen")
	wantIn(t, billingOK(t, db, "run", "--as-of", "2025-02-28"), "issued 0 invoices")
	if out := billingOK(t, db, "run", "--as-of", "2025-02-28"); strings.Contains(out, "NUMBER") {
		t.Errorf("a run that issued nothing prints a table header:\n%s", out)
	}
	if _, err := billingCLI(t, db, "run", "--as-of", "2999-01-01"); !errors.Is(err, billing.ErrFutureDate) || !strings.Contains(err.Error(), "dry run") {
		t.Errorf("run dated in the future: %v", err)
	}
	billingOK(t, db, "run", "--as-of", "2999-01-01", "--dry-run")
	if _, err := billingCLI(t, db, "run", "--issuer-registration", "T7000012050003"); !errors.Is(err, errUsage) {
		t.Errorf("bad registration: %v", err)
	}

	wantIn(t, billingOK(t, db, "invoice", "show", "2025-000001"), "登録番号    T7000012050002", "山田建設株式会社", "合計（税込） 16,500円")
	wantIn(t, billingOK(t, db, "invoice", "show", "2025-000001", "--format", "html"), `<html lang="ja">`, "size: A4")
	wantIn(t, billingOK(t, db, "pay", "2025-000001", "--amount", "10,000", "--date", "2025-03-10", "--method", "振込"), "balance 6,500 yen")
	wantIn(t, billingOK(t, db, "receivables", "--as-of", "2025-05-01"), "2025-000001", "6,500", "31-60", "3 invoices open, 39,500 yen")
	wantIn(t, billingOK(t, db, "void", "2025-000002", "--reason", "誤請求", "--date", "2025-03-15"), "credit note 2025-000004 (-16,500 yen)")
	wantIn(t, billingOK(t, db, "invoice", "list"), "voided by 2025-000004", "voids 2025-000002")
	wantIn(t, billingOK(t, db, "cancel", "--contractor", "C2", "--on", "2025-06-01"), "subscription 2 cancelled")
	if _, err := billingCLI(t, db, "cancel", "2"); !errors.Is(err, billing.ErrAlreadyCancelled) {
		t.Errorf("second cancel: %v", err)
	}
	if _, err := billingCLI(t, db, "cancel", "--contractor", "C2"); !errors.Is(err, billing.ErrUnknownSubscription) {
		t.Errorf("cancel without an active subscription: %v", err)
	}

	// Every list has --json, amounts in integer yen.
	if ps := decode[[]planJSON](t, billingOK(t, db, "plan", "list", "--json")); len(ps) != 2 || ps[0].AnnualWithTax != 16500 {
		t.Errorf("plan list --json = %+v", ps)
	}
	if ss := decode[[]subscriptionJSON](t, billingOK(t, db, "list", "--json")); len(ss) != 2 || ss[1].CancelledOn != "2025-06-01" {
		t.Errorf("list --json = %+v", ss)
	}
	if is := decode[[]invoiceJSON](t, billingOK(t, db, "invoice", "list", "--json")); len(is) != 4 || is[1].VoidedBy != "2025-000004" || is[3].Total != -16500 {
		t.Errorf("invoice list --json = %+v", is)
	}
	if in := decode[invoiceJSON](t, billingOK(t, db, "invoice", "show", "2025-000001", "--json")); in.Paid != 10000 || in.Balance != 6500 ||
		len(in.Lines) == 0 || len(in.Payments) != 1 || in.Payments[0].PaidOn != "2025-03-10" {
		t.Errorf("invoice show --json = %+v", in)
	}
	if rs := decode[receivablesJSON](t, billingOK(t, db, "receivables", "--as-of", "2025-05-01", "--json")); len(rs.Debts) != 2 ||
		rs.Debts[0].Balance != 6500 || rs.Debts[0].Age != "31-60" || rs.ByAge["31-60"] != 23000 || len(rs.Credits) != 0 {
		t.Errorf("receivables --json = %+v", rs)
	}

	csvPath := filepath.Join(dir, "export.csv")
	billingOK(t, db, "export", "--from", "2025-01-01", "--to", "2025-12-31", "--encoding", "sjis", "--out", csvPath)
	raw, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte{0x8e, 0x52, 0x93, 0x63}) { // 山田 in Shift_JIS
		t.Errorf("export is not Shift_JIS: %q", raw)
	}

	billingOK(t, db, "mandate", "set", "--contractor", "C1", "--bank", "0001", "--branch", "100", "--account", "1234567", "--holder", "ヤマダケンセツ（カ")
	if _, err := billingCLI(t, db, "mandate", "set", "--contractor", "C3", "--bank", "0001", "--branch", "100", "--account", "1", "--holder", "山田"); !errors.Is(err, billing.ErrInvalidMandate) {
		t.Errorf("kanji holder: %v", err)
	}
	reqPath := filepath.Join(dir, "request.txt")
	wantIn(t, billingOK(t, db, "transfer-file", "--collect-on", collectionDate(t).String(), "--out", reqPath, "--collector-code", "1234567890",
		"--collector-name", "デズラ", "--collector-bank", "0005", "--collector-branch", "001", "--collector-account", "7654321"), "2 transfers, 23,000 yen")
	req, err := os.ReadFile(reqPath)
	if err != nil || len(req) != 5*120 {
		t.Fatalf("request file %d bytes, %v", len(req), err)
	}
	tf, err := billing.ParseTransferFile(req)
	if err != nil {
		t.Fatal(err)
	}
	tf.Records[0].Result = billing.ResultCollected
	tf.Records[1].Result = billing.ResultInsufficientFunds
	result, err := billing.MarshalTransferFile(tf, true)
	if err != nil {
		t.Fatal(err)
	}
	resPath := filepath.Join(dir, "result.txt")
	if err := os.WriteFile(resPath, result, 0o600); err != nil {
		t.Fatal(err)
	}
	wantIn(t, billingOK(t, db, "transfer-result", resPath), "0 振替済 (collected)", "1 資金不足 (insufficient-funds)", "1 collected and recorded as paid, 1 failed (still owed)")
	wantIn(t, billingOK(t, db, "transfer-result", resPath), "already read", "0 collected and recorded as paid, 0 failed (still owed), 2 already read before")
	wantIn(t, billingOK(t, db, "invoice", "show", "2025-000001"), "残高         0円")

	for _, bad := range [][]string{{}, {"nope"}, {"invoice", "show"}, {"pay", "2025-000001", "--amount", "1"}, {"export", "--encoding", "latin1"}} {
		if _, err := billingCLI(t, db, bad...); !errors.Is(err, errUsage) {
			t.Errorf("billing %v: %v, want a usage error", bad, err)
		}
	}
}

// collectionDate is a collection date the bank rules accept today: a
// business day five business days ahead.
func collectionDate(t *testing.T) billing.Date {
	t.Helper()
	cal, err := billing.BankCalendar()
	if err != nil {
		t.Fatal(err)
	}
	d, err := cal.AddBusinessDays(billing.DateOf(time.Now()), 5)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBillingRunCounts: counts read naturally.
func TestBillingRunCounts(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "dezura.db")
	t.Setenv("DEZURA_ISSUER_NAME", "株式会社デズラ")
	t.Setenv("DEZURA_ISSUER_REGISTRATION", "T7000012050002")
	addContractors(t, db, "C1")
	billingOK(t, db, "subscribe", "--contractor", "C1", "--start", "2024-01-01")
	wantIn(t, billingOK(t, db, "run", "--as-of", "2024-01-01", "--dry-run"), "would issue (dry run, nothing written) 1 invoice, subtotal 15,000 yen")
	wantIn(t, billingOK(t, db, "run", "--as-of", "2024-01-01"), "issued 1 invoice, subtotal 15,000 yen, tax 1,500 yen, total 16,500 yen")
	wantIn(t, billingOK(t, db, "run", "--as-of", "2025-01-01"), "issued 1 invoice")
}

// TestPrintRunAfterAFailure: a run that failed before issuing anything
// prints only its error (before: "as of : issued 0 invoices"); one that
// failed midway shows what it did issue, as issued before the failure.
func TestPrintRunAfterAFailure(t *testing.T) {
	failure := errors.New("database went away")
	var out bytes.Buffer
	o := &output{Stdout: &out, Stderr: &out}
	if err := reportRun(o)(billing.RunResult{}, failure); err != failure || out.Len() != 0 {
		t.Errorf("nothing issued: err %v, printed %q", err, out.String())
	}
	one := billing.RunResult{AsOf: billing.NewDate(2025, 2, 28), Subtotal: 15000, Tax: 1500, Total: 16500,
		Invoices: []billing.Issued{{Number: "2025-000001", Subtotal: 15000, Tax: 1500, Total: 16500}}}
	if err := reportRun(o)(one, failure); err != failure {
		t.Errorf("one issued: err %v", err)
	}
	wantIn(t, out.String(), "2025-000001", "as of 2025-02-28: issued 1 invoice, subtotal 15,000 yen, tax 1,500 yen, total 16,500 yen before the run failed")
	out.Reset()
	if err := reportRun(o)(one, nil); err != nil || !strings.Contains(out.String(), "as of 2025-02-28: issued 1 invoice,") {
		t.Errorf("success: err %v, printed %q", err, out.String())
	}
}

// openBilling opens the ledger at db and billing on it, closed when the
// test ends.
func openBilling(t *testing.T, db string) *billing.Billing {
	t.Helper()
	st, err := ledger.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := billing.New(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBillingRunChargesPerAttendance: a plan with a per-attendance
// charge bills from the CLI, the dry run and the run alike, counting the
// ledger's technician-days (one per technician and day, a cancelled entry
// left out).
func TestBillingRunChargesPerAttendance(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, db string }{
		{"sqlite", "sqlite:" + filepath.Join(t.TempDir(), "dezura.db")},
		{"postgres", storetest.PostgresSchema(t, "cli_attendance")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ledger.Open(t.Context(), tt.db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.SeedDemo(t.Context()); err != nil {
				t.Fatal(err)
			}
			crew := ledger.DemoCrew()
			for i, in := range []struct{ tech, at string }{
				{ledger.DemoTechnicianID, "2024-01-10 08:00"}, {crew[0], "2024-01-10 08:00"},
				{ledger.DemoTechnicianID, "2024-01-11 08:00"}, {crew[1], "2024-01-12 08:00"}, // cancelled below
				{crew[2], "2024-02-01 08:00"}, // February: not yet billed
			} {
				at, _ := time.ParseInLocation("2006-01-02 15:04", in.at, ledger.Tokyo)
				res, err := st.RecordAttendance(t.Context(), ledger.AttendanceRequest{TechnicianID: in.tech, SiteCode: ledger.DemoSiteCode,
					Action: ledger.ActionCheckIn, At: at, IdempotencyKey: fmt.Sprint("k", i)})
				if err != nil {
					t.Fatal(err)
				}
				if in.tech == crew[1] {
					if _, err := st.CancelEntry(t.Context(), res.Entry.ID, "office", "not there", at); err != nil {
						t.Fatal(err)
					}
				}
			}
			billingOK(t, tt.db, "plan", "add", "--name", "metered", "--annual", "1000", "--per-attendance", "50", "--from", "2024-01-01")
			billingOK(t, tt.db, "subscribe", "--contractor", ledger.DemoContractorID, "--plan", "metered", "--start", "2024-01-01")
			// January: 3 technician-days at 50 yen, 150 + 15 tax.
			issuer := []string{"--issuer-name", "株式会社デズラ", "--issuer-registration", "T7000012050002"}
			wantIn(t, billingOK(t, tt.db, append([]string{"run", "--as-of", "2024-02-01", "--dry-run"}, issuer...)...),
				"attendance  2024-01-01 – 2024-01-31  150", "would issue (dry run, nothing written) 2 invoices")
			wantIn(t, billingOK(t, tt.db, append([]string{"run", "--as-of", "2024-02-01"}, issuer...)...),
				"attendance  2024-01-01 – 2024-01-31  150       15   165", "issued 2 invoices, subtotal 1,150 yen, tax 115 yen, total 1,265 yen")
		})
	}
}

// addContractors registers contractors with "dezura contractor add".
func addContractors(t *testing.T, db string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		var out bytes.Buffer
		if err := run(t.Context(), []string{"--db", db, "contractor", "add", "--id", id, "--name", id + " 建設"},
			cliEnv{Stdout: &out, Stderr: &out}); err != nil {
			t.Fatalf("contractor add %s: %v\n%s", id, err, out.String())
		}
	}
}
