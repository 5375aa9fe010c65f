package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/dezura/dezura/ledger/billing"
)

type mandateListData struct {
	Stopped bool
	Rows    []billing.MandateStatus
}

// mandateList lists the account-transfer mandates; ?stopped=1 those the
// payer's bank stopped (the office's to-do list).
func (s *Server) mandateList(w http.ResponseWriter, r *http.Request) {
	stopped := r.URL.Query().Get("stopped") == "1"
	ms, err := s.cfg.Billing.Mandates(r.Context(), stopped)
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "billing_mandates", page{Title: "billing.mandates.title", Nav: "billing",
		Data: mandateListData{Stopped: stopped, Rows: ms}})
}

func (s *Server) mandateNewForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "billing_mandate_form", page{Title: "billing.mandates.set", Nav: "billing",
		Form: prefill(map[string]string{"ContractorID": r.URL.Query().Get("contractor"), "AccountType": "1"})})
}

// mandateEditForm shows a contractor's mandate to change (a new account
// lifts a stop).
func (s *Server) mandateEditForm(w http.ResponseWriter, r *http.Request) {
	m, err := s.cfg.Billing.Mandate(r.Context(), r.PathValue("contractor"))
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "billing_mandate_form", page{Title: "billing.mandates.set", Nav: "billing", Data: m,
		Form: prefill(map[string]string{"ContractorID": m.ContractorID, "BankCode": m.BankCode, "BankName": m.BankName,
			"BranchCode": m.BranchCode, "BranchName": m.BranchName, "AccountType": strconv.Itoa(m.AccountType),
			"AccountNumber": m.AccountNumber, "Holder": m.Holder})})
}

// mandateSet registers or replaces a contractor's mandate (口座振替依頼書);
// names are converted to the bank's half-width kana, or refused.
func (s *Server) mandateSet(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	f.require("ContractorID", "BankCode", "BranchCode", "AccountNumber", "Holder")
	m := billing.Mandate{ContractorID: f.Get("ContractorID"), BankCode: f.Get("BankCode"), BankName: f.Get("BankName"),
		BranchCode: f.Get("BranchCode"), BranchName: f.Get("BranchName"), AccountType: formInt(f, "AccountType", 1),
		AccountNumber: f.Get("AccountNumber"), Holder: f.Get("Holder")}
	if !f.Invalid() {
		_, err := s.cfg.Billing.SetMandate(r.Context(), m)
		if err == nil {
			redirect(w, r, "/billing/mandates", "saved")
			return
		}
		if !billingFail(f, err, map[error]string{billing.ErrUnknownContractor: "ContractorID"}) {
			s.billingError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "billing_mandate_form", page{Title: "billing.mandates.set", Nav: "billing", Form: f})
}

// mandateResume debits a stopped mandate again, once the contractor
// agreed.
func (s *Server) mandateResume(w http.ResponseWriter, r *http.Request) {
	c := r.PathValue("contractor")
	if err := s.cfg.Billing.ResumeMandate(r.Context(), c); err != nil {
		s.billingError(w, r, err)
		return
	}
	redirect(w, r, "/billing/mandates?contractor="+url.QueryEscape(c), "billing.resumed")
}
