package web

// The billing screens: for billing staff (access.RoleBilling) and the
// operator, over the operations of ledger/billing that the CLI's
// `dezura billing` calls too. Each handler calls one of them; what is
// allowed, due or owed is billing's to say.

import (
	"context"
	"io"
	"net/http"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
	"github.com/dezura/dezura/ledger/billing"
)

// Billing is what the billing screens need of ledger/billing.
// *billing.Billing is one.
type Billing interface {
	Plans(ctx context.Context) ([]billing.Plan, error)
	AddPlan(ctx context.Context, p billing.Plan) error
	ClosePlan(ctx context.Context, name string, last billing.Date) error

	Subscriptions(ctx context.Context, contractorID string) ([]billing.Subscription, error)
	Subscribe(ctx context.Context, contractorID, recipient, plan string, start billing.Date) (billing.Subscription, error)
	Cancel(ctx context.Context, id int64, on billing.Date) error
	Run(ctx context.Context, opts billing.RunOptions) (billing.RunResult, error)

	InvoicePage(ctx context.Context, q billing.InvoiceQuery) (ledger.Page[billing.Invoice], error)
	InvoiceDetail(ctx context.Context, number string) (billing.InvoiceDetail, error)
	IssuePDF(ctx context.Context, w io.Writer, font *billing.Font, number, issuer string) (billing.PDFReport, error)
	Pay(ctx context.Context, number, issuer string, amount billing.Yen, on billing.Date, method, reference string) (billing.Payment, error)
	WriteOff(ctx context.Context, number string, amount billing.Yen, on billing.Date, reason string) (billing.Payment, error)
	Void(ctx context.Context, number, issuer string, on billing.Date, reason string) (billing.Invoice, error)
	Credit(ctx context.Context, r billing.CreditRequest) (billing.Invoice, error)
	Refund(ctx context.Context, number string, amount billing.Yen, on billing.Date, method, reference string) (billing.Payment, error)
	ReceivablesAsOf(ctx context.Context, asOf billing.Date) (billing.ReceivablesReport, error)

	Mandates(ctx context.Context, stoppedOnly bool) ([]billing.MandateStatus, error)
	Mandate(ctx context.Context, contractorID string) (billing.MandateStatus, error)
	SetMandate(ctx context.Context, m billing.Mandate) (billing.Mandate, error)
	ResumeMandate(ctx context.Context, contractorID string) error
	TransferBatches(ctx context.Context) ([]billing.TransferBatch, error)
	PrepareTransfers(ctx context.Context, collectOn billing.Date, c billing.Collector) (billing.TransferFile, error)
	WithdrawTransfers(ctx context.Context, collectOn billing.Date) (int, billing.Yen, error)
	ApplyTransferResult(ctx context.Context, data []byte) ([]billing.TransferOutcome, error)
	RefundBatches(ctx context.Context) ([]billing.RefundBatchSummary, error)
	PrepareRefunds(ctx context.Context, payOn billing.Date, p billing.Payer) (billing.RefundBatch, error)
	ConfirmRefunds(ctx context.Context, payOn billing.Date) (int, billing.Yen, error)
	WithdrawRefunds(ctx context.Context, payOn billing.Date) (int, billing.Yen, error)

	Outbox(ctx context.Context, state string, limit int) ([]billing.OutboxEntry, error)
	RetryFailed(ctx context.Context, number string) (int, error)
	QueueResend(ctx context.Context, number, to string) error
	PrintBatch(ctx context.Context, font *billing.Font) ([]byte, []string, billing.PDFReport, error)
	Contacts(ctx context.Context) ([]billing.Contact, error)
	SetContact(ctx context.Context, contractorID, email string) error

	CurrentIssuer(ctx context.Context) (billing.IssuerSettings, error)
	UpdateIssuer(ctx context.Context, change func(s *billing.IssuerSettings)) (billing.IssuerSettings, error)
	Export(ctx context.Context, w io.Writer, from, to billing.Date, enc billing.Encoding) error
	ExportYayoi(ctx context.Context, w io.Writer, from, to billing.Date, accounts billing.YayoiAccounts) error
}

var _ Billing = (*billing.Billing)(nil)

