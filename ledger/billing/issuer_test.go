package billing

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/dezura/dezura/ledger"
)

// testSettings are complete issuer settings.
var testSettings = IssuerSettings{
	Name: "株式会社デズラ", Registration: "T7000012050002", Postcode: "100-0001", Address: "東京都千代田区千代田1-1",
	Phone: "03-1234-5678", Email: "billing@dezura.example.jp",
	Bank: PayeeAccount{BankName: "みずほ銀行", BranchName: "東京営業部", AccountType: 1, AccountNumber: "1234567", Holder: "カ）デズラ"},
}

// TestRunNeedsNoIssuerFlags: stored once, the settings issue every run;
// a change of registration details keeps one sequence, so a number
// names one invoice; a run given another issuer is refused.
func TestRunNeedsNoIssuerFlags(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		subscribe(t, b, "C1", "campaign-2023", "2026-01-05")
		subscribe(t, b, "C2", "campaign-2023", "2026-02-02")
		if _, err := b.Run(ctx, RunOptions{AsOf: d("2026-01-05")}); !errors.Is(err, ErrNoIssuer) || !strings.Contains(err.Error(), "dezura billing issuer set") {
			t.Errorf("run with nothing stored: %v", err)
		}
		first, err := b.SetIssuer(ctx, testSettings)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := b.SetIssuer(ctx, testSettings); err != nil || again.Version != first.Version {
			t.Errorf("storing the same settings again made version %d (was %d), %v", again.Version, first.Version, err)
		}
		if res, err := b.Run(ctx, RunOptions{AsOf: d("2026-01-05")}); err != nil || res.Invoices[0].Number != "2026-000001" {
			t.Fatalf("run without issuer flags: %+v, %v", res.Invoices, err)
		}
		moved := testSettings
		moved.Registration, moved.Address = "T6000012050003", "大阪府大阪市北区1-1"
		second, err := b.SetIssuer(ctx, moved)
		if err != nil || second.Version == first.Version {
			t.Fatalf("new registration: %+v, %v", second, err)
		}
		other := Issuer{Name: "株式会社デズラ", Registration: "T7000012050002"}
		if _, err := b.Run(ctx, RunOptions{AsOf: d("2026-02-02"), Issuer: other}); !errors.Is(err, ErrIssuerMismatch) {
			t.Errorf("a run given another registration number: %v", err)
		}
		res, err := b.Run(ctx, RunOptions{AsOf: d("2026-02-02")})
		if err != nil || res.Invoices[0].Number != "2026-000002" {
			t.Fatalf("after the change: %+v, %v (want the sequence to go on)", res.Invoices, err)
		}
		for number, want := range map[string]Invoice{
			"2026-000001": {IssuerRegistration: "T7000012050002", IssuerVersion: first.Version},
			"2026-000002": {IssuerRegistration: "T6000012050003", IssuerVersion: second.Version},
		} {
			in, err := b.InvoiceByNumber(ctx, number, "")
			if err != nil || in.IssuerRegistration != want.IssuerRegistration || in.IssuerVersion != want.IssuerVersion {
				t.Errorf("%s: %+v, %v", number, in, err)
			}
		}
	})
}

// TestIssuerSettingsAreChecked: what a clerk could get wrong is refused
// with what to fix.
func TestIssuerSettingsAreChecked(t *testing.T) {
	t.Parallel()
	var seal bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	if err := png.Encode(&seal, img); err != nil {
		t.Fatal(err)
	}
	good := testSettings
	good.SealPNG = seal.Bytes()
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		change func(*IssuerSettings)
		want   error
		says   string
	}{
		{func(s *IssuerSettings) { s.Name = " " }, ErrInvalidIssuer, "name"},
		{func(s *IssuerSettings) { s.Registration = "T7000012050003" }, ErrInvalidRegistration, "check digit"},
		{func(s *IssuerSettings) { s.Email = "billing at dezura" }, ErrInvalidEmail, "billing@example.co.jp"},
		{func(s *IssuerSettings) { s.Phone = "03-1234-567８" }, ErrInvalidIssuer, "phone"},
		{func(s *IssuerSettings) { s.Bank.AccountType = 3 }, ErrInvalidIssuer, "普通"},
		{func(s *IssuerSettings) { s.Bank.AccountNumber = "12345678" }, ErrInvalidIssuer, "1 to 7 digits"},
		{func(s *IssuerSettings) { s.Bank.Holder = "" }, ErrInvalidIssuer, "holder"},
		{func(s *IssuerSettings) { s.SealPNG = []byte("GIF89a") }, ErrInvalidSeal, "PNG"},
		{func(s *IssuerSettings) { s.PaymentDays = 400 }, ErrInvalidIssuer, "payment days"},
	} {
		s := good
		tt.change(&s)
		if err := s.Validate(); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%+v: %v, want %v saying %q", s, err, tt.want, tt.says)
		}
	}
	b := openTest(t, backends[0].url(t))
	stored, err := b.SetIssuer(context.Background(), good)
	if err != nil {
		t.Fatal(err)
	}
	back, err := b.CurrentIssuer(context.Background())
	if err != nil || !bytes.Equal(back.SealPNG, good.SealPNG) || back.Bank != good.Bank || back.PaymentDays != 30 || back.Version != stored.Version {
		t.Errorf("stored %+v, read back %+v, %v", stored, back, err)
	}
}

