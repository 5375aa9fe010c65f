package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/dezura/dezura/ledger/billing"
)

// maxResultFile bounds a bank's result file: 120 bytes a record, and a
// little more for line ends, for a quarter of a million transfers.
const maxResultFile = 40 << 20

type transfersData struct {
	Batches []billing.TransferBatch
}

// transferList shows the account-transfer batches, the form that writes
// the request file (口座振替依頼データ) for the bank, and the form that
// reads the bank's result file.
func (s *Server) transferList(w http.ResponseWriter, r *http.Request) {
	s.showTransfers(w, r, http.StatusOK, s.collectorForm())
}

// collectorForm is the request-file form filled with the collector's
// details the console was started with.
func (s *Server) collectorForm() *form { return bankForm("Collector", s.cfg.Collector) }

// bankForm is a bank-file form filled with a company's details, its
// fields named prefix+"Code", prefix+"Name", ... ("Collector" for account
// transfer, "Payer" for refunds).
func bankForm(prefix string, c billing.Collector) *form {
	lead := c.LeadDays
	if lead == 0 {
		lead = billing.DefaultLeadDays
	}
	return prefill(map[string]string{prefix + "Code": c.Code, prefix + "Name": c.Name, prefix + "Bank": c.BankCode,
		prefix + "Branch": c.BranchCode, prefix + "AccountType": strconv.Itoa(max(c.AccountType, 1)), prefix + "Account": c.AccountNumber,
		"LeadDays": strconv.Itoa(lead)})
}

// bankFromForm reads a company's details from a bank-file form.
func bankFromForm(f *form, prefix string) billing.Collector {
	f.require(prefix+"Code", prefix+"Name", prefix+"Bank", prefix+"Branch", prefix+"Account")
	return billing.Collector{Code: f.Get(prefix + "Code"), Name: f.Get(prefix + "Name"), BankCode: f.Get(prefix + "Bank"),
		BranchCode: f.Get(prefix + "Branch"), AccountType: formInt(f, prefix+"AccountType", 1), AccountNumber: f.Get(prefix + "Account"),
		LeadDays: formInt(f, "LeadDays", billing.DefaultLeadDays)}
}

func (s *Server) showTransfers(w http.ResponseWriter, r *http.Request, status int, f *form) {
	bs, err := s.cfg.Billing.TransferBatches(r.Context())
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	s.render(w, r, status, "billing_transfers", page{Title: "billing.transfers.title", Nav: "billing", Form: f, Data: transfersData{Batches: bs}})
}

// bankFields are the form fields the refusals of a bank file are about.
var bankFields = map[error]string{billing.ErrNotBusinessDay: "CollectOn", billing.ErrTooLate: "CollectOn",
	billing.ErrNoHolidayData: "CollectOn", billing.ErrInvalidDate: "CollectOn", billing.ErrInvalidKana: "CollectorName",
	billing.ErrFieldTooLong: "CollectorName"}

// transferFile writes the request file for a collection date: every
// unpaid invoice due by then whose contractor has a mandate that is not
// stopped. The date must be a bank business day the bank can still
// reach; writing the same date again gives the same file.
func (s *Server) transferFile(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	c := bankFromForm(f, "Collector")
	on := formDay(f, "CollectOn", true)
	if !f.Invalid() {
		tf, err := s.cfg.Billing.PrepareTransfers(r.Context(), on, c)
		if err == nil {
			data, merr := billing.MarshalTransferFile(tf, f.Get("CRLF") == "1")
			if merr == nil {
				download(w, "text/plain; charset=Shift_JIS", "kouza-furikae-"+strings.ReplaceAll(on.String(), "-", "")+".txt", data)
				return
			}
			err = merr
		}
		if !billingFail(f, err, bankFields) {
			s.billingError(w, r, err)
			return
		}
	}
	s.showTransfers(w, r, http.StatusUnprocessableEntity, f)
}

// transferWithdraw takes back a batch the bank has not processed: its
// invoices go into the next request.
func (s *Server) transferWithdraw(w http.ResponseWriter, r *http.Request) {
	s.closeBatch(w, r, s.cfg.Billing.WithdrawTransfers, "/billing/transfers", "billing.withdrawn")
}

// closeBatch ends the bank batch of the path's date with op (withdrawn,
// or confirmed paid) and goes back to its list with a notice.
func (s *Server) closeBatch(w http.ResponseWriter, r *http.Request, op func(context.Context, billing.Date) (int, billing.Yen, error), back, notice string) {
	on, err := billing.ParseDate(r.PathValue("date"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	if _, _, err := op(r.Context(), on); err != nil {
		s.billingError(w, r, err)
		return
	}
	redirect(w, r, back, notice)
}

type transferResultData struct {
	Outcomes []billing.TransferOutcome
	Summary  billing.TransferSummary
}

// transferResult reads the bank's result file (uploaded): collected ones
// become payments, failures are kept, payer-side stops flag the mandate.
// The report lists every record; money collected under a customer
// number this database never requested is listed apart with its sum,
// after the rest of the file was recorded. Reading a file twice records
// nothing the second time.
func (s *Server) transferResult(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	data, err := uploaded(r, "File")
	if err != nil {
		f.Errors["File"] = "billing.rule.file"
		s.showTransfers(w, r, http.StatusUnprocessableEntity, s.withCollector(f))
		return
	}
	outcomes, err := s.cfg.Billing.ApplyTransferResult(r.Context(), data)
	if outcomes == nil && err != nil {
		if errors.Is(err, billing.ErrMalformedRecord) {
			f.Errors["File"], f.Args = "billing.rule.result_file", map[string][]any{"File": {strings.TrimPrefix(err.Error(), billing.ErrMalformedRecord.Error()+": ")}}
			s.showTransfers(w, r, http.StatusUnprocessableEntity, s.withCollector(f))
			return
		}
		s.billingError(w, r, err)
		return
	}
	if err != nil && !errors.Is(err, billing.ErrUnknownCollected) {
		s.billingError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "billing_transfer_result", page{Title: "billing.result.title", Nav: "billing",
		Data: transferResultData{Outcomes: outcomes, Summary: billing.Summarize(outcomes)}})
}

// withCollector adds the request-file form's values to f.
func (s *Server) withCollector(f *form) *form {
	for k, v := range s.collectorForm().Values {
		if _, ok := f.Values[k]; !ok {
			f.Values[k] = v
		}
	}
	return f
}

// uploaded reads the file of a multipart form's field.
func uploaded(r *http.Request, field string) ([]byte, error) {
	file, _, err := r.FormFile(field)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxResultFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) == 0 || len(data) > maxResultFile {
		return nil, errors.New("web: empty or too large upload")
	}
	return data, nil
}
