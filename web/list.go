package web

import (
	"net/http"
	"net/url"

	"github.com/dezura/dezura/ledger"
)

// listPage is what every list screen gets: the query it shows, its page
// of rows, and the link to the next page ("" at the end).
type listPage[T any] struct {
	Query ledger.ListQuery
	Page  ledger.Page[T]
	Next  string
}

// listQuery reads a list's search (q), whether disabled rows are shown
// (all=1) and the page (after).
func listQuery(r *http.Request) ledger.ListQuery {
	q := r.URL.Query()
	return ledger.ListQuery{Search: q.Get("q"), After: q.Get("after"), WithDisabled: q.Get("all") == "1"}
}

// newListPage builds the list screen's data for page p of query lq.
func newListPage[T any](r *http.Request, lq ledger.ListQuery, p ledger.Page[T]) listPage[T] {
	lp := listPage[T]{Query: lq, Page: p}
	if p.Next != "" {
		q := url.Values{}
		if lq.Search != "" {
			q.Set("q", lq.Search)
		}
		if lq.WithDisabled {
			q.Set("all", "1")
		}
		q.Set("after", p.Next)
		lp.Next = r.URL.Path + "?" + q.Encode()
	}
	return lp
}

// history reads the last changes of one object for its page (nil if the
// account may not read history).
func (s *Server) objectHistory(r *http.Request, object string) ([]ledger.Change, error) {
	h, err := s.cfg.Ledger.History(r.Context(), userOf(r).Scope(), ledger.HistoryQuery{Object: object, Limit: 20})
	return h.Rows, err
}

// history is the audit log of everything the account's scope covers.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	after := r.URL.Query().Get("after")
	h, err := s.cfg.Ledger.History(r.Context(), userOf(r).Scope(), ledger.HistoryQuery{After: after})
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	d := listPage[ledger.Change]{Page: h}
	if h.Next != "" {
		d.Next = "/history?after=" + url.QueryEscape(h.Next)
	}
	s.render(w, r, http.StatusOK, "history", page{Title: "history.title", Nav: "history", Data: d})
}

// myEntries is a technician's own work history, newest first.
func (s *Server) myEntries(w http.ResponseWriter, r *http.Request) {
	after := r.URL.Query().Get("after")
	p, err := s.cfg.Ledger.EntriesPage(r.Context(), userOf(r).Scope(), ledger.EntryFilter{}, after)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	d := listPage[ledger.EntryRow]{Page: p}
	if p.Next != "" {
		d.Next = "/me?after=" + url.QueryEscape(p.Next)
	}
	s.render(w, r, http.StatusOK, "me", page{Title: "me.title", Nav: "me", Data: d})
}
