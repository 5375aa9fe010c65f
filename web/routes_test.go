package web_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// walk says how the route walker calls one route with contractor A's
// records.
type walk struct {
	path string     // the path, for A's records
	form url.Values // what A's admin posts (a valid form)
	// kind: "object" (the path names A's record), "list" (a list or form
	// with no record in the path: outsiders may see it, without A's
	// records), "create" (adds a record: an outsider's lands in his own
	// contractor or is refused), "public" (no account needed), "billing"
	// (billing staff's and the operator's only: every other account gets
	// 403; walkMore says who else calls it, and how).
	kind string
}

// walkTable has a line for every route of the console. A route missing
// here fails TestRouteWalk: add its line (with A's record in the path) so
// that its tenant isolation and CSRF check are tested.
func walkTable(c *console) map[string]walk {
	a := c.ts.A
	site, tech, phone := "/sites/"+a.OtherSite, "/technicians/"+a.Loner, "/phones/"+strings.TrimPrefix(a.Phone, "+")
	assign := site + "/assignments/" + a.Loner
	user := "/users/" + strconv.FormatInt(c.users["clerk.a"].ID, 10)
	v := func(kv ...string) url.Values {
		f := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	table := map[string]walk{
		"GET /{$}":                       {"/", nil, "public"},
		"GET /login":                     {"/login", nil, "public"},
		"POST /login":                    {"/login", nil, "public"},
		"POST /logout":                   {"/logout", nil, "public"},
		"POST /lang":                     {"/lang", v("lang", "en", "back", "/"), "public"},
		"GET /board":                     {"/board", nil, "list"},
		"GET /sites":                     {"/sites?all=1", nil, "list"},
		"GET /sites/new":                 {"/sites/new", nil, "list"},
		"POST /sites/new":                {"/sites/new", v("Code", "991", "Name", "追加現場", "ContractorID", a.Contractor), "create"},
		"GET /sites/{code}":              {site, nil, "object"},
		"GET /sites/{code}/edit":         {site + "/edit", nil, "object"},
		"POST /sites/{code}/edit":        {site + "/edit", v("Name", a.Marker+"改名現場"), "object"},
		"POST /sites/{code}/disable":     {site + "/disable", nil, "object"},
		"POST /sites/{code}/enable":      {site + "/enable", nil, "object"},
		"POST /sites/{code}/assignments": {site + "/assignments", v("TechnicianID", a.Foreman, "Trade", "型枠工"), "object"},
		"GET /sites/{code}/assignments/{tech}/edit":     {assign + "/edit", nil, "object"},
		"POST /sites/{code}/assignments/{tech}/edit":    {assign + "/edit", v("Trade", "鳶工", "Role", "職長"), "object"},
		"POST /sites/{code}/assignments/{tech}/disable": {assign + "/disable", nil, "object"},
		"POST /sites/{code}/assignments/{tech}/enable":  {assign + "/enable", nil, "object"},
		"GET /technicians":                              {"/technicians?all=1", nil, "list"},
		"GET /technicians/new":                          {"/technicians/new", nil, "list"},
		"POST /technicians/new":                         {"/technicians/new", v("ID", "19999999999991", "Name", "追加 技能者", "Language", "ja", "ContractorID", a.Contractor), "create"},
		"GET /technicians/{id}":                         {tech, nil, "object"},
		"GET /technicians/{id}/edit":                    {tech + "/edit", nil, "object"},
		"POST /technicians/{id}/edit":                   {tech + "/edit", v("Name", a.Marker+" 改名", "Language", "en"), "object"},
		"POST /technicians/{id}/disable":                {tech + "/disable", nil, "object"},
		"POST /technicians/{id}/enable":                 {tech + "/enable", nil, "object"},
		"POST /technicians/{id}/security-code":          {tech + "/security-code", v("SecurityCode", "2468"), "object"},
		"GET /phones":                                   {"/phones?all=1", nil, "list"},
		"GET /phones/new":                               {"/phones/new", nil, "list"},
		"POST /phones/new":                              {"/phones/new", v("E164", "090-9999-0001", "Kind", "technician", "TechnicianID", a.Loner), "create"},
		"GET /phones/{number}/edit":                     {phone + "/edit", nil, "object"},
		"POST /phones/{number}/edit":                    {phone + "/edit", v("Kind", "technician", "TechnicianID", a.Loner), "object"},
		"POST /phones/{number}/disable":                 {phone + "/disable", nil, "object"},
		"POST /phones/{number}/enable":                  {phone + "/enable", nil, "object"},
		"GET /users":                                    {"/users?all=1", nil, "list"},
		"GET /users/new":                                {"/users/new", nil, "list"},
		"POST /users/new":                               {"/users/new", v("Login", "newclerk.a", "Name", "新 事務", "Role", "clerk", "ContractorID", a.Contractor, "Password", "a long new password"), "create"},
		"GET /users/{id}/edit":                          {user + "/edit", nil, "object"},
		"POST /users/{id}/edit":                         {user + "/edit", v("Name", a.Marker+" 事務 改名", "Role", "clerk"), "object"},
		"POST /users/{id}/password":                     {user + "/password", v("Password", "another long password"), "object"},
		"GET /me":                                       {"/me", nil, "list"},
		"GET /history":                                  {"/history", nil, "list"},
	}
	maps.Copy(table, billingWalkTable(c)) // billing_routes_test.go
	return table
}

// TestRouteWalk: every route has a line in walkTable; contractor B's
// accounts (admin, clerk, foreman, technician), and A's own foreman and
// technician, get 403 or 404 for every route on A's records that they may
// not reach, see none of A's records in lists, and change nothing of A's;
// then A's admin gets every page and makes every change.
func TestRouteWalk(t *testing.T) {
	for _, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			c := newConsole(t, kind, nil)
			table := walkTable(c)
			var routes []string
			for _, rt := range c.srv.Routes() {
				routes = append(routes, rt.Pattern)
				if _, ok := table[rt.Pattern]; !ok {
					t.Errorf("route %q has no line in walkTable: add one with contractor A's record in the path", rt.Pattern)
				}
			}
			for p := range table {
				if !slices.Contains(routes, p) {
					t.Errorf("walkTable has %q, which is no route", p)
				}
			}
			before := c.auditCount(t)
			for _, login := range []string{"admin.b", "clerk.b", "foreman.b", "tech.b", "foreman.a", "tech.a"} {
				b := c.signedIn(t, login)
				for _, rt := range c.srv.Routes() {
					w := table[rt.Pattern]
					outsider(t, c, b, login, rt.Method(), w)
				}
			}
			// What B's accounts added went to B; A's records are as they were.
			if n := c.auditCount(t); n != before+c.outsiderCreates(t) {
				t.Errorf("%d audit records after the outsiders, want %d (only their own additions)", n, before+c.outsiderCreates(t))
			}
			owner(t, c, table)
		})
	}
}

