package web_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
)

// billingSeed is what the console tests' billing holds, by the use the
// tests make of it: each action of the route walker has a record of its
// own, so that every one of them can succeed once.
type billingSeed struct {
	Pay, WriteOff, Void, Credit       string // unpaid invoices
	Refundable                        string // a credit note of a paid invoice, voided: 16,500 owed back
	Cancel                            int64  // an active subscription
	NewContractor                     string // registered, never subscribed
	Stopped                           string // a contractor whose mandate the payer's bank stopped
	WithdrawOn                        string // a transfer batch waiting for the bank
	Result                            []byte // the bank's result of another waiting batch: all collected
	ResultOn                          string // that batch's collection date
	RefundConfirmOn, RefundWithdrawOn string // refund batches waiting for the bank
	CollectOn, PayOn                  string // free dates for a new transfer file and a new refund file
}

// testCollector is the collecting (and paying) company of the tests.
var testCollector = billing.Collector{Code: "1234567890", Name: "カ）デズラ", BankCode: "0005", BranchCode: "001", AccountType: 1,
	AccountNumber: "1234567"}

// seedIssuer is the issuer of the console tests: the National Tax
// Agency's registration number, whose check digit is known to be right.
var seedIssuer = billing.IssuerSettings{Name: "株式会社デズラ", Registration: "T7000012050002", Postcode: "100-0001",
	Address: "東京都千代田区千代田1-1", Phone: "03-1234-5678", Email: "billing@example.co.jp",
	Bank: billing.PayeeAccount{BankName: "みずほ銀行", BranchName: "東京営業部", AccountType: 1, AccountNumber: "1234567", Holder: "カ）デズラ"}}

var (
	fontOnce sync.Once
	font     *billing.Font
	fontErr  error
)

// invoiceFont is Debian's IPAexGothic, loaded once for every test
// (.ci/run installs fonts-ipaexfont).
func invoiceFont(t *testing.T) *billing.Font {
	t.Helper()
	fontOnce.Do(func() { font, fontErr = billing.LoadFont("") })
	if fontErr != nil {
		t.Fatalf("invoice font: %v (apt-get install fonts-ipaexfont)", fontErr)
	}
	return font
}

// seedBilling opens billing on db with the console's clock and fills it
// as billingSeed says: thirteen contractors subscribed on 2026-11-02 and
// issued their first year, money in and back, mandates, and waiting
// batches for the bank.
func seedBilling(t *testing.T, db ledger.DB, now time.Time) (*billing.Billing, billingSeed) {
	t.Helper()
	ctx := ledger.WithActor(context.Background(), ledger.Actor{Kind: "system", Name: "test"})
	b, err := billing.New(ctx, db, billing.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	d := func(s string) billing.Date {
		v, err := billing.ParseDate(s)
		must(err)
		return v
	}
	_, err = b.SetIssuer(ctx, seedIssuer)
	must(err)
	must(b.AddPlan(ctx, billing.Plan{Name: "spring-2026", AnnualFee: 12000, TaxRate: 10, AvailableFrom: d("2026-04-01")}))
	names := map[string]string{"K-PAY": "田中工務店", "K-WO": "鈴木建設", "K-VOID": "佐藤組", "K-CREDIT": "高橋工業", "K-REFUND": "伊藤土木",
		"K-M1": "渡辺建設", "K-M2": "山本工務店", "K-M3": "中村組", "K-STOP": "小林建設", "K-R1": "加藤工業", "K-R2": "吉田組",
		"K-R3": "山田建設", "K-NEW": "新規工務店"}
	order := []string{"K-PAY", "K-WO", "K-VOID", "K-CREDIT", "K-REFUND", "K-M1", "K-M2", "K-M3", "K-STOP", "K-R1", "K-R2", "K-R3"}
	for _, id := range append(order, "K-NEW") {
		must(db.AddContractor(ctx, ledger.Contractor{ID: id, Name: names[id]}))
	}
	var seed billingSeed
	for _, id := range order {
		s, err := b.Subscribe(ctx, id, "", billing.CampaignPlan.Name, d("2026-11-02"))
		must(err)
		if id == "K-PAY" {
			seed.Cancel = s.ID
		}
	}
	res, err := b.Run(ctx, billing.RunOptions{AsOf: d("2026-11-02")})
	must(err)
	number := map[string]string{}
	for _, in := range res.Invoices {
		number[in.Subscription.ContractorID] = in.Number
	}
	seed.Pay, seed.WriteOff, seed.Void, seed.Credit = number["K-PAY"], number["K-WO"], number["K-VOID"], number["K-CREDIT"]
	seed.NewContractor, seed.Stopped = "K-NEW", "K-STOP"
	for _, id := range []string{"K-REFUND", "K-R1", "K-R2", "K-R3"} {
		_, err := b.Pay(ctx, number[id], "", 16500, d("2026-11-10"), "振込", "")
		must(err)
		credit, err := b.Void(ctx, number[id], "", d("2026-11-20"), "誤請求")
		must(err)
		if id == "K-REFUND" {
			seed.Refundable = credit.Number
		}
	}
	mandate := func(id string) {
		_, err := b.SetMandate(ctx, billing.Mandate{ContractorID: id, BankCode: "0001", BranchCode: "100", AccountType: 1,
			AccountNumber: "7654321", Holder: "ヤマダ"})
		must(err)
	}
	seed.RefundConfirmOn, seed.RefundWithdrawOn, seed.PayOn = "2026-12-22", "2026-12-23", "2026-12-21"
	for id, on := range map[string]string{"K-R1": seed.RefundConfirmOn, "K-R2": seed.RefundWithdrawOn} {
		mandate(id)
		_, err := b.PrepareRefunds(ctx, d(on), billing.Payer(testCollector))
		must(err)
	}
	mandate("K-R3")
	// The payer's bank stops K-STOP's debits.
	mandate("K-STOP")
	f, err := b.PrepareTransfers(ctx, d("2026-12-24"), testCollector)
	must(err)
	f.Records[0].Result = billing.ResultStoppedByPayer
	stop, err := billing.MarshalTransferFile(f, false)
	must(err)
	_, err = b.ApplyTransferResult(ctx, stop)
	must(err)
	seed.WithdrawOn, seed.ResultOn, seed.CollectOn = "2026-12-22", "2026-12-23", "2026-12-21"
	mandate("K-M1")
	_, err = b.PrepareTransfers(ctx, d(seed.WithdrawOn), testCollector)
	must(err)
	mandate("K-M2")
	f, err = b.PrepareTransfers(ctx, d(seed.ResultOn), testCollector)
	must(err)
	for i := range f.Records {
		f.Records[i].Result = billing.ResultCollected
	}
	seed.Result, err = billing.MarshalTransferFile(f, true)
	must(err)
	mandate("K-M3")
	must(b.SetContact(ctx, "K-PAY", "keiri@tanaka.example.co.jp"))
	return b, seed
}