// TestNumbersFollowDates: nothing numbered may carry a date before the
// newest document, a credit note may not come before its invoice, nor a
// payment; each says what to do.
func TestNumbersFollowDates(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		subscribe(t, b, "C1", "campaign-2023", "2025-01-10")
		subscribe(t, b, "C2", "campaign-2023", "2025-01-05")
		run(t, b, "2025-02-01") // 2025-000001 C2, 2025-000002 C1, both dated 02-01
		_, err := b.Run(ctx, RunOptions{AsOf: d("2025-01-20"), Issuer: testIssuer})
		if !errors.Is(err, ErrBackdated) || !strings.Contains(err.Error(), "date it 2025-02-01 or later") {
			t.Errorf("run dated before issued invoices: %v", err)
		}
		if res, err := b.Run(ctx, RunOptions{AsOf: d("2025-01-20"), DryRun: true}); err != nil || res.Count() != 0 {
			t.Errorf("a dry run may look at any date: %+v, %v", res, err)
		}
		if _, err := b.Void(ctx, "2025-000001", "", d("2025-01-31"), "誤請求"); !errors.Is(err, ErrBackdated) ||
			!strings.Contains(err.Error(), "before invoice 2025-000001 (issued 2025-02-01)") {
			t.Errorf("credit note before its invoice: %v", err)
		}
		if _, err := b.Pay(ctx, "2025-000001", "", 100, d("2025-01-31"), "振込", ""); !errors.Is(err, ErrBackdated) {
			t.Errorf("payment before the invoice: %v", err)
		}
		if _, err := b.Void(ctx, "2025-000001", "", d("2025-02-10"), "誤請求"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Void(ctx, "2025-000002", "", d("2025-02-05"), "誤請求"); !errors.Is(err, ErrBackdated) ||
			!strings.Contains(err.Error(), "2025-000003") {
			t.Errorf("credit note dated before the newest credit note: %v", err)
		}
		if all, _ := b.Invoices(ctx, Date{}, Date{}); len(all) != 3 {
			t.Errorf("%d documents, want 3: a refused one must leave no number behind", len(all))
		}
	})
}