// outsider calls one route as login and checks it did not reach A.
func outsider(t *testing.T, c *console, b *browser, login, method string, w walk) {
	t.Helper()
	if w.kind == "public" {
		return
	}
	form := url.Values{}
	for k, vs := range w.form {
		form[k] = vs
	}
	if w.kind == "create" {
		uniquify(form, login)
	}
	var res *http.Response
	var page string
	if method == http.MethodGet {
		res, page = b.get(w.path)
	} else {
		res, page = b.post(w.path, form)
	}
	where := fmt.Sprintf("%s %s %s", login, method, w.path)
	switch w.kind {
	case "billing":
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403 (billing staff's screen)", where, res.StatusCode)
		}
	case "object":
		if res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 403 or 404", where, res.StatusCode)
		}
	case "list":
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 200 or 403", where, res.StatusCode)
		}
		if strings.HasSuffix(login, ".b") && strings.Contains(page, c.ts.A.Marker) {
			t.Errorf("%s: the page shows A's records (%s)", where, c.ts.A.Marker)
		}
	case "create":
		if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 303 (in his own contractor), 403 or 422", where, res.StatusCode)
		}
		if res.StatusCode == http.StatusSeeOther {
			c.created = append(c.created, where)
		}
	}
	if strings.Contains(page, "!") && strings.Contains(page, "!error.") {
		t.Errorf("%s: a message is missing from the catalogue", where)
	}
}

// uniquify makes an outsider's new record's keys his own, so that what he
// adds does not collide with what A's admin adds later.
func uniquify(f url.Values, login string) {
	n := strconv.Itoa(len(login)*7 + int(login[0]) + int(login[len(login)-1]))
	for _, k := range []string{"Code", "ID", "Login"} {
		if v := f.Get(k); v != "" {
			f.Set(k, v[:len(v)-len(n)]+n)
		}
	}
	if v := f.Get("E164"); v != "" {
		f.Set("E164", "0909999"+fmt.Sprintf("%04s", n))
	}
}

// outsiderCreates is how many records outsiders added (each in their own
// contractor): one audit record each.
func (c *console) outsiderCreates(t *testing.T) int { return len(c.created) }

// owner: A's admin (billing staff for billing's routes) gets every page
// of the table and makes every change.
func owner(t *testing.T, c *console, table map[string]walk) {
	browsers := map[string]*browser{}
	for _, rt := range c.srv.Routes() {
		w := table[rt.Pattern]
		if w.kind == "public" || rt.Pattern == "GET /me" {
			continue
		}
		more := c.walkMore[rt.Pattern]
		who := more.who
		if who == "" {
			who = "admin.a"
		}
		b := browsers[who]
		if b == nil {
			b = c.signedIn(t, who)
			browsers[who] = b
		}
		want := more.want
		if want == 0 {
			want = map[bool]int{true: http.StatusOK, false: http.StatusSeeOther}[rt.Method() == http.MethodGet]
		}
		var res *http.Response
		var page string
		switch {
		case rt.Method() == http.MethodGet:
			res, page = b.get(w.path)
		case more.files != nil:
			res, page = b.postFiles(w.path, w.form, more.files)
		default:
			form := url.Values{}
			for k, vs := range w.form {
				form[k] = vs
			}
			res, page = b.post(w.path, form)
		}
		if res.StatusCode != want {
			t.Errorf("%s %s %s: status %d, want %d\n%s", who, rt.Method(), w.path, res.StatusCode, want, problem(page))
		}
	}
}

// problem is the part of a page that says what is wrong.
func problem(page string) string {
	var out []string
	for _, l := range strings.Split(page, "\n") {
		if strings.Contains(l, `class="err"`) || strings.Contains(l, `class="problem"`) {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return strings.Join(out, "\n")
}
