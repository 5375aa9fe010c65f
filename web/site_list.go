package web

import "net/http"

// siteList lists the account's sites, by code as a number.
func (s *Server) siteList(w http.ResponseWriter, r *http.Request) {
	lq := listQuery(r)
	p, err := s.cfg.Ledger.SitesPage(r.Context(), userOf(r).Scope(), lq)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "site_list", page{Title: "sites.title", Nav: "sites", Data: newListPage(r, lq, p)})
}
