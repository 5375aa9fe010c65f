package web

import (
	"net/http"

	"github.com/dezura/dezura/ledger"
)

type siteShowData struct {
	Site        ledger.Site
	Assignments []ledger.AssignmentRow
	History     []ledger.Change
}

// siteShow is one site: its details, its assignments (施工体制) with the
// form to add one, and its history.
func (s *Server) siteShow(w http.ResponseWriter, r *http.Request) {
	s.showSite(w, r, http.StatusOK, r.PathValue("code"), prefill(nil))
}

func (s *Server) showSite(w http.ResponseWriter, r *http.Request, status int, code string, f *form) {
	sc := userOf(r).Scope()
	st, err := s.cfg.Ledger.ScopedSite(r.Context(), sc, code)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	d := siteShowData{Site: st}
	if d.Assignments, err = s.cfg.Ledger.SiteAssignments(r.Context(), sc, code); err != nil {
		s.ledgerError(w, r, err)
		return
	}
	if d.History, err = s.objectHistory(r, "site:"+code); err != nil {
		s.ledgerError(w, r, err)
		return
	}
	s.render(w, r, status, "site_show", page{Title: "sites.title", Nav: "sites", Form: f, Data: d})
}

// siteDisable closes a site to new check-ins; siteEnable opens it again.
func (s *Server) siteDisable(w http.ResponseWriter, r *http.Request) { s.siteToggle(w, r, true) }
func (s *Server) siteEnable(w http.ResponseWriter, r *http.Request)  { s.siteToggle(w, r, false) }

func (s *Server) siteToggle(w http.ResponseWriter, r *http.Request, disabled bool) {
	code := r.PathValue("code")
	if err := s.cfg.Ledger.SetSiteDisabled(r.Context(), userOf(r).Scope(), code, disabled); err != nil {
		s.ledgerError(w, r, err)
		return
	}
	redirect(w, r, "/sites/"+code, toggledNotice(disabled))
}

func toggledNotice(disabled bool) string {
	if disabled {
		return "disabled"
	}
	return "enabled"
}
