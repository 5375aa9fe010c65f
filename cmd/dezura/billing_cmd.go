package main

// dezura billing: plans, subscriptions, runs, invoices, payments, exports
// and account transfer.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dezura/dezura/ledger/billing"
)

type billingCmd struct {
	Issuer           billingIssuerCmd           `cmd:"" help:"The invoice issuer's settings (name, registration number, address, 振込先), stored once."`
	Plan             billingPlanCmd             `cmd:"" help:"Price lists: add, list, close."`
	Subscribe        billingSubscribeCmd        `cmd:"" help:"Sign a contractor up to a plan."`
	Cancel           billingCancelCmd           `cmd:"" help:"Cancel a subscription: periods starting on or after --on are not billed."`
	List             billingListCmd             `cmd:"" help:"List subscriptions."`
	Run              billingRunCmd              `cmd:"" help:"Issue every invoice due (or preview with --dry-run)."`
	Invoice          billingInvoiceCmd          `cmd:"" help:"Invoices: show, list, pdf."`
	Contact          billingContactCmd          `cmd:"" help:"Where each contractor's invoices are mailed."`
	Mail             billingMailCmd             `cmd:"" help:"Mail invoices as PDF: send, list, retry, resend."`
	Print            billingPrintCmd            `cmd:"" help:"One PDF of every invoice not yet handed out whose contractor has no email address."`
	Pay              billingPayCmd              `cmd:"" help:"Record money received for an invoice."`
	WriteOff         billingWriteOffCmd         `cmd:"" name:"write-off" help:"Forgive part of what is owed, with a reason (e.g. 振込手数料差引)."`
	Receivables      billingReceivablesCmd      `cmd:"" help:"What is owed, with ageing, and refunds due, apart."`
	Void             billingVoidCmd             `cmd:"" help:"Void an invoice by issuing a credit note (適格返還請求書) for all of it."`
	Credit           billingCreditCmd           `cmd:"" help:"Issue a credit note (適格返還請求書) for part of an invoice."`
	Refund           billingRefundCmd           `cmd:"" help:"Record money paid back against a credit note (or an overpaid invoice)."`
	Refunds          billingRefundsCmd          `cmd:"" help:"Pay refunds by 総合振込: file, confirm, withdraw."`
	Export           billingExportCmd           `cmd:"" help:"Invoices and payments for accounting: CSV, or a 弥生会計 journal."`
	Mandate          billingMandateCmd          `cmd:"" help:"Account-transfer mandates (口座振替依頼書)."`
	TransferFile     billingTransferFileCmd     `cmd:"" name:"transfer-file" help:"Write the Zengin account-transfer request file for the bank."`
	TransferWithdraw billingTransferWithdrawCmd `cmd:"" name:"transfer-withdraw" help:"Take back a request file the bank has not processed."`
	TransferResult   billingTransferResultCmd   `cmd:"" name:"transfer-result" help:"Read the bank's result file (safe to repeat)."`
}

// Help is shown under `dezura billing --help`.
func (billingCmd) Help() string {
	return `Dates are YYYY-MM-DD in Asia/Tokyo; where one may be left out, the default is today.
Amounts are whole yen: 16500, 16,500 and 16,500円 are the same.
Store the issuer once with 'billing issuer set'; run needs no issuer flags then.
transfer-file takes the collecting account from its --collector-* flags or DEZURA_COLLECTOR_CODE,
_NAME, _BANK, _BRANCH, _ACCOUNT_TYPE, _ACCOUNT and _LEAD_DAYS; refunds file the paying account
from --payer-* or DEZURA_PAYER_*; mail send the mail server from --smtp or DEZURA_SMTP_URL.
PDFs use IPAexGothic (Debian's fonts-ipaexfont), or --font / DEZURA_INVOICE_FONT.`
}

type billingPlanCmd struct {
	Add   billingPlanAddCmd   `cmd:"" help:"Add a price list (prices are never edited; a new price is a new plan)."`
	List  billingPlanListCmd  `cmd:"" help:"List the price lists."`
	Close billingPlanCloseCmd `cmd:"" help:"End a plan for new subscriptions; existing ones keep renewing."`
}