// billingRoutes are the billing screens and actions (none without
// Config.Billing). An action whose answer is a file or a report (a PDF, a
// bank file, a run, a bank's result read) answers the POST itself; each
// is safe to repeat (the same file again, nothing issued or recorded
// twice).
func (s *Server) billingRoutes() []Route {
	if s.cfg.Billing == nil {
		return nil
	}
	b := access.Billing
	return []Route{
		{"GET /billing", b, s.billingHome},
		{"GET /billing/plans", b, s.planList},
		{"GET /billing/plans/new", b, s.planNewForm},
		{"POST /billing/plans/new", b, s.planCreate},
		{"POST /billing/plans/{name}/close", b, s.planClose},
		{"GET /billing/subscriptions", b, s.subscriptionList},
		{"GET /billing/subscriptions/new", b, s.subscriptionNewForm},
		{"POST /billing/subscriptions/new", b, s.subscriptionCreate},
		{"POST /billing/subscriptions/{id}/cancel", b, s.subscriptionCancel},
		{"GET /billing/run", b, s.runPreview},
		{"POST /billing/run", b, s.runIssue},
		{"GET /billing/invoices", b, s.invoiceList},
		{"GET /billing/invoices/{number}", b, s.invoiceShow},
		{"POST /billing/invoices/{number}/pdf", b, s.invoicePDF},
		{"POST /billing/invoices/{number}/pay", b, s.invoicePay},
		{"POST /billing/invoices/{number}/write-off", b, s.invoiceWriteOff},
		{"POST /billing/invoices/{number}/void", b, s.invoiceVoid},
		{"POST /billing/invoices/{number}/credit", b, s.invoiceCredit},
		{"POST /billing/invoices/{number}/refund", b, s.invoiceRefund},
		{"POST /billing/invoices/{number}/resend", b, s.invoiceResend},
		{"GET /billing/receivables", b, s.receivables},
		{"GET /billing/mandates", b, s.mandateList},
		{"GET /billing/mandates/new", b, s.mandateNewForm},
		{"GET /billing/mandates/{contractor}/edit", b, s.mandateEditForm},
		{"POST /billing/mandates", b, s.mandateSet},
		{"POST /billing/mandates/{contractor}/resume", b, s.mandateResume},
		{"GET /billing/transfers", b, s.transferList},
		{"POST /billing/transfers/file", b, s.transferFile},
		{"POST /billing/transfers/{date}/withdraw", b, s.transferWithdraw},
		{"POST /billing/transfers/result", b, s.transferResult},
		{"GET /billing/refunds", b, s.refundList},
		{"POST /billing/refunds/file", b, s.refundFile},
		{"POST /billing/refunds/{date}/confirm", b, s.refundConfirm},
		{"POST /billing/refunds/{date}/withdraw", b, s.refundWithdraw},
		{"GET /billing/mail", b, s.mailList},
		{"POST /billing/mail/retry", b, s.mailRetry},
		{"POST /billing/print", b, s.printBatch},
		{"GET /billing/contacts", b, s.contactList},
		{"POST /billing/contacts", b, s.contactSet},
		{"GET /billing/issuer", b, s.issuerForm},
		{"POST /billing/issuer", b, s.issuerSet},
		{"GET /billing/export", b, s.exportForm},
		{"GET /billing/export/file", b, s.exportFile},
	}
}

// billingHome is the billing menu.
func (s *Server) billingHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "billing_home", page{Title: "billing.title", Nav: "billing"})
}

// today is the date in Asia/Tokyo by the console's clock.
func (s *Server) today() billing.Date { return billing.DateOf(s.cfg.Now()) }

// billingError shows the page for a billing error no field explains:
// not found (404), a refusal said in the screen's language (409), or a
// failure (500).
func (s *Server) billingError(w http.ResponseWriter, r *http.Request, err error) {
	if key, ok := billingNotFound(err); ok {
		s.errorPage(w, r, http.StatusNotFound, key)
		return
	}
	f := prefill(nil)
	if billingFail(f, err, nil) {
		key := f.Problem
		if key == "" { // a field's refusal where no form shows the field
			key = "error.invalid"
		}
		s.errorPage(w, r, http.StatusConflict, key)
		return
	}
	s.ledgerError(w, r, err)
}
