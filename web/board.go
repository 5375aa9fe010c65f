package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/dezura/dezura/ledger"
)

type boardData struct {
	Board ledger.Board
	At    time.Time
	Next  string
}

// boardSites is how many sites one page of the board shows.
const boardSites = 20

// board is 今日の現場: per site of the account's scope, who is in, who has
// left, who is still open from yesterday and what needs review. It
// reloads itself.
func (s *Server) board(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Now()
	after := r.URL.Query().Get("after")
	b, err := s.cfg.Ledger.Board(r.Context(), userOf(r).Scope(), ledger.BoardQuery{Date: ledger.WorkDate(now), After: after, Limit: boardSites})
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	d := boardData{Board: b, At: now}
	if b.Next != "" {
		d.Next = "/board?after=" + url.QueryEscape(b.Next)
	}
	s.render(w, r, http.StatusOK, "board", page{Title: "board.title", Nav: "board", Refresh: int(s.cfg.BoardRefresh.Seconds()), Data: d})
}