type billingPlanAddCmd struct {
	Name          string      `required:"" help:"plan name"`
	Annual        billing.Yen `required:"" placeholder:"YEN" help:"annual base fee in yen before tax, e.g. 15,000"`
	Initial       billing.Yen `placeholder:"YEN" help:"initial fee in yen before tax"`
	PerAttendance billing.Yen `placeholder:"YEN" help:"per technician-day in yen before tax, billed monthly in arrears"`
	TaxRate       int         `default:"10" help:"consumption tax rate in percent: 10, or 8 with --reduced-rate"`
	ReducedRate   bool        `help:"the plan sells a reduced-rate item (軽減税率: food, newspapers), taxed at 8 % and marked ※"`
	From          workDate    `required:"" help:"first day new subscriptions may take the plan"`
	Until         workDate    `help:"last day new subscriptions may take the plan (default: open)"`
}

func (c *billingPlanAddCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	p := billing.Plan{Name: c.Name, InitialFee: c.Initial, AnnualFee: c.Annual, PerAttendance: c.PerAttendance,
		TaxRate: c.TaxRate, ReducedRate: c.ReducedRate, AvailableFrom: c.From.Billing(), AvailableUntil: c.Until.Billing()}
	return o.Done("plan %s added", p.Name)(b.AddPlan(ctx, p))
}

type billingPlanListCmd struct{ jsonFlag }

func (c *billingPlanListCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	return list(o, c.JSON, planView)(b.Plans(ctx))
}

type billingPlanCloseCmd struct {
	Name  string   `arg:"" help:"the plan"`
	Until workDate `required:"" help:"last day new subscriptions may take the plan"`
}

func (c *billingPlanCloseCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	return o.Done("plan %s: new subscriptions until %s; existing ones keep renewing", c.Name, c.Until)(b.ClosePlan(ctx, c.Name, c.Until.Billing()))
}

type billingSubscribeCmd struct {
	Contractor string   `required:"" placeholder:"ID" help:"contractor ID"`
	Plan       string   `default:"campaign-2023" help:"plan name"`
	Recipient  string   `placeholder:"NAME" help:"name printed on invoices (default: the contractor's registered name and 御中)"`
	Start      workDate `default:"${today}" help:"start date; the first year is billed on it"`
}

func (c *billingSubscribeCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	s, err := b.Subscribe(ctx, c.Contractor, c.Recipient, c.Plan, c.Start.Billing())
	if err != nil {
		return err
	}
	o.Printf("subscription %d: contractor %s on %s from %s (renews every %02d-%02d)\n",
		s.ID, s.ContractorID, s.Plan, s.Start, int(s.Start.Month), s.Start.Day)
	return nil
}

type billingCancelCmd struct {
	ID         int64    `arg:"" optional:"" name:"subscription-id" help:"the subscription, from 'dezura billing list'"`
	Contractor string   `placeholder:"ID" help:"cancel this contractor's active subscription (instead of an ID)"`
	On         workDate `default:"${today}" help:"periods starting on or after this date are not billed"`
}

func (c *billingCancelCmd) Validate() error {
	if (c.ID == 0) == (c.Contractor == "") {
		return errors.New("give a subscription ID (see 'dezura billing list') or --contractor ID")
	}
	return nil
}

func (c *billingCancelCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	id := c.ID
	if c.Contractor != "" {
		subs, err := b.Subscriptions(ctx, c.Contractor)
		if err != nil {
			return err
		}
		for _, s := range subs {
			if s.CancelledOn.IsZero() {
				id = s.ID
			}
		}
		if id == 0 {
			return fmt.Errorf("%w: contractor %s has no active subscription", billing.ErrUnknownSubscription, c.Contractor)
		}
	}
	return o.Done("subscription %d cancelled from %s; invoices already issued stay (void one to refund)", id, c.On)(b.Cancel(ctx, id, c.On.Billing()))
}

