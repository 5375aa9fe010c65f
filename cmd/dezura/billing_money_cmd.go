package main

// dezura billing mail, credit, refund, refunds, write-off, mandate list
// and resume, transfer-withdraw: sending invoices, and money back.

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/dezura/dezura/ledger/billing"
)

type billingMailCmd struct {
	Send   billingMailSendCmd   `cmd:"" help:"Queue every invoice not yet handed out whose contractor has an address, and send what is due."`
	List   billingMailListCmd   `cmd:"" help:"What was mailed when, and what waits or failed."`
	Retry  billingMailRetryCmd  `cmd:"" help:"Queue again the mail given up (after fixing the address)."`
	Resend billingMailResendCmd `cmd:"" help:"Mail a document again (再発行)."`
}

type billingMailSendCmd struct {
	fontFlag
	SMTP  string `name:"smtp" required:"" env:"DEZURA_SMTP_URL" placeholder:"URL" help:"mail server: smtp://[user:password@]host[:port][?tls=starttls|none] or smtps://..."`
	Limit int    `help:"send at most this many in this pass (0: all that are due)"`
}

func (c *billingMailSendCmd) Validate() error {
	_, err := billing.ParseSMTPURL(c.SMTP)
	return err
}

func (c *billingMailSendCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	cfg, err := billing.ParseSMTPURL(c.SMTP)
	if err != nil {
		return err
	}
	font, err := billing.LoadFont(c.Font)
	if err != nil {
		return err
	}
	queued, err := b.QueueMail(ctx)
	if err != nil {
		return err
	}
	res, err := b.SendQueued(ctx, billing.NewSMTPMailer(cfg), font, billing.SendOptions{Limit: c.Limit})
	for _, e := range res.Errors {
		fmt.Fprintln(o.Stderr, "not sent:", e)
	}
	o.Printf("%s queued; %s sent, %s to try again later, %s given up\n", count(queued, "invoice"), count(res.Sent, "mail"),
		count(res.Retrying, "mail"), count(res.Failed, "mail"))
	if err != nil {
		return err
	}
	if res.Failed > 0 {
		return fmt.Errorf("%w: %s given up (see dezura billing mail list --state failed; fix the address, then mail retry)",
			billing.ErrSendFailed, count(res.Failed, "mail"))
	}
	return nil
}

type billingMailListCmd struct {
	jsonFlag
	State string `enum:",queued,retry,sent,failed" default:"" help:"only mail in this state: queued, retry, sent or failed"`
	Limit int    `default:"50" help:"the newest this many"`
}

var outboxView = view[billing.OutboxEntry]{
	header: []string{"NUMBER", "TO", "STATE", "ATTEMPTS", "QUEUED", "SENT", "NEXT ATTEMPT", "REISSUE", "LAST ERROR"},
	row: func(e billing.OutboxEntry) []string {
		next := ""
		if e.State == billing.OutboxQueued || e.State == billing.OutboxRetry {
			next = cliTime(e.NextAttempt)
		}
		return []string{e.Number, e.To, e.State, fmt.Sprint(e.Attempts), cliTime(e.QueuedAt), orDash(cliTime(e.SentAt)), orDash(next),
			yesNo(e.Reissue), orDash(e.LastError)}
	},
	json: func(e billing.OutboxEntry) any {
		return struct {
			Number    string `json:"number"`
			To        string `json:"to"`
			State     string `json:"state"`
			Attempts  int    `json:"attempts"`
			QueuedAt  string `json:"queued_at"`
			SentAt    string `json:"sent_at,omitempty"`
			Reissue   bool   `json:"reissue"`
			LastError string `json:"last_error,omitempty"`
		}{e.Number, e.To, e.State, e.Attempts, jsonTime(e.QueuedAt), jsonTime(e.SentAt), e.Reissue, e.LastError}
	},
}

func (c *billingMailListCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	return list(o, c.JSON, outboxView)(b.Outbox(ctx, c.State, c.Limit))
}

type billingMailRetryCmd struct {
	Number string `arg:"" optional:"" help:"only this document's mail (default: every mail given up)"`
}

func (c *billingMailRetryCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	n, err := b.RetryFailed(ctx, c.Number)
	if err != nil {
		return err
	}
	o.Printf("%s queued again; dezura billing mail send sends them\n", count(n, "mail"))
	return nil
}

type billingMailResendCmd struct {
	Number string `arg:"" help:"invoice or credit note number"`
	To     string `placeholder:"ADDRESS" help:"another address (default: the contractor's)"`
}

