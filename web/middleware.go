package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/dezura/dezura/ledger/access"
)

// contentSecurityPolicy allows nothing but the console's own files: no
// inline script or style, no frames around it, forms only to itself.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// maxFormBytes bounds a form's body; maxUploadBytes a form with a file
// (a bank's result file, a seal image), of which at most maxFormBytes is
// held in memory and the rest in temporary files.
const (
	maxFormBytes   = 1 << 20
	maxUploadBytes = 64 << 20
)

// secure adds the security headers to every response, refuses
// cross-origin requests that change something (Sec-Fetch-Site and
// Origin, before any CSRF token is looked at), and turns a panic into a
// 500 page.
func (s *Server) secure(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		s.errorPage(w, r, http.StatusForbidden, "error.csrf")
	}))
	inner := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.tls(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic in a console handler", "method", r.Method, "path", r.URL.Path, "panic", v)
				s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
			}
		}()
		inner.ServeHTTP(w, r)
	})
}

// tls reports whether the browser reaches the console over HTTPS.
func (s *Server) tls(r *http.Request) bool { return s.cfg.BehindTLS || r.TLS != nil }

// request is what the middleware learned about a request.
type request struct {
	lang string
	sess *access.NewSession // nil when not signed in
	csrf string             // the token forms carry: the session's, or the pre-session cookie's
}

type requestKey struct{}

func stateOf(r *http.Request) *request {
	if st, ok := r.Context().Value(requestKey{}).(*request); ok {
		return st
	}
	return &request{lang: "ja"}
}

// user is the signed-in user; only routes with a permission call it.
func userOf(r *http.Request) access.User { return stateOf(r).sess.User }

// chain is the middleware of one route: session, actor, permission,
// CSRF, then the handler.
func (s *Server) chain(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		st := &request{lang: langOf(r)}
		if c, err := r.Cookie(s.cookieName(sessionCookie)); err == nil && c.Value != "" {
			sess, err := s.cfg.Accounts.Session(r.Context(), c.Value)
			switch {
			case err == nil:
				st.sess, st.csrf = &sess, sess.CSRF
			case errors.Is(err, access.ErrNoSession):
				s.clearCookie(w, r, sessionCookie)
			default:
				s.serverError(w, r, err)
				return
			}
		}
		if st.sess == nil {
			st.csrf = s.preSessionToken(w, r)
		}
		ctx := context.WithValue(r.Context(), requestKey{}, st)
		if st.sess != nil {
			ctx = withActor(ctx, st.sess.User)
		}
		r = r.WithContext(ctx)
		if rt.Perm != access.PermNone {
			if st.sess == nil {
				s.toLogin(w, r)
				return
			}
			if !st.sess.User.Can(rt.Perm) {
				s.log.Warn("permission refused", "user", st.sess.User.Login, "method", r.Method, "path", r.URL.Path)
				s.errorPage(w, r, http.StatusForbidden, "error.forbidden")
				return
			}
		}
		if rt.Changes() && !s.csrfOK(w, r, st) {
			who := ""
			if st.sess != nil {
				who = st.sess.User.Login
			}
			s.log.Warn("CSRF token refused", "user", who, "method", r.Method, "path", r.URL.Path)
			s.errorPage(w, r, http.StatusForbidden, "error.csrf")
			return
		}
		rt.handler(w, r)
		if r.MultipartForm != nil { // the server cleans up only its own request, not this copy
			r.MultipartForm.RemoveAll()
		}
	})
}

// csrfOK checks the form's token against the session's (or, before
// sign-in, the pre-session cookie's), in constant time.
func (s *Server) csrfOK(w http.ResponseWriter, r *http.Request, st *request) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
		if err := r.ParseMultipartForm(maxFormBytes); err != nil {
			return false
		}
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			return false
		}
	}
	got := r.PostForm.Get("csrf")
	return got != "" && st.csrf != "" && subtle.ConstantTimeCompare([]byte(got), []byte(st.csrf)) == 1
}

// toLogin sends a browser that is not signed in to the sign-in page,
// coming back to the page it asked for (GET) afterwards.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.errorPage(w, r, http.StatusForbidden, "error.signin")
		return
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}

// clientIP is the address sign-in limits count by: the peer's, or behind
// a TLS proxy on this host the address the proxy says it forwarded for
// (its last X-Forwarded-For entry; earlier ones can be forged by anyone).
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if s.cfg.BehindTLS {
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
				parts := strings.Split(xff, ",")
				if fwd := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(fwd) != nil {
					return fwd
				}
			}
		}
	}
	return host
}
