package web

import (
	"net/http"

	"github.com/dezura/dezura/ledger"
)

type technicianShowData struct {
	Tech    ledger.TechnicianRow
	History []ledger.Change
}

// technicianShow is one technician with the security code form and the
// history of changes.
func (s *Server) technicianShow(w http.ResponseWriter, r *http.Request) {
	s.showTechnician(w, r, http.StatusOK, prefill(nil))
}

func (s *Server) showTechnician(w http.ResponseWriter, r *http.Request, status int, f *form) {
	id := r.PathValue("id")
	t, err := s.cfg.Ledger.ScopedTechnician(r.Context(), userOf(r).Scope(), id)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	d := technicianShowData{Tech: t}
	if d.History, err = s.objectHistory(r, "technician:"+id); err != nil {
		s.ledgerError(w, r, err)
		return
	}
	s.render(w, r, status, "technician_show", page{Title: "techs.title", Nav: "technicians", Form: f, Data: d})
}

func (s *Server) technicianDisable(w http.ResponseWriter, r *http.Request) {
	s.technicianToggle(w, r, true)
}
func (s *Server) technicianEnable(w http.ResponseWriter, r *http.Request) {
	s.technicianToggle(w, r, false)
}

func (s *Server) technicianToggle(w http.ResponseWriter, r *http.Request, disabled bool) {
	id := r.PathValue("id")
	if err := s.cfg.Ledger.SetTechnicianDisabled(r.Context(), userOf(r).Scope(), id, disabled); err != nil {
		s.ledgerError(w, r, err)
		return
	}
	redirect(w, r, "/technicians/"+id, toggledNotice(disabled))
}

// securityCode sets or resets the card's security code (never shown
// back), or removes it (remove=1).
func (s *Server) securityCode(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := newForm(r)
	code := f.Get("SecurityCode")
	if r.PostForm.Get("remove") == "1" {
		code = ""
	} else {
		f.require("SecurityCode")
	}
	if !f.Invalid() {
		err := s.cfg.Ledger.SetSecurityCode(r.Context(), userOf(r).Scope(), id, code)
		if err == nil {
			redirect(w, r, "/technicians/"+id, "code")
			return
		}
		if !f.fail(err, nil) {
			s.ledgerError(w, r, err)
			return
		}
	}
	s.showTechnician(w, r, http.StatusUnprocessableEntity, f)
}
