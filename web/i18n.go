package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
)

// translate is the catalogue's text of key in lang, formatted with args;
// a key the catalogue lacks shows as !key (a test checks there is none).
func translate(lang, key string, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		return "!" + key
	}
	s := m[0]
	if lang == "en" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// templateFuncs are the functions templates call, bound to one language.
func templateFuncs(lang string) template.FuncMap {
	fm := template.FuncMap{
		"t":         func(key string, args ...any) string { return translate(lang, key, args...) },
		"phone":     ledger.FormatPhoneNational,
		"date":      func(v any) string { return formatDate(lang, v) },
		"datetime":  func(t time.Time) string { return formatDateTime(lang, t) },
		"clock":     formatClock,
		"yen":       func(n int64) string { return formatYen(lang, n) },
		"number":    formatNumber,
		"dateInput": formatWorkDateInput,
		"field":     inputField,
		"role":      func(r access.Role) string { return translate(lang, "role."+r.String()) },
		"roles":     access.Roles,
		"status":    func(s ledger.EntryStatus) string { return translate(lang, "status."+s.String()) },
		"changes":   func(c ledger.Change) []changedField { return changedFields(c) },
		"action":    func(a string) string { return translateOr(lang, "action."+a, a) },
		"phoneKey":  phoneKey,
		"toggle": func(action string, disabled bool, csrf string) toggleArgs {
			return toggleArgs{Action: action, Disabled: disabled, CSRF: csrf}
		},
	}
	maps.Copy(fm, billingFuncs(lang)) // the billing screens' (billing_format.go)
	return fm
}

func translateOr(lang, key, fallback string) string {
	if _, ok := catalogue[key]; !ok {
		return fallback
	}
	return translate(lang, key)
}

// toggleArgs are the arguments of the "toggleForm" partial: a disable or
// re-enable button posting to Action + "/disable" or "/enable".
type toggleArgs struct {
	Action   string
	Disabled bool
	CSRF     string
}

// changedField is one field of an audit record that a change set.
type changedField struct {
	Name, Before, After string
}

// changedFields lists what a change changed, from its before and after
// records (JSON objects), by field name.
func changedFields(c ledger.Change) []changedField {
	var before, after map[string]any
	_ = json.Unmarshal([]byte(c.Before), &before) // "" for an add: no fields before
	_ = json.Unmarshal([]byte(c.After), &after)
	var out []changedField
	for k, v := range after {
		was, had := before[k]
		if had && fmt.Sprint(was) == fmt.Sprint(v) {
			continue
		}
		cf := changedField{Name: k, After: fmt.Sprint(v)}
		if had {
			cf.Before = fmt.Sprint(was)
		}
		out = append(out, cf)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// phoneKey is a number as the phone pages' paths carry it: E.164 without
// its +.
func phoneKey(e164 string) string {
	if len(e164) > 0 && e164[0] == '+' {
		return e164[1:]
	}
	return e164
}

// setLanguage switches the console's language (a cookie for a year) and
// goes back to the page the switch was on.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PostForm.Get("lang")
	if !slices.Contains(languages, lang) {
		lang = languages[0]
	}
	s.setCookie(w, r, langCookie, lang, 365*24*3600)
	back := r.PostForm.Get("back")
	if !localPath(back) {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// localPath reports whether p is a path on this site (not //host or a
// scheme), safe to redirect to.
func localPath(p string) bool {
	return len(p) > 0 && p[0] == '/' && (len(p) == 1 || (p[1] != '/' && p[1] != '\\'))
}
