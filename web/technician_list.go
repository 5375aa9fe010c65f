package web

import "net/http"

// technicianList lists the account's technicians by ID.
func (s *Server) technicianList(w http.ResponseWriter, r *http.Request) {
	lq := listQuery(r)
	p, err := s.cfg.Ledger.TechniciansPage(r.Context(), userOf(r).Scope(), lq)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "technician_list", page{Title: "techs.title", Nav: "technicians", Data: newListPage(r, lq, p)})
}