func (c *billingMailResendCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	return o.Done("%s queued to be mailed again, marked 再発行; dezura billing mail send sends it", c.Number)(b.QueueResend(ctx, c.Number, c.To))
}

type billingCreditCmd struct {
	Number  string      `arg:"" help:"the invoice credited"`
	Amount  billing.Yen `required:"" placeholder:"YEN" help:"amount taken back before tax, e.g. 5,000"`
	TaxRate int         `help:"the rate of the items taken back (default: the invoice's only rate)"`
	Reason  string      `required:"" placeholder:"TEXT" help:"why (printed on the credit note)"`
	Date    workDate    `default:"${today}" help:"credit note date: on or after the invoice's"`
}

func (c *billingCreditCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	if c.Amount <= 0 {
		return fmt.Errorf("%w: --amount must be more than 0 (to take back everything, use billing void)", errUsage)
	}
	credit, err := b.Credit(ctx, billing.CreditRequest{Number: c.Number, On: c.Date.Billing(), Reason: c.Reason, Amount: c.Amount, TaxRate: c.TaxRate})
	if err != nil {
		return err
	}
	o.Printf("credit note %s for %s: %s yen (tax %s yen)\n", credit.Number, c.Number, yen(credit.Total), yen(credit.Tax))
	return nil
}

type billingRefundCmd struct {
	Number    string      `arg:"" help:"the credit note refunded (or an invoice paid more than it asked)"`
	Amount    billing.Yen `required:"" placeholder:"YEN" help:"amount paid back, e.g. 16,500"`
	Date      workDate    `default:"${today}" help:"date paid back"`
	Method    string      `required:"" help:"how it was paid back, e.g. 振込, 現金"`
	Reference string      `help:"bank reference or note"`
}

func (c *billingRefundCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	p, err := b.Refund(ctx, c.Number, c.Amount, c.Date.Billing(), c.Method, c.Reference)
	if err != nil {
		return err
	}
	in, err := b.InvoiceByNumber(ctx, p.Number, "")
	if err != nil {
		return err
	}
	o.Printf("%s: refunded %s yen on %s; %s yen still owed back\n", c.Number, yen(c.Amount), c.Date, yen(max(-in.Balance(), 0)))
	return nil
}

type billingWriteOffCmd struct {
	Number string      `arg:"" help:"invoice number"`
	Amount billing.Yen `required:"" placeholder:"YEN" help:"amount forgiven, e.g. 440"`
	Date   workDate    `default:"${today}" help:"date of the write-off"`
	Reason string      `required:"" placeholder:"TEXT" help:"why, e.g. 振込手数料差引"`
}

func (c *billingWriteOffCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	if _, err := b.WriteOff(ctx, c.Number, c.Amount, c.Date.Billing(), c.Reason); err != nil {
		return err
	}
	in, err := b.InvoiceByNumber(ctx, c.Number, "")
	if err != nil {
		return err
	}
	o.Printf("%s: %s yen written off (%s); balance %s yen\n", c.Number, yen(c.Amount), c.Reason, yen(in.Balance()))
	return nil
}

type billingRefundsCmd struct {
	File     billingRefundsFileCmd     `cmd:"" help:"Write the 総合振込 file paying every refund due into the contractors' accounts."`
	Confirm  billingRefundsConfirmCmd  `cmd:"" help:"The bank paid the file: record its refunds."`
	Withdraw billingRefundsWithdrawCmd `cmd:"" help:"Take back a refund file the bank did not pay."`
}

type billingRefundsFileCmd struct {
	PayOn            workDate `required:"" help:"payment date (振込指定日)"`
	Out              string   `required:"" placeholder:"FILE" help:"request file to write"`
	CRLF             bool     `name:"crlf" help:"end each 120-byte record with CR LF (if your bank wants it)"`
	PayerCode        string   `required:"" env:"DEZURA_PAYER_CODE" placeholder:"CODE" help:"振込依頼人コード from the bank"`
	PayerName        string   `required:"" env:"DEZURA_PAYER_NAME" placeholder:"KANA" help:"振込依頼人名 in kana"`
	PayerBank        string   `required:"" env:"DEZURA_PAYER_BANK" placeholder:"NNNN" help:"bank code of the paying account"`
	PayerBranch      string   `required:"" env:"DEZURA_PAYER_BRANCH" placeholder:"NNN" help:"branch code of the paying account"`
	PayerAccountType int      `default:"1" env:"DEZURA_PAYER_ACCOUNT_TYPE" help:"1 普通, 2 当座"`
	PayerAccount     string   `required:"" env:"DEZURA_PAYER_ACCOUNT" placeholder:"NUMBER" help:"paying account number"`
	LeadDays         int      `env:"DEZURA_PAYER_LEAD_DAYS" default:"3" help:"bank business days the bank needs the file before the payment date"`
}

