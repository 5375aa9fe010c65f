package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/dezura/dezura/ledger/access"
)

//go:embed all:templates static
var files embed.FS

// languages the console speaks; the first is the default.
var languages = []string{"ja", "en"}

// views are the templates, parsed once at start: per language, per page,
// the page with the layout and the partials (templates/_*.html).
type views struct {
	pages map[string]map[string]*template.Template
}

func parseViews() (*views, error) {
	v := &views{pages: map[string]map[string]*template.Template{}}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, lang := range languages {
		base, err := template.New("").Funcs(templateFuncs(lang)).ParseFS(files, "templates/_*.html")
		if err != nil {
			return nil, err
		}
		v.pages[lang] = map[string]*template.Template{}
		for _, n := range names {
			name := strings.TrimSuffix(path.Base(n), ".html")
			if strings.HasPrefix(name, "_") {
				continue
			}
			t, err := template.Must(base.Clone()).ParseFS(files, n)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
			v.pages[lang][name] = t
		}
	}
	return v, nil
}

// page is what every template gets.
type page struct {
	Lang    string
	User    *access.User // nil when not signed in
	CSRF    string
	Title   string // message key
	Nav     string // the menu item to mark
	Notice  string // message key of what the last action did
	Refresh int    // seconds before the page reloads itself (0: never)
	Path    string // this page, for the language switch to come back to
	Form    *form
	Data    any
}

// permissionNames are the permissions templates ask for with .Can.
var permissionNames = map[string]access.Permission{
	"ViewBoard": access.ViewBoard, "ViewRecords": access.ViewRecords, "EditRecords": access.EditRecords,
	"ViewEntries": access.ViewEntries, "EditEntries": access.EditEntries, "ViewCalls": access.ViewCalls,
	"Export": access.Export, "ViewOwnHistory": access.ViewOwnHistory, "ManageUsers": access.ManageUsers,
	"ViewHistory": access.ViewHistory, "Billing": access.Billing,
}

// Can reports whether the signed-in user has the named permission.
func (p page) Can(name string) bool {
	perm, ok := permissionNames[name]
	if !ok {
		panic("web: template asks for unknown permission " + name)
	}
	return p.User != nil && p.User.Can(perm)
}

// notices are the ?ok= values a redirect after a change may carry, each a
// message key.
var notices = map[string]string{
	"saved": "notice.saved", "added": "notice.added", "disabled": "notice.disabled", "enabled": "notice.enabled",
	"code": "notice.code", "password": "notice.password", "signedout": "notice.signedout",
}

// render writes page name with status, in the request's language.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	st := stateOf(r)
	p.Lang, p.CSRF, p.Path = st.lang, st.csrf, r.URL.RequestURI()
	if st.sess != nil {
		u := st.sess.User
		p.User = &u
	}
	if p.Notice == "" {
		p.Notice = notices[r.URL.Query().Get("ok")]
	}
	t := s.views.pages[p.Lang][name]
	if t == nil {
		s.serverError(w, r, fmt.Errorf("no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.serverError(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage says what went wrong and what to do, with status.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "error", page{Title: "error.title", Data: message})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "error.notfound")
}

// serverError logs err and shows a page that says nothing of it.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("console request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	t := s.views.pages[stateOf(r).lang]["error"]
	if t == nil || t.ExecuteTemplate(w, "layout", page{Lang: stateOf(r).lang, Title: "error.title", Data: "error.internal"}) != nil {
		fmt.Fprint(w, "internal error")
	}
}

// redirect sends the browser on after a change (POST, then GET), with a
// notice of what was done.
func redirect(w http.ResponseWriter, r *http.Request, to, notice string) {
	if notice != "" {
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "ok=" + notice
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func staticHandler() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}
