package main

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger/billing"
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

	dry := billingOK(t, db, "run", "--as-of", "2025-02-28", "--dry-run")
	wantIn(t, dry, "(dry run)", "would issue (dry run, nothing written) 3 invoices", "total 49,500 yen")
	wantIn(t, billingOK(t, db, "run", "--as-of", "2025-02-28"), "2025-000001", "2025-000003", "issued 3 invoices, subtotal 45,000 yen, tax 4,500 yen, total 49,500 yen")
	wantIn(t, billingOK(t, db, "run", "--as-of", "2025-02-28"), "issued 0 invoices")
	if out := billingOK(t, db, "run", "--as-of", "2025-02-28"); strings.Contains(out, "NUMBER") {
		t.Errorf("a run that issued nothing prints a table header:\n%s", out)
	}
	if _, err := billingCLI(t, db, "run", "--as-of", "2999-01-01"); !errors.Is(err, errUsage) {
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
	if rs := decode[[]receivableJSON](t, billingOK(t, db, "receivables", "--as-of", "2025-05-01", "--json")); len(rs) != 2 || rs[0].Balance != 6500 || rs[0].Age != "31-60" {
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
	wantIn(t, billingOK(t, db, "transfer-file", "--collect-on", "2025-04-10", "--out", reqPath, "--collector-code", "1234567890",
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

// TestBillingRunCounts: counts read naturally, and a run that fails before
// issuing anything says only why.
func TestBillingRunCounts(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "dezura.db")
	t.Setenv("DEZURA_ISSUER_NAME", "株式会社デズラ")
	t.Setenv("DEZURA_ISSUER_REGISTRATION", "T7000012050002")
	billingOK(t, db, "subscribe", "--contractor", "C1", "--start", "2024-01-01")
	wantIn(t, billingOK(t, db, "run", "--as-of", "2024-01-01", "--dry-run"), "would issue (dry run, nothing written) 1 invoice, subtotal 15,000 yen")
	wantIn(t, billingOK(t, db, "run", "--as-of", "2024-01-01"), "issued 1 invoice, subtotal 15,000 yen, tax 1,500 yen, total 16,500 yen")
	wantIn(t, billingOK(t, db, "run", "--as-of", "2025-01-01"), "issued 1 invoice")

	// A per-attendance plan: the run must count attendance. Whether or not
	// this CLI can, a failed run prints no empty summary ("as of : ...").
	billingOK(t, db, "plan", "add", "--name", "per-day", "--annual", "0", "--per-attendance", "50", "--from", "2024-01-01")
	billingOK(t, db, "subscribe", "--contractor", "C2", "--plan", "per-day", "--start", "2024-01-01")
	var out, errb bytes.Buffer
	code := runMain(t.Context(), []string{"--db", db, "billing", "run", "--as-of", "2024-03-01"}, cliEnv{Stdout: &out, Stderr: &errb})
	if code != 0 && (strings.Contains(out.String(), "as of :") || out.Len() > 0 && !strings.Contains(out.String(), "issued before the failure")) {
		t.Errorf("failed run (exit %d) printed:\n%s", code, out.String())
	}
}

func TestStartBilling(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "dezura.db")
	billingOK(t, db, "subscribe", "--contractor", "C1", "--start", "2024-01-01")
	iss := billing.Issuer{Name: "株式会社デズラ", Registration: "T7000012050002"}
	node, err := startBilling(t.Context(), db, "0 3 * * *", 50*time.Millisecond, iss, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// The only node is elected and its scheduler's start-up run issues
	// everything due up to today.
	for deadline := time.Now().Add(20 * time.Second); node.Stats().Runs == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no start-up run; leader %v", node.Leader())
		}
	}
	if !node.Leader() {
		t.Error("the only node does not lead")
	}
	if err := node.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if node.Leader() {
		t.Error("still leads after Stop")
	}
	if st := node.Stats(); st.Runs != 1 || st.Invoices < 2 {
		t.Errorf("stats after stop %+v, want one run and the invoices up to today", st)
	}
	wantIn(t, billingOK(t, db, "invoice", "list"), "2024-01-01 – 2024-12-31  16,500", "2025-01-01 – 2025-12-31  16,500")
	if _, err := startBilling(t.Context(), db, "never", 0, iss, nil, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("bad spec accepted")
	}
}