type billingListCmd struct {
	jsonFlag
	Contractor string `placeholder:"ID" help:"only this contractor"`
}

func (c *billingListCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	return list(o, c.JSON, subscriptionView)(b.Subscriptions(ctx, c.Contractor))
}

// issuerFlags name the issuer of a run, for set-ups from before the
// issuer was stored: left out, the stored settings issue the invoices;
// given, they must name the stored issuer (or become it, if none is
// stored yet).
type issuerFlags struct {
	IssuerName         string `env:"DEZURA_ISSUER_NAME" placeholder:"NAME" help:"issuer name; must be the stored issuer's (see billing issuer show)"`
	IssuerRegistration string `env:"DEZURA_ISSUER_REGISTRATION" placeholder:"T0000000000000" help:"registration number; must be the stored issuer's"`
}

func (f issuerFlags) issuer() billing.Issuer {
	return billing.Issuer{Name: f.IssuerName, Registration: f.IssuerRegistration}
}

type billingRunCmd struct {
	AsOf        workDate `default:"${today}" help:"issue everything due on or before this date"`
	DryRun      bool     `help:"print what would be issued and the totals; write nothing"`
	issuerFlags `embed:""`
}

func (c *billingRunCmd) Validate() error {
	if iss := c.issuer(); iss != (billing.Issuer{}) {
		if err := iss.Validate(); err != nil {
			return fmt.Errorf("%v: give both --issuer-name and --issuer-registration, or neither (the stored settings issue the invoices)", err)
		}
	}
	return nil
}

func (c *billingRunCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	return reportRun(o)(b.Run(ctx, billing.RunOptions{AsOf: c.AsOf.Billing(), DryRun: c.DryRun, Issuer: c.issuer(),
		Today: billing.DateOf(time.Now())}))
}

// reportRun returns the printer of a run's result: what it issued (or
// would issue), and its error. A run that failed before issuing anything
// prints only the error.
func reportRun(o *output) func(billing.RunResult, error) error {
	return func(res billing.RunResult, err error) error {
		if err != nil && res.Count() == 0 {
			return err
		}
		if perr := printRun(o, res, err); perr != nil {
			return perr
		}
		return err
	}
}

type billingInvoiceCmd struct {
	Show billingInvoiceShowCmd `cmd:"" help:"Show an invoice (text, HTML or JSON)."`
	List billingInvoiceListCmd `cmd:"" help:"List invoices by issue date."`
	PDF  billingInvoicePDFCmd  `cmd:"" name:"pdf" help:"Write an invoice or credit note as an A4 PDF to hand out (every copy after the first says 再発行)."`
}

type billingInvoiceShowCmd struct {
	jsonFlag
	Number string `arg:"" help:"invoice number, e.g. 2025-000001"`
	Format string `enum:"text,html" default:"text" help:"text, or html to print on A4 from a browser"`
	Issuer string `placeholder:"T0000000000000" help:"issuer registration number, if several issuers share numbers"`
}

func (c *billingInvoiceShowCmd) Validate() error {
	if c.JSON && c.Format != "text" {
		return errors.New("give --json or --format html, not both")
	}
	return nil
}

func (c *billingInvoiceShowCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	in, err := b.InvoiceByNumber(ctx, c.Number, c.Issuer)
	if err != nil {
		return err
	}
	switch {
	case c.JSON:
		return o.JSON(newInvoiceJSON(in))
	case c.Format == "html":
		return billing.WriteHTML(o.Stdout, in)
	}
	return billing.WriteText(o.Stdout, in)
}

type billingInvoiceListCmd struct {
	jsonFlag
	From workDate `help:"first issue date"`
	To   workDate `help:"last issue date"`
}

func (c *billingInvoiceListCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	return list(o, c.JSON, invoiceView)(b.Invoices(ctx, c.From.Billing(), c.To.Billing()))
}

