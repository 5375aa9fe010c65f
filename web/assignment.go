package web

import (
	"net/http"

	"github.com/dezura/dezura/ledger"
)

var assignmentFields = map[error]string{ledger.ErrUnknownTechnician: "TechnicianID", ledger.ErrExists: "TechnicianID"}

// assignmentCreate assigns a technician to the site (from the site page).
func (s *Server) assignmentCreate(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	f := newForm(r)
	f.require("TechnicianID")
	if !f.Invalid() {
		err := s.cfg.Ledger.CreateAssignment(r.Context(), userOf(r).Scope(), ledger.Assignment{SiteCode: code,
			TechnicianID: f.Get("TechnicianID"), Trade: f.Get("Trade"), Role: f.Get("Role")})
		if err == nil {
			redirect(w, r, "/sites/"+code, "added")
			return
		}
		if !f.fail(err, assignmentFields) {
			s.ledgerError(w, r, err)
			return
		}
	}
	s.showSite(w, r, http.StatusUnprocessableEntity, code, f)
}

type assignmentData struct{ Row ledger.AssignmentRow }

// assignment finds the assignment of the path in the site's list.
func (s *Server) assignment(r *http.Request) (ledger.AssignmentRow, error) {
	code, tech := r.PathValue("code"), r.PathValue("tech")
	rows, err := s.cfg.Ledger.SiteAssignments(r.Context(), userOf(r).Scope(), code)
	if err != nil {
		return ledger.AssignmentRow{}, err
	}
	for _, a := range rows {
		if a.TechnicianID == tech {
			return a, nil
		}
	}
	return ledger.AssignmentRow{}, ledger.NotFound(nil, "technician %s is not assigned to site %s", tech, code)
}

func (s *Server) assignmentEditForm(w http.ResponseWriter, r *http.Request) {
	a, err := s.assignment(r)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	f := prefill(map[string]string{"Trade": a.Trade, "Role": a.Role})
	s.render(w, r, http.StatusOK, "assignment_form", page{Title: "assign.edit", Nav: "sites", Form: f, Data: assignmentData{a}})
}

// assignmentUpdate changes the trade and role of an assignment.
func (s *Server) assignmentUpdate(w http.ResponseWriter, r *http.Request) {
	a, err := s.assignment(r)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	f := newForm(r)
	err = s.cfg.Ledger.UpdateAssignment(r.Context(), userOf(r).Scope(), ledger.Assignment{SiteCode: a.SiteCode,
		TechnicianID: a.TechnicianID, Trade: f.Get("Trade"), Role: f.Get("Role")})
	if err == nil {
		redirect(w, r, "/sites/"+a.SiteCode, "saved")
		return
	}
	if !f.fail(err, nil) {
		s.ledgerError(w, r, err)
		return
	}
	s.render(w, r, http.StatusUnprocessableEntity, "assignment_form", page{Title: "assign.edit", Nav: "sites", Form: f, Data: assignmentData{a}})
}

func (s *Server) assignmentDisable(w http.ResponseWriter, r *http.Request) {
	s.assignmentToggle(w, r, true)
}
func (s *Server) assignmentEnable(w http.ResponseWriter, r *http.Request) {
	s.assignmentToggle(w, r, false)
}

func (s *Server) assignmentToggle(w http.ResponseWriter, r *http.Request, disabled bool) {
	code := r.PathValue("code")
	if err := s.cfg.Ledger.SetAssignmentDisabled(r.Context(), userOf(r).Scope(), code, r.PathValue("tech"), disabled); err != nil {
		s.ledgerError(w, r, err)
		return
	}
	redirect(w, r, "/sites/"+code, toggledNotice(disabled))
}
