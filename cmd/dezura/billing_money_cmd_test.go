package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dezura/dezura/ledger/billing"
)

// sinkSMTP starts the billing tests' SMTP server (ledger/billing/testdata/
// smtpsink.py on Debian's python3-aiosmtpd) and returns its URL and the
// directory its messages land in.
func sinkSMTP(t *testing.T) (string, string) {
	t.Helper()
	python := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import aiosmtpd").Run() == nil {
			python = path
			break
		}
	}
	if python == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no python3 with aiosmtpd: .ci/run must install python3-aiosmtpd")
		}
		t.Skip("no python3 with aiosmtpd (apt-get install python3-aiosmtpd)")
	}
	dir := t.TempDir()
	cmd := exec.Command(python, filepath.Join("..", "..", "ledger", "billing", "testdata", "smtpsink.py"), dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	var port int
	if _, err := fmt.Fscan(bufio.NewReader(stdout), &port); err != nil {
		t.Fatalf("smtp sink: %v", err)
	}
	return fmt.Sprintf("smtp://127.0.0.1:%d?tls=none", port), dir
}

// TestBillingCLIIssuerMailAndMoneyBack walks the new billing commands as
// an office would: store the issuer once, run without issuer flags, mail
// one invoice and print the other, take money back, and export for 弥生.
func TestBillingCLIIssuerMailAndMoneyBack(t *testing.T) {
	if _, err := billing.LoadFont(""); err != nil && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "dezura.db")
	addContractors(t, db, "C1", "C2")
	billingOK(t, db, "subscribe", "--contractor", "C1", "--start", "2026-04-01")
	billingOK(t, db, "subscribe", "--contractor", "C2", "--start", "2026-04-01")
	if _, err := billingCLI(t, db, "run", "--as-of", "2026-04-01"); !errors.Is(err, billing.ErrNoIssuer) {
		t.Errorf("run with no issuer stored: %v", err)
	}
	wantIn(t, billingOK(t, db, "issuer", "set", "--name", "株式会社デズラ", "--registration", "T7000012050002", "--address", "東京都千代田区1-1",
		"--phone", "03-1234-5678", "--email", "billing@dezura.example.jp", "--bank-name", "みずほ銀行", "--branch-name", "東京営業部",
		"--account-type", "1", "--account", "1234567", "--holder", "カ）デズラ"), "version 1", "みずほ銀行 東京営業部 普通 1234567")
	wantIn(t, billingOK(t, db, "issuer", "set", "--phone", "03-9999-0000"), "version 2", "株式会社デズラ", "03-9999-0000")
	wantIn(t, billingOK(t, db, "run", "--as-of", "2026-04-01"), "issued 2 invoices")
	wantIn(t, billingOK(t, db, "invoice", "show", "2026-000001"), "C1 建設 御中")
	if _, err := billingCLI(t, db, "run", "--as-of", "2026-03-31"); !errors.Is(err, billing.ErrBackdated) {
		t.Errorf("back-dated run: %v", err)
	}

	billingOK(t, db, "contact", "set", "--contractor", "C1", "--email", "keiri@c1.example.co.jp")
	wantIn(t, billingOK(t, db, "contact", "list"), "keiri@c1.example.co.jp")
	url, inbox := sinkSMTP(t)
	wantIn(t, billingOK(t, db, "mail", "send", "--smtp", url), "1 invoice queued; 1 mail sent")
	if mails, _ := filepath.Glob(filepath.Join(inbox, "*.eml")); len(mails) != 1 {
		t.Errorf("%d mails arrived, want 1", len(mails))
	}
	wantIn(t, billingOK(t, db, "mail", "list"), "2026-000001", "keiri@c1.example.co.jp", "sent")
	printed := filepath.Join(dir, "batch.pdf")
	wantIn(t, billingOK(t, db, "print", "--out", printed), "1 document on 1 page", "2026-000002")
	if data, err := os.ReadFile(printed); err != nil || !strings.HasPrefix(string(data), "%PDF-") {
		t.Errorf("print batch: %v", err)
	}
	pdf := filepath.Join(dir, "again.pdf")
	wantIn(t, billingOK(t, db, "invoice", "pdf", "2026-000002", "--out", pdf), "1 page")

	billingOK(t, db, "pay", "2026-000001", "--amount", "16,060", "--date", "2026-04-20", "--method", "振込")
	wantIn(t, billingOK(t, db, "write-off", "2026-000001", "--amount", "440", "--date", "2026-04-20", "--reason", "振込手数料差引"), "balance 0 yen")
	billingOK(t, db, "pay", "2026-000002", "--amount", "16,500円", "--date", "2026-04-20", "--method", "振込")
	wantIn(t, billingOK(t, db, "credit", "2026-000002", "--amount", "5,000", "--reason", "値引", "--date", "2026-04-25"), "credit note 2026-000003", "-5,500 yen")
	rec := billingOK(t, db, "receivables", "--as-of", "2026-04-30")
	wantIn(t, rec, "0 invoices open", "refunds due", "2026-000002", "-5,500", "refund due")
	wantIn(t, billingOK(t, db, "refund", "2026-000003", "--amount", "5,500", "--date", "2026-04-30", "--method", "振込"), "0 yen still owed back")
	if out := billingOK(t, db, "receivables", "--as-of", "2026-04-30"); strings.Contains(out, "refunds due") {
		t.Errorf("after the refund:\n%s", out)
	}
	yayoi := filepath.Join(dir, "yayoi.csv")
	billingOK(t, db, "export", "--format", "yayoi", "--from", "2026-04-01", "--to", "2026-04-30", "--out", yayoi)
	if data, _ := os.ReadFile(yayoi); strings.Count(string(data), "\r\n") != 7 {
		t.Errorf("弥生 journal:\n%s", data)
	}
	if _, err := billingCLI(t, db, "plan", "add", "--name", "x", "--annual", "1", "--tax-rate", "8", "--from", "2026-01-01"); !errors.Is(err, billing.ErrInvalidTaxRate) {
		t.Errorf("8 %% without --reduced-rate: %v", err)
	}
	billingOK(t, db, "plan", "add", "--name", "food", "--annual", "1", "--tax-rate", "8", "--reduced-rate", "--from", "2026-01-01")
}