type billingPayCmd struct {
	Number    string      `arg:"" help:"invoice number"`
	Amount    billing.Yen `required:"" placeholder:"YEN" help:"amount received in yen, e.g. 16,500"`
	Date      workDate    `default:"${today}" help:"date received"`
	Method    string      `required:"" help:"how it was paid, e.g. 振込, cash"`
	Reference string      `help:"bank reference or note"`
	Issuer    string      `placeholder:"T0000000000000" help:"issuer registration number, if several issuers share numbers"`
}

func (c *billingPayCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	if _, err := b.Pay(ctx, c.Number, c.Issuer, c.Amount, c.Date.Billing(), c.Method, c.Reference); err != nil {
		return err
	}
	in, err := b.InvoiceByNumber(ctx, c.Number, c.Issuer)
	if err != nil {
		return err
	}
	o.Printf("%s: paid %s of %s yen, balance %s yen\n", in.Number, yen(in.Paid), yen(in.Total), yen(in.Balance()))
	return nil
}

type billingReceivablesCmd struct {
	jsonFlag
	AsOf workDate `default:"${today}" help:"ageing as of this date"`
}

func (c *billingReceivablesCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	rep, err := b.ReceivablesAsOf(ctx, c.AsOf.Billing())
	if err != nil {
		return err
	}
	return printReceivables(o, c.JSON, rep)
}

type billingVoidCmd struct {
	Number string   `arg:"" help:"invoice number"`
	Reason string   `required:"" placeholder:"TEXT" help:"why the invoice is voided (printed on the credit note)"`
	Date   workDate `default:"${today}" help:"credit note date"`
	Issuer string   `placeholder:"T0000000000000" help:"issuer registration number, if several issuers share numbers"`
}

func (c *billingVoidCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	credit, err := b.Void(ctx, c.Number, c.Issuer, c.Date.Billing(), c.Reason)
	if err != nil {
		return err
	}
	o.Printf("%s voided by credit note %s (%s yen)\n", c.Number, credit.Number, yen(credit.Total))
	return nil
}

type billingExportCmd struct {
	From     workDate `help:"first date (issue date of invoices, date of payments)"`
	To       workDate `help:"last date"`
	Format   string   `enum:"csv,yayoi" default:"csv" help:"csv (one row per document and payment), or yayoi (a 弥生会計 仕訳日記帳 import, Shift_JIS)"`
	Encoding string   `default:"utf-8" help:"csv only: utf-8 (with a byte-order mark, as Japanese Excel wants) or sjis"`
	Out      string   `placeholder:"FILE" help:"write to this file instead of standard output"`
}

func (c *billingExportCmd) Validate() error {
	_, err := billing.ParseEncoding(c.Encoding)
	return err
}

func (c *billingExportCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	enc, err := billing.ParseEncoding(c.Encoding)
	if err != nil {
		return err
	}
	return writeTo(o.Stdout, c.Out, func(w io.Writer) error {
		if c.Format == "yayoi" {
			return b.ExportYayoi(ctx, w, c.From.Billing(), c.To.Billing(), billing.DefaultYayoiAccounts)
		}
		return b.Export(ctx, w, c.From.Billing(), c.To.Billing(), enc)
	})
}

// writeTo writes to stdout, or to path via a temporary file renamed into
// place only when complete.
func writeTo(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" {
		return write(stdout)
	}
	tmp, err := os.CreateTemp(dirOf(path), ".dezura-billing-*")
	if err != nil {
		return fileError("write", path, err)
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
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}

type billingMandateCmd struct {
	Set    billingMandateSetCmd    `cmd:"" help:"Register or replace a contractor's bank mandate (lifts a stop)."`
	List   billingMandateListCmd   `cmd:"" help:"List mandates; --stopped: those the payer's bank stopped, for the office to follow up."`
	Resume billingMandateResumeCmd `cmd:"" help:"Debit a stopped mandate again, once the contractor agreed."`
}

