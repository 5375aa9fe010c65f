package web

import (
	"net/http"

	"github.com/dezura/dezura/ledger/billing"
)

// contactList lists where each contractor's invoices are mailed, with
// the form that sets (or, left empty, removes) an address.
func (s *Server) contactList(w http.ResponseWriter, r *http.Request) {
	s.showContacts(w, r, http.StatusOK, prefill(map[string]string{"ContractorID": r.URL.Query().Get("contractor")}))
}

func (s *Server) showContacts(w http.ResponseWriter, r *http.Request, status int, f *form) {
	cs, err := s.cfg.Billing.Contacts(r.Context())
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	s.render(w, r, status, "billing_contacts", page{Title: "billing.contacts.title", Nav: "billing", Form: f, Data: cs})
}

// contactSet stores the address a contractor's invoices are mailed to;
// without one they go into the print batch.
func (s *Server) contactSet(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	f.require("ContractorID")
	if !f.Invalid() {
		err := s.cfg.Billing.SetContact(r.Context(), f.Get("ContractorID"), f.Get("Email"))
		if err == nil {
			redirect(w, r, "/billing/contacts", "saved")
			return
		}
		if !billingFail(f, err, map[error]string{billing.ErrInvalidEmail: "Email", billing.ErrUnknownContractor: "ContractorID"}) {
			s.billingError(w, r, err)
			return
		}
	}
	s.showContacts(w, r, http.StatusUnprocessableEntity, f)
}
