package web

import (
	"context"
	"net/http"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
)

// Cookies: the session (its random ID; the server keeps only its hash),
// the pre-session CSRF token of the sign-in form, and the language. All
// are HttpOnly (no script reads them) and, over HTTPS, Secure with the
// __Host- prefix (only this host, path /, never set over HTTP).
const (
	sessionCookie = "dezura_session"
	csrfCookie    = "dezura_csrf"
	langCookie    = "dezura_lang"
)

// cookieName is name with the __Host- prefix over HTTPS.
func (s *Server) cookieName(name string) string {
	if s.cfg.BehindTLS {
		return "__Host-" + name
	}
	return name
}

// setCookie sets a cookie the way every console cookie is set. The
// session is SameSite=Lax, so a link from a mail opens the console signed
// in; every change is a POST with a CSRF token behind a cross-origin
// check, which Lax does not carry cross-site anyway. The pre-session CSRF
// cookie is Strict.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	same := http.SameSiteLaxMode
	if name == csrfCookie {
		same = http.SameSiteStrictMode
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(name), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.tls(r), SameSite: same})
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	s.setCookie(w, r, name, "", -1)
}

// preSessionToken is the CSRF token of a browser that is not signed in
// (the sign-in and language forms): a random value in a Strict cookie
// that the form must echo (double submit), so another site cannot sign a
// browser in to an account of its choosing.
func (s *Server) preSessionToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.cookieName(csrfCookie)); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	t := access.NewToken()
	s.setCookie(w, r, csrfCookie, t, 0)
	return t
}

// langOf is the language chosen with the switch: Japanese unless English.
func langOf(r *http.Request) string {
	for _, c := range r.Cookies() {
		if (c.Name == langCookie || c.Name == "__Host-"+langCookie) && c.Value == "en" {
			return "en"
		}
	}
	return "ja"
}

// withActor names the signed-in user as the actor of the changes the
// request makes: the ledger writes it to the audit log.
func withActor(ctx context.Context, u access.User) context.Context {
	return ledger.WithActor(ctx, u.Actor())
}