type billingMandateSetCmd struct {
	Contractor  string `required:"" placeholder:"ID" help:"contractor ID"`
	Bank        string `required:"" placeholder:"NNNN" help:"bank code, 4 digits"`
	BankName    string `placeholder:"KANA" help:"bank name in kana (optional)"`
	Branch      string `required:"" placeholder:"NNN" help:"branch code, 3 digits"`
	BranchName  string `placeholder:"KANA" help:"branch name in kana (optional)"`
	AccountType int    `default:"1" help:"1 普通, 2 当座"`
	Account     string `required:"" placeholder:"NUMBER" help:"account number, up to 7 digits"`
	Holder      string `required:"" placeholder:"KANA" help:"account holder in katakana as the bank has it (at most 30 half-width characters)"`
}

func (c *billingMandateSetCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	m, err := b.SetMandate(ctx, billing.Mandate{ContractorID: c.Contractor, BankCode: c.Bank, BankName: c.BankName,
		BranchCode: c.Branch, BranchName: c.BranchName, AccountType: c.AccountType, AccountNumber: c.Account, Holder: c.Holder})
	if err != nil {
		return err
	}
	o.Printf("mandate for %s: bank %s branch %s account %d-%s holder %s\n", m.ContractorID, m.BankCode, m.BranchCode,
		m.AccountType, m.AccountNumber, m.Holder)
	return nil
}

type billingTransferFileCmd struct {
	CollectOn            workDate `required:"" help:"collection date (引落日)"`
	Out                  string   `required:"" placeholder:"FILE" help:"request file to write"`
	CRLF                 bool     `name:"crlf" help:"end each 120-byte record with CR LF (if your bank wants it)"`
	CollectorCode        string   `required:"" env:"DEZURA_COLLECTOR_CODE" placeholder:"CODE" help:"委託者コード from the bank"`
	CollectorName        string   `required:"" env:"DEZURA_COLLECTOR_NAME" placeholder:"KANA" help:"委託者名 in kana"`
	CollectorBank        string   `required:"" env:"DEZURA_COLLECTOR_BANK" placeholder:"NNNN" help:"bank code of the collecting account"`
	CollectorBranch      string   `required:"" env:"DEZURA_COLLECTOR_BRANCH" placeholder:"NNN" help:"branch code of the collecting account"`
	CollectorAccountType int      `default:"1" env:"DEZURA_COLLECTOR_ACCOUNT_TYPE" help:"1 普通, 2 当座"`
	CollectorAccount     string   `required:"" env:"DEZURA_COLLECTOR_ACCOUNT" placeholder:"NUMBER" help:"collecting account number"`
	LeadDays             int      `env:"DEZURA_COLLECTOR_LEAD_DAYS" default:"3" help:"bank business days the bank needs the file before the collection date"`
}

func (c *billingTransferFileCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	tf, err := b.PrepareTransfers(ctx, c.CollectOn.Billing(), billing.Collector{Code: c.CollectorCode, Name: c.CollectorName,
		BankCode: c.CollectorBank, BranchCode: c.CollectorBranch, AccountType: c.CollectorAccountType, AccountNumber: c.CollectorAccount,
		LeadDays: c.LeadDays})
	if err != nil {
		return err
	}
	data, err := billing.MarshalTransferFile(tf, c.CRLF)
	if err != nil {
		return err
	}
	if err := writeTo(o.Stdout, c.Out, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return err
	}
	o.Printf("%s: %s, %s yen, to collect on %s\n", c.Out, count(tf.Count, "transfer"), yen(tf.Amount), c.CollectOn)
	return nil
}

type billingTransferResultCmd struct {
	File string `arg:"" help:"the result file from the bank"`
}

func (c *billingTransferResultCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	data, err := os.ReadFile(c.File)
	if err != nil {
		return fileError("read", c.File, err)
	}
	outcomes, err := b.ApplyTransferResult(ctx, data)
	if outcomes == nil {
		return err
	}
	// Unknown customer numbers with money collected: the rest is
	// recorded and shown, then the error lists the money (exit 1).
	if perr := printTransferOutcomes(o, outcomes); perr != nil {
		return perr
	}
	return err
}
