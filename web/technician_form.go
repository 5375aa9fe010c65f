package web

import (
	"net/http"

	"github.com/dezura/dezura/ledger"
)

type technicianFormData struct {
	New         bool
	ID          string
	Action      string
	Back        string
	Contractors []ledger.Contractor
}

var technicianFields = map[error]string{ledger.ErrInvalidPhone: "Phone", ledger.ErrExists: "ID",
	ledger.ErrUnknownContractor: "ContractorID", ledger.ErrForbidden: "ContractorID"}

func (s *Server) technicianNewForm(w http.ResponseWriter, r *http.Request) {
	s.showTechnicianForm(w, r, http.StatusOK, prefill(map[string]string{"Language": "ja"}))
}

func (s *Server) showTechnicianForm(w http.ResponseWriter, r *http.Request, status int, f *form) {
	cs, err := s.contractorChoices(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, "technician_form", page{Title: "techs.add", Nav: "technicians", Form: f,
		Data: technicianFormData{New: true, Action: "/technicians/new", Back: "/technicians", Contractors: cs}})
}

// technicianCreate registers a technician of the account's contractor,
// with an optional security code and phone.
func (s *Server) technicianCreate(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	f.require("ID", "Name")
	t := ledger.TechnicianImport{Technician: ledger.Technician{ID: f.Get("ID"), Name: f.Get("Name"),
		ContractorID: ownContractor(r, f), Language: f.Get("Language")}, SecurityCode: f.Get("SecurityCode"), Phone: f.Get("Phone")}
	if !f.Invalid() {
		err := s.cfg.Ledger.CreateTechnician(r.Context(), userOf(r).Scope(), t)
		if err == nil {
			redirect(w, r, "/technicians/"+t.ID, "added")
			return
		}
		if !f.fail(err, technicianFields) {
			s.ledgerError(w, r, err)
			return
		}
	}
	s.showTechnicianForm(w, r, http.StatusUnprocessableEntity, f)
}

func (s *Server) technicianEditForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	t, err := s.cfg.Ledger.ScopedTechnician(r.Context(), userOf(r).Scope(), id)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	f := prefill(map[string]string{"Name": t.Name, "Language": t.Language})
	s.render(w, r, http.StatusOK, "technician_form", page{Title: "techs.edit", Nav: "technicians", Form: f,
		Data: technicianFormData{ID: id, Action: "/technicians/" + id + "/edit", Back: "/technicians/" + id}})
}

// technicianUpdate changes a technician's name and language.
func (s *Server) technicianUpdate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := newForm(r)
	f.require("Name")
	if !f.Invalid() {
		err := s.cfg.Ledger.UpdateTechnician(r.Context(), userOf(r).Scope(), ledger.Technician{ID: id, Name: f.Get("Name"), Language: f.Get("Language")})
		if err == nil {
			redirect(w, r, "/technicians/"+id, "saved")
			return
		}
		if !f.fail(err, nil) {
			s.ledgerError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "technician_form", page{Title: "techs.edit", Nav: "technicians", Form: f,
		Data: technicianFormData{ID: id, Action: "/technicians/" + id + "/edit", Back: "/technicians/" + id}})
}