// TestRecipientDefaultsToTheContractorsName: with no recipient given, an
// invoice is addressed to the contractor's registered name, 御中.
func TestRecipientDefaultsToTheContractorsName(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		if err := ledgerOf(t, b).AddContractor(ctx, ledger.Contractor{ID: "TANAKA", Name: "田中工務店"}); err != nil {
			t.Fatal(err)
		}
		s, err := b.Subscribe(ctx, "TANAKA", "", "campaign-2023", d("2024-04-01"))
		if err != nil || s.Recipient != "田中工務店 御中" {
			t.Fatalf("subscription %+v, %v", s, err)
		}
		run(t, b, "2024-04-01")
		in, _ := b.InvoiceByNumber(ctx, "2024-000001", "")
		if in.Recipient != "田中工務店 御中" {
			t.Errorf("invoice addressed to %q", in.Recipient)
		}
	})
	for in, want := range map[string]string{"田中工務店": "田中工務店 御中", "山田太郎 様": "山田太郎 様", "ACME 御中": "ACME 御中"} {
		if got := DefaultRecipient(in); got != want {
			t.Errorf("DefaultRecipient(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTaxRateIsStandardUnlessReduced: 8 % is refused for this service
// unless the plan says it sells a reduced-rate item; then its lines are
// marked ※ as the qualified invoice rules ask.
func TestTaxRateIsStandardUnlessReduced(t *testing.T) {
	t.Parallel()
	b := openTest(t, backends[0].url(t))
	ctx := context.Background()
	p := Plan{Name: "food", AnnualFee: 10000, TaxRate: 8, AvailableFrom: d("2024-01-01")}
	if err := b.AddPlan(ctx, p); !errors.Is(err, ErrInvalidTaxRate) || !errors.Is(err, ErrInvalidPlan) || !strings.Contains(err.Error(), "--reduced-rate") {
		t.Errorf("8 %% without saying reduced-rate: %v", err)
	}
	for _, rate := range []int{0, 5, 12} {
		p := Plan{Name: "x", AnnualFee: 1, TaxRate: rate, AvailableFrom: d("2024-01-01")}
		if err := b.AddPlan(ctx, p); !errors.Is(err, ErrInvalidTaxRate) {
			t.Errorf("rate %d: %v", rate, err)
		}
	}
	p.ReducedRate = true
	if err := b.AddPlan(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Plan(ctx, "food"); !got.ReducedRate {
		t.Errorf("stored plan %+v lost its reduced rate", got)
	}
	subscribe(t, b, "F1", "food", "2024-04-01")
	run(t, b, "2024-04-01")
	in, _ := b.InvoiceByNumber(ctx, "2024-000001", "")
	var text bytes.Buffer
	if err := WriteText(&text, in); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"※", "※は軽減税率対象", "8%対象（軽減税率）  10,000円  消費税 800円"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
}

// TestUpgradeKeepsOneSequence: a database that numbered one sequence per
// registration number (two issuers both reached 2025-000001) goes on
// after the highest number of any, so no number is issued twice again;
// the old duplicate still needs the issuer to tell its two invoices apart.
func TestUpgradeKeepsOneSequence(t *testing.T) {
	t.Parallel()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			ctx := t.Context()
			url := be.url(t)
			db := openLedger(t, url)
			h := db.Handle()
			if err := h.MigrateTo(ctx, Migrations, 4); err != nil {
				t.Fatal(err)
			}
			exec(t, h, `INSERT INTO contractors (id, name, ccus_business_id, disabled, created_at) VALUES ('C1', '一建設', '', FALSE, CURRENT_TIMESTAMP)`)
			exec(t, h, `INSERT INTO billing_subscriptions (contractor_id, recipient, plan, start_on, created_at)
				VALUES ('C1', '一建設 御中', 'campaign-2023', '2025-01-06', 'x')`)
			for _, row := range []struct {
				reg    string
				number string
				start  string
			}{{"T7000012050002", "2025-000001", "2025-01-06"}, {"T7000012050002", "2025-000002", "2025-02-06"},
				{"T7000012050002", "2025-000003", "2025-03-06"}, {"T6000012050003", "2025-000001", "2025-04-06"}} {
				exec(t, h, `INSERT INTO billing_invoices (issuer_registration, issuer_name, number, subscription_id, contractor_id, recipient,
					kind, period_start, period_end, issue_date, due_date, subtotal, tax, total, created_at)
					VALUES (?, 'デズラ', ?, 1, 'C1', '一建設 御中', 'annual', ?, '2026-01-06', ?, '2025-05-01', 15000, 1500, 16500, 'x')`,
					row.reg, row.number, row.start, row.start)
			}
			exec(t, h, `INSERT INTO billing_invoice_counters (issuer, year, last) VALUES ('T7000012050002', 2025, 3), ('T6000012050003', 2025, 1)`)
			b, err := New(ctx, db, WithClock(fixedClock))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.SetIssuer(ctx, testSettings); err != nil {
				t.Fatal(err)
			}
			credit, err := b.Void(ctx, "2025-000002", "", d("2025-04-10"), "誤請求")
			if err != nil || credit.Number != "2025-000004" {
				t.Errorf("next number %+v, %v; want 2025-000004", credit, err)
			}
			if _, err := b.InvoiceByNumber(ctx, "2025-000001", ""); !errors.Is(err, ErrAmbiguousInvoice) {
				t.Errorf("the old duplicate without an issuer: %v", err)
			}
			if in, err := b.InvoiceByNumber(ctx, "2025-000001", "T6000012050003"); err != nil || in.Period.Start.String() != "2025-04-06" {
				t.Errorf("the old duplicate with its issuer: %+v, %v", in, err)
			}
		})
	}
}

// TestRunSummary: one line as people read it, and nothing misleading for
// a run that failed.
func TestRunSummary(t *testing.T) {
	t.Parallel()
	one := RunResult{AsOf: d("2025-02-28"), Invoices: make([]Issued, 1), Subtotal: 15000, Tax: 1500, Total: 16500}
	for _, tt := range []struct {
		res  RunResult
		err  error
		want string
	}{
		{one, nil, "as of 2025-02-28: issued 1 invoice, subtotal 15,000 yen, tax 1,500 yen, total 16,500 yen"},
		{RunResult{AsOf: d("2025-02-28")}, nil, "as of 2025-02-28: issued 0 invoices, subtotal 0 yen, tax 0 yen, total 0 yen"},
		{RunResult{AsOf: d("2025-02-28"), DryRun: true, Invoices: make([]Issued, 2), Total: 33000, Subtotal: 30000, Tax: 3000}, nil,
			"as of 2025-02-28: would issue (dry run, nothing written) 2 invoices, subtotal 30,000 yen, tax 3,000 yen, total 33,000 yen"},
		{RunResult{}, ErrNoIssuer, ""},
		{one, errors.New("connection lost"), "as of 2025-02-28: issued 1 invoice, subtotal 15,000 yen, tax 1,500 yen, total 16,500 yen before the run failed; the next run issues the rest"},
	} {
		if got := tt.res.Summary(tt.err); got != tt.want {
			t.Errorf("Summary = %q, want %q", got, tt.want)
		}
	}
	b := openTest(t, backends[0].url(t))
	res, err := b.Run(context.Background(), RunOptions{AsOf: d("2025-02-28")})
	if !errors.Is(err, ErrNoIssuer) || res.AsOf != d("2025-02-28") || res.Summary(err) != "" {
		t.Errorf("a run that failed at once: %+v, %v, %q", res, err, res.Summary(err))
	}
}
