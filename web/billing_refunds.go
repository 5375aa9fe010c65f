package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/dezura/dezura/ledger/billing"
)

// refundList shows the 総合振込 batches of refunds and the form that
// writes the next one.
func (s *Server) refundList(w http.ResponseWriter, r *http.Request) {
	s.showRefunds(w, r, http.StatusOK, s.payerForm())
}

// payerForm is the refund-file form filled with the paying account the
// console was started with.
func (s *Server) payerForm() *form {
	p := s.cfg.Payer
	lead := p.LeadDays
	if lead == 0 {
		lead = billing.DefaultLeadDays
	}
	return prefill(map[string]string{"PayerCode": p.Code, "PayerName": p.Name, "PayerBank": p.BankCode, "PayerBranch": p.BranchCode,
		"PayerAccountType": strconv.Itoa(max(p.AccountType, 1)), "PayerAccount": p.AccountNumber, "LeadDays": strconv.Itoa(lead)})
}

func (s *Server) showRefunds(w http.ResponseWriter, r *http.Request, status int, f *form) {
	bs, err := s.cfg.Billing.RefundBatches(r.Context())
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	s.render(w, r, status, "billing_refunds", page{Title: "billing.refunds.title", Nav: "billing", Form: f, Data: bs})
}

// refundFile writes the 総合振込 file that pays every refund due into
// the account of the contractor's mandate, on a bank business day.
func (s *Server) refundFile(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	f.require("PayerCode", "PayerName", "PayerBank", "PayerBranch", "PayerAccount")
	on := formDay(f, "PayOn", true)
	p := billing.Payer{Code: f.Get("PayerCode"), Name: f.Get("PayerName"), BankCode: f.Get("PayerBank"), BranchCode: f.Get("PayerBranch"),
		AccountType: formInt(f, "PayerAccountType", 1), AccountNumber: f.Get("PayerAccount"), LeadDays: formInt(f, "LeadDays", billing.DefaultLeadDays)}
	if !f.Invalid() {
		batch, err := s.cfg.Billing.PrepareRefunds(r.Context(), on, p)
		if err == nil {
			data, merr := billing.MarshalCreditTransferFile(batch.File, f.Get("CRLF") == "1")
			if merr == nil {
				download(w, "text/plain; charset=Shift_JIS", "sougou-furikomi-"+strings.ReplaceAll(on.String(), "-", "")+".txt", data)
				return
			}
			err = merr
		}
		if !billingFail(f, err, map[error]string{billing.ErrNotBusinessDay: "PayOn", billing.ErrTooLate: "PayOn",
			billing.ErrNoHolidayData: "PayOn", billing.ErrInvalidKana: "PayerName", billing.ErrFieldTooLong: "PayerName"}) {
			s.billingError(w, r, err)
			return
		}
	}
	s.showRefunds(w, r, http.StatusUnprocessableEntity, f)
}

// refundConfirm records the refunds of a batch the bank paid.
func (s *Server) refundConfirm(w http.ResponseWriter, r *http.Request) {
	s.refundClose(w, r, s.cfg.Billing.ConfirmRefunds, "billing.refunds_paid")
}

// refundWithdraw takes back a batch the bank did not pay: its refunds are
// due again.
func (s *Server) refundWithdraw(w http.ResponseWriter, r *http.Request) {
	s.refundClose(w, r, s.cfg.Billing.WithdrawRefunds, "billing.withdrawn")
}

func (s *Server) refundClose(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, on billing.Date) (int, billing.Yen, error), notice string) {
	on, err := billing.ParseDate(r.PathValue("date"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	if _, _, err := op(r.Context(), on); err != nil {
		s.billingError(w, r, err)
		return
	}
	redirect(w, r, "/billing/refunds", notice)
}
