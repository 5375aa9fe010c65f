package web

import (
	"net/http"

	"github.com/dezura/dezura/ledger/billing"
)

// The actions of the invoice page: money in, money back, credit notes
// and mail. Each reads its own fields (named after it, so that an error
// shows beside the form it was made in) and calls one billing operation.

// invoicePay records money received, typed as 16,500 or 16500.
func (s *Server) invoicePay(w http.ResponseWriter, r *http.Request) {
	s.invoiceDo(w, r, func(r *http.Request, f *form, number string) (string, string, map[error]string, error) {
		f.require("PayMethod")
		amount, on := formYen(f, "PayAmount", true), formDay(f, "PayDate", true)
		if f.Invalid() {
			return "", "", nil, nil
		}
		_, err := s.cfg.Billing.Pay(r.Context(), number, "", amount, on, f.Get("PayMethod"), f.Get("PayReference"))
		return "", "billing.paid", map[error]string{billing.ErrInvalidPayment: "PayAmount", billing.ErrBackdated: "PayDate"}, err
	})
}

// invoiceWriteOff forgives a short payment with a reason.
func (s *Server) invoiceWriteOff(w http.ResponseWriter, r *http.Request) {
	s.invoiceDo(w, r, func(r *http.Request, f *form, number string) (string, string, map[error]string, error) {
		f.require("WOReason")
		amount, on := formYen(f, "WOAmount", true), formDay(f, "WODate", true)
		if f.Invalid() {
			return "", "", nil, nil
		}
		_, err := s.cfg.Billing.WriteOff(r.Context(), number, amount, on, f.Get("WOReason"))
		return "", "billing.written_off", map[error]string{billing.ErrInvalidWriteOff: "WOAmount", billing.ErrBackdated: "WODate"}, err
	})
}

// invoiceVoid cancels the whole invoice with a credit note (適格返還請求書)
// for all that stands, and goes to the credit note.
func (s *Server) invoiceVoid(w http.ResponseWriter, r *http.Request) {
	s.invoiceDo(w, r, func(r *http.Request, f *form, number string) (string, string, map[error]string, error) {
		f.require("VoidReason")
		on := formDay(f, "VoidDate", true)
		if f.Invalid() {
			return "", "", nil, nil
		}
		credit, err := s.cfg.Billing.Void(r.Context(), number, "", on, f.Get("VoidReason"))
		return credit.Number, "billing.voided", map[error]string{billing.ErrBackdated: "VoidDate", billing.ErrInvalidCredit: "VoidDate"}, err
	})
}

// invoiceCredit takes back part of an invoice: a credit note for an
// amount before tax.
func (s *Server) invoiceCredit(w http.ResponseWriter, r *http.Request) {
	s.invoiceDo(w, r, func(r *http.Request, f *form, number string) (string, string, map[error]string, error) {
		f.require("CreditReason")
		amount, on := formYen(f, "CreditAmount", true), formDay(f, "CreditDate", true)
		if amount <= 0 && f.Errors["CreditAmount"] == "" {
			f.Errors["CreditAmount"] = "billing.rule.positive"
		}
		if f.Invalid() {
			return "", "", nil, nil
		}
		credit, err := s.cfg.Billing.Credit(r.Context(), billing.CreditRequest{Number: number, On: on, Reason: f.Get("CreditReason"), Amount: amount})
		return credit.Number, "billing.credited", map[error]string{billing.ErrInvalidCredit: "CreditAmount", billing.ErrBackdated: "CreditDate"}, err
	})
}

// invoiceRefund records money paid back against a credit note (or an
// invoice paid more than it asked).
func (s *Server) invoiceRefund(w http.ResponseWriter, r *http.Request) {
	s.invoiceDo(w, r, func(r *http.Request, f *form, number string) (string, string, map[error]string, error) {
		f.require("RefundMethod")
		amount, on := formYen(f, "RefundAmount", true), formDay(f, "RefundDate", true)
		if f.Invalid() {
			return "", "", nil, nil
		}
		_, err := s.cfg.Billing.Refund(r.Context(), number, amount, on, f.Get("RefundMethod"), f.Get("RefundReference"))
		return "", "billing.refunded", map[error]string{billing.ErrInvalidRefund: "RefundAmount", billing.ErrBackdated: "RefundDate"}, err
	})
}

// invoiceResend queues the document to be mailed again, marked 再発行.
func (s *Server) invoiceResend(w http.ResponseWriter, r *http.Request) {
	s.invoiceDo(w, r, func(r *http.Request, f *form, number string) (string, string, map[error]string, error) {
		err := s.cfg.Billing.QueueResend(r.Context(), number, f.Get("ResendTo"))
		return "", "billing.resend", map[error]string{billing.ErrInvalidEmail: "ResendTo", billing.ErrNoEmail: "ResendTo"}, err
	})
}
