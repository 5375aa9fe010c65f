package web

import (
	"net/http"
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
func (s *Server) payerForm() *form { return bankForm("Payer", billing.Collector(s.cfg.Payer)) }

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
	p := billing.Payer(bankFromForm(f, "Payer"))
	on := formDay(f, "PayOn", true)
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
	s.closeBatch(w, r, s.cfg.Billing.ConfirmRefunds, "/billing/refunds", "billing.refunds_paid")
}

// refundWithdraw takes back a batch the bank did not pay: its refunds are
// due again.
func (s *Server) refundWithdraw(w http.ResponseWriter, r *http.Request) {
	s.closeBatch(w, r, s.cfg.Billing.WithdrawRefunds, "/billing/refunds", "billing.withdrawn")
}
