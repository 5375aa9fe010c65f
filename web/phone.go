package web

import (
	"net/http"

	"github.com/dezura/dezura/ledger"
)

// phoneList lists the numbers of the account's technicians and foremen.
func (s *Server) phoneList(w http.ResponseWriter, r *http.Request) {
	lq := listQuery(r)
	p, err := s.cfg.Ledger.PhonesPage(r.Context(), userOf(r).Scope(), lq)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "phone_list", page{Title: "phones.title", Nav: "phones", Data: newListPage(r, lq, p)})
}

type phoneFormData struct {
	New         bool
	E164        string
	Action      string
	Contractors []ledger.Contractor
}

var phoneFields = map[error]string{ledger.ErrInvalidPhone: "E164", ledger.ErrExists: "E164",
	ledger.ErrUnknownTechnician: "TechnicianID", ledger.ErrUnknownContractor: "ContractorID", ledger.ErrForbidden: "TechnicianID"}

// phoneFromForm reads whose number it is: a technician's, or a foreman
// phone of the contractor (Kind=foreman).
func phoneFromForm(r *http.Request, f *form) ledger.Phone {
	p := ledger.Phone{E164: f.Get("E164")}
	if f.Get("Kind") == "foreman" {
		p.ContractorID = ownContractor(r, f)
	} else {
		f.require("TechnicianID")
		p.TechnicianID = f.Get("TechnicianID")
	}
	return p
}

func (s *Server) showPhoneForm(w http.ResponseWriter, r *http.Request, status int, f *form, d phoneFormData) {
	cs, err := s.contractorChoices(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Contractors = cs
	title := "phones.edit"
	if d.New {
		title = "phones.add"
	}
	s.render(w, r, status, "phone_form", page{Title: title, Nav: "phones", Form: f, Data: d})
}

func (s *Server) phoneNewForm(w http.ResponseWriter, r *http.Request) {
	s.showPhoneForm(w, r, http.StatusOK, prefill(nil), phoneFormData{New: true, Action: "/phones/new"})
}

// phoneCreate registers a number, typed in any usual form (090-1234-5678).
func (s *Server) phoneCreate(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	f.require("E164")
	p := phoneFromForm(r, f)
	if !f.Invalid() {
		err := s.cfg.Ledger.CreatePhone(r.Context(), userOf(r).Scope(), p)
		if err == nil {
			redirect(w, r, "/phones", "added")
			return
		}
		if !f.fail(err, phoneFields) {
			s.ledgerError(w, r, err)
			return
		}
	}
	s.showPhoneForm(w, r, http.StatusUnprocessableEntity, f, phoneFormData{New: true, Action: "/phones/new"})
}

// phonePath is the number of the path (E.164 without its +).
func phonePath(r *http.Request) string { return "+" + r.PathValue("number") }

func (s *Server) phoneEditForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.cfg.Ledger.ScopedPhone(r.Context(), userOf(r).Scope(), phonePath(r))
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	kind := "technician"
	if p.TechnicianID == "" {
		kind = "foreman"
	}
	f := prefill(map[string]string{"Kind": kind, "TechnicianID": p.TechnicianID, "ContractorID": p.ContractorID})
	s.showPhoneForm(w, r, http.StatusOK, f, phoneFormData{E164: p.E164, Action: "/phones/" + phoneKey(p.E164) + "/edit"})
}

// phoneUpdate gives the number to another technician or makes it a
// foreman phone.
func (s *Server) phoneUpdate(w http.ResponseWriter, r *http.Request) {
	e164 := phonePath(r)
	f := newForm(r)
	p := phoneFromForm(r, f)
	p.E164 = e164
	if !f.Invalid() {
		err := s.cfg.Ledger.UpdatePhone(r.Context(), userOf(r).Scope(), p)
		if err == nil {
			redirect(w, r, "/phones", "saved")
			return
		}
		if !f.fail(err, phoneFields) {
			s.ledgerError(w, r, err)
			return
		}
	}
	s.showPhoneForm(w, r, http.StatusUnprocessableEntity, f, phoneFormData{E164: e164, Action: "/phones/" + phoneKey(e164) + "/edit"})
}

func (s *Server) phoneDisable(w http.ResponseWriter, r *http.Request) { s.phoneToggle(w, r, true) }
func (s *Server) phoneEnable(w http.ResponseWriter, r *http.Request)  { s.phoneToggle(w, r, false) }

func (s *Server) phoneToggle(w http.ResponseWriter, r *http.Request, disabled bool) {
	if err := s.cfg.Ledger.SetPhoneDisabled(r.Context(), userOf(r).Scope(), phonePath(r), disabled); err != nil {
		s.ledgerError(w, r, err)
		return
	}
	redirect(w, r, "/phones?all=1", toggledNotice(disabled))
}
