package web

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
)

// invoiceStates are the states the invoice list filters by, in order.
var invoiceStates = []billing.InvoiceState{billing.InvoiceAny, billing.InvoiceUnpaid, billing.InvoiceSettled,
	billing.InvoiceRefundDue, billing.InvoiceVoided, billing.InvoiceCreditNote}

type invoiceListData struct {
	States []billing.InvoiceState
	Page   ledger.Page[billing.Invoice]
	Next   string
}

// invoiceList lists invoices and credit notes, newest first, by issue
// dates, contractor, number and state, a page at a time.
func (s *Server) invoiceList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := prefill(map[string]string{"From": q.Get("From"), "To": q.Get("To"), "Contractor": q.Get("Contractor"),
		"Number": q.Get("Number"), "State": q.Get("State")})
	iq := billing.InvoiceQuery{From: formDay(f, "From", false), To: formDay(f, "To", false), ContractorID: f.Get("Contractor"),
		Number: f.Get("Number"), After: q.Get("after")}
	st, err := billing.ParseInvoiceState(f.Get("State"))
	if err != nil {
		f.Errors["State"] = "billing.rule.filter"
	}
	iq.State = st
	d := invoiceListData{States: invoiceStates}
	status := http.StatusOK
	if f.Invalid() {
		status = http.StatusUnprocessableEntity
	} else if d.Page, err = s.cfg.Billing.InvoicePage(r.Context(), iq); err != nil {
		if !billingFail(f, err, nil) {
			s.billingError(w, r, err)
			return
		}
		status = http.StatusUnprocessableEntity
	}
	if d.Page.Next != "" {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("after", d.Page.Next)
		d.Next = "/billing/invoices?" + next.Encode()
	}
	s.render(w, r, status, "billing_invoices", page{Title: "billing.invoices.title", Nav: "billing", Form: f, Data: d})
}

// invoiceShow shows an invoice or credit note with its payments, credit
// notes, copies handed out and history, and the forms that act on it.
func (s *Server) invoiceShow(w http.ResponseWriter, r *http.Request) {
	s.showInvoice(w, r, http.StatusOK, nil)
}

// showInvoice draws the invoice page; posted is the form of an action
// that was refused (its errors beside its fields), nil for none.
func (s *Server) showInvoice(w http.ResponseWriter, r *http.Request, status int, posted *form) {
	d, err := s.cfg.Billing.InvoiceDetail(r.Context(), r.PathValue("number"))
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	today := s.today().String()
	f := prefill(map[string]string{"PayAmount": yenInput(max(d.Balance(), 0)), "PayDate": today, "PayMethod": "振込",
		"WODate": today, "WOReason": "振込手数料差引", "VoidDate": today, "CreditDate": today,
		"RefundAmount": yenInput(d.Refundable), "RefundDate": today, "RefundMethod": "振込"})
	if posted != nil {
		for k, v := range posted.Values {
			f.Values[k] = v
		}
		f.Errors, f.Args, f.Problem = posted.Errors, posted.Args, posted.Problem
	}
	s.render(w, r, status, "billing_invoice", page{Title: "billing.invoice.title", Nav: "billing", Form: f, Data: d})
}

// invoicePDF hands out the invoice as an A4 PDF: the first copy is the
// original, every later one says 再発行 (billing records each copy).
func (s *Server) invoicePDF(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	if s.cfg.BillingFont == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "billing.rule.font")
		return
	}
	var pdf bytes.Buffer
	rep, err := s.cfg.Billing.IssuePDF(r.Context(), &pdf, s.cfg.BillingFont, number, "")
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	if len(rep.Missing) > 0 {
		s.log.Warn("invoice PDF has characters the font lacks", "number", number, "missing", string(rep.Missing))
	}
	download(w, "application/pdf", number+".pdf", pdf.Bytes())
}

// download sends a file to save.
func download(w http.ResponseWriter, contentType, name string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// invoiceAction is what an action on the invoice page does with the
// posted form: it reads the form, calls one billing operation and says
// where to go (a credit note it issued; "": the invoice) with which
// notice, or returns the error that refused it with the form's fields
// that explain it.
type invoiceAction func(r *http.Request, f *form, number string) (to, notice string, fields map[error]string, err error)

// invoiceDo runs an action of the invoice page: after it, back to the
// invoice with a notice; a refusal is shown beside its field on the
// invoice page.
func (s *Server) invoiceDo(w http.ResponseWriter, r *http.Request, act invoiceAction) {
	f := newForm(r)
	number := r.PathValue("number")
	to, notice, fields, err := act(r, f, number)
	switch {
	case f.Invalid() && err == nil:
	case err == nil:
		if to == "" {
			to = number
		}
		redirect(w, r, "/billing/invoices/"+url.PathEscape(to), notice)
		return
	case errors.Is(err, billing.ErrUnknownInvoice), !billingFail(f, err, fields):
		s.billingError(w, r, err)
		return
	}
	s.showInvoice(w, r, http.StatusUnprocessableEntity, f)
}
