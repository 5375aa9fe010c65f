package web

import (
	"errors"
	"net/http"

	"github.com/dezura/dezura/ledger"
)

// ledgerError shows the page for an error of a ledger or access
// operation that no form field explains: not found (also what is outside
// the account's scope), not allowed, a rule broken, or a failure.
func (s *Server) ledgerError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound, "error.notfound")
	case errors.Is(err, ledger.ErrForbidden):
		s.errorPage(w, r, http.StatusForbidden, "error.forbidden")
	case errors.Is(err, ledger.ErrInvalid):
		s.errorPage(w, r, http.StatusBadRequest, "error.invalid")
	default:
		s.serverError(w, r, err)
	}
}