func (c *billingRefundsFileCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	batch, err := b.PrepareRefunds(ctx, c.PayOn.Billing(), billing.Payer{Code: c.PayerCode, Name: c.PayerName, BankCode: c.PayerBank,
		BranchCode: c.PayerBranch, AccountType: c.PayerAccountType, AccountNumber: c.PayerAccount, LeadDays: c.LeadDays})
	if err != nil {
		return err
	}
	data, err := billing.MarshalCreditTransferFile(batch.File, c.CRLF)
	if err != nil {
		return err
	}
	if err := writeTo(o.Stdout, c.Out, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return err
	}
	o.Printf("%s: %s, %s yen, to pay on %s; after the bank paid: dezura billing refunds confirm --pay-on %s\n",
		c.Out, count(batch.File.Count, "refund"), yen(batch.File.Amount), c.PayOn, c.PayOn)
	for _, r := range batch.NoAccount {
		o.Printf("no account to pay into: %s (%s) %s yen owed back: pay it by hand and record it with dezura billing refund\n",
			r.Number, r.ContractorID, yen(-r.Balance))
	}
	return nil
}

type billingRefundsConfirmCmd struct {
	PayOn workDate `required:"" help:"the payment date of the file"`
}

func (c *billingRefundsConfirmCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	n, sum, err := b.ConfirmRefunds(ctx, c.PayOn.Billing())
	return o.Done("%s recorded as paid on %s, %s yen", count(n, "refund"), c.PayOn, yen(sum))(err)
}

type billingRefundsWithdrawCmd struct {
	PayOn workDate `required:"" help:"the payment date of the file"`
}

func (c *billingRefundsWithdrawCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	n, sum, err := b.WithdrawRefunds(ctx, c.PayOn.Billing())
	return o.Done("%s withdrawn (%s yen): they are due again", count(n, "refund"), yen(sum))(err)
}

type billingTransferWithdrawCmd struct {
	CollectOn workDate `required:"" help:"the collection date of the request file"`
}

func (c *billingTransferWithdrawCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	n, sum, err := b.WithdrawTransfers(ctx, c.CollectOn.Billing())
	return o.Done("%s withdrawn (%s yen): their invoices can go into another request file", count(n, "transfer"), yen(sum))(err)
}

type billingMandateListCmd struct {
	jsonFlag
	Stopped bool `help:"only mandates whose debits the payer's bank stopped"`
}

var mandateView = view[billing.MandateStatus]{
	header: []string{"CONTRACTOR", "BANK", "BRANCH", "ACCOUNT", "HOLDER", "STOPPED"},
	row: func(m billing.MandateStatus) []string {
		stopped := "-"
		if m.Stopped != billing.ResultUnknown {
			stopped = fmt.Sprintf("%c %s on %s", m.Stopped.Digit(), m.Stopped.Japanese(), m.StoppedOn)
		}
		return []string{m.ContractorID, m.BankCode, m.BranchCode, fmt.Sprintf("%d-%s", m.AccountType, m.AccountNumber), m.Holder, stopped}
	},
	json: func(m billing.MandateStatus) any {
		return struct {
			ContractorID  string `json:"contractor_id"`
			BankCode      string `json:"bank_code"`
			BranchCode    string `json:"branch_code"`
			AccountType   int    `json:"account_type"`
			AccountNumber string `json:"account_number"`
			Holder        string `json:"holder"`
			Stopped       string `json:"stopped,omitempty"`
			StoppedOn     string `json:"stopped_on,omitempty"`
		}{m.ContractorID, m.BankCode, m.BranchCode, m.AccountType, m.AccountNumber, m.Holder,
			strings.TrimPrefix(m.Stopped.String(), "unknown"), m.StoppedOn.String()}
	},
}

func (c *billingMandateListCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	return list(o, c.JSON, mandateView)(b.Mandates(ctx, c.Stopped))
}

type billingMandateResumeCmd struct {
	Contractor string `required:"" placeholder:"ID" help:"contractor ID"`
}

func (c *billingMandateResumeCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	return o.Done("debits of %s resumed: the next request file includes what is due", c.Contractor)(b.ResumeMandate(ctx, c.Contractor))
}
