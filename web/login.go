package web

import (
	"errors"
	"net/http"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
)

// home sends each account to its first screen.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	switch {
	case st.sess == nil:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	case st.sess.User.Can(access.ViewBoard):
		http.Redirect(w, r, "/board", http.StatusSeeOther)
	case st.sess.User.Can(access.ViewOwnHistory):
		http.Redirect(w, r, "/me", http.StatusSeeOther)
	case st.sess.User.Can(access.Billing) && s.cfg.Billing != nil:
		http.Redirect(w, r, "/billing", http.StatusSeeOther)
	default:
		s.render(w, r, http.StatusOK, "home", page{Title: "home.title"})
	}
}

type loginData struct {
	Next   string
	Bad    bool
	Locked string // the time sign-in is possible again
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if !localPath(next) {
		next = "/"
	}
	if stateOf(r).sess != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", page{Title: "login.title", Form: prefill(nil), Data: loginData{Next: next}})
}

// login signs in; the browser's earlier session, if any, ends and a new
// session ID is set (no session fixation).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	d := loginData{Next: f.Get("next")}
	if !localPath(d.Next) {
		d.Next = "/"
	}
	if f.require("Login", "Password"); f.Invalid() {
		s.render(w, r, http.StatusBadRequest, "login", page{Title: "login.title", Form: f, Data: d})
		return
	}
	old := ""
	if c, err := r.Cookie(s.cookieName(sessionCookie)); err == nil {
		old = c.Value
	}
	ns, err := s.cfg.Accounts.Login(r.Context(), access.LoginRequest{Login: f.Get("Login"), Password: r.PostForm.Get("Password"),
		IP: s.clientIP(r), UserAgent: r.UserAgent(), OldToken: old})
	var locked *access.LockedError
	switch {
	case errors.As(err, &locked):
		s.log.Warn("sign-in locked out", "login", access.NormalizeLogin(f.Get("Login")), "ip", s.clientIP(r), "account", locked.Account)
		d.Locked = locked.Until.In(ledger.Tokyo).Format("15:04")
		s.render(w, r, http.StatusTooManyRequests, "login", page{Title: "login.title", Form: f, Data: d})
		return
	case errors.Is(err, access.ErrBadLogin):
		s.log.Info("sign-in refused", "login", access.NormalizeLogin(f.Get("Login")), "ip", s.clientIP(r))
		d.Bad = true
		s.render(w, r, http.StatusUnauthorized, "login", page{Title: "login.title", Form: f, Data: d})
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.setCookie(w, r, sessionCookie, ns.Token, int(access.AbsoluteTimeout.Seconds()))
	s.clearCookie(w, r, csrfCookie)
	s.log.Info("signed in", "user", ns.User.Login, "ip", s.clientIP(r))
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// logout ends the session (in the database, not only the cookie).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.cookieName(sessionCookie)); err == nil {
		if err := s.cfg.Accounts.Logout(r.Context(), c.Value); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.clearCookie(w, r, sessionCookie)
	redirect(w, r, "/login", "signedout")
}
