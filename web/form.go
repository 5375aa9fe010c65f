package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
)

// form is a submitted (or prefilled) form: its values and, per field, the
// message key of what is wrong with it.
type form struct {
	Values  url.Values
	Errors  map[string]string
	Problem string // message key about the whole form
	// Args are, per field, the arguments of its error message (a date or
	// an amount that would do); nil for most.
	Args map[string][]any
}

func newForm(r *http.Request) *form {
	return &form{Values: r.PostForm, Errors: map[string]string{}}
}

func prefill(values map[string]string) *form {
	f := &form{Values: url.Values{}, Errors: map[string]string{}}
	for k, v := range values {
		f.Values.Set(k, v)
	}
	return f
}

// Get is a field's value, trimmed.
func (f *form) Get(field string) string {
	if f == nil {
		return ""
	}
	return strings.TrimSpace(f.Values.Get(field))
}

// Invalid reports whether any field has an error.
func (f *form) Invalid() bool { return len(f.Errors) > 0 || f.Problem != "" }

// require marks every empty field of fields.
func (f *form) require(fields ...string) {
	for _, k := range fields {
		if f.Get(k) == "" {
			f.Errors[k] = "rule.required"
		}
	}
}

// fail puts err from the ledger beside the field it is about: a
// FieldError names its field and rule; an invalid phone number, an
// unknown technician or site are put beside the field fields maps them
// to. It returns false for an error no field explains (the handler shows
// a page for it).
func (f *form) fail(err error, fields map[error]string) bool {
	var fe *ledger.FieldError
	if errors.As(err, &fe) {
		f.Errors[fe.Field] = "rule." + fe.Rule
		return true
	}
	for kind, field := range fields {
		if errors.Is(err, kind) {
			f.Errors[field] = ruleOf(kind)
			return true
		}
	}
	return false
}

func ruleOf(kind error) string {
	switch {
	case errors.Is(kind, ledger.ErrInvalidPhone):
		return "rule." + ledger.RulePhone
	case errors.Is(kind, ledger.ErrExists):
		return "rule." + ledger.RuleTaken
	case errors.Is(kind, ledger.ErrForbidden):
		return "rule." + access.RuleRoleNotAllowed
	}
	return "rule." + ledger.RuleUnknown
}

// field is one input as the "field" partial template draws it.
type field struct {
	Name, Label, Value, Error, Kind, Hint string
}

// inputField builds the arguments of the "field" partial: the form's
// value and error for name, the label's message key, the kind of input
// (text, tel, digits, date, password) and an optional hint key.
func inputField(f *form, name, label, kind string, hint ...string) field {
	fl := field{Name: name, Label: label, Kind: kind}
	if f != nil {
		fl.Value, fl.Error = f.Values.Get(name), f.Errors[name]
	}
	if kind == "password" {
		fl.Value = "" // a password is never written back into a page
	}
	if len(hint) > 0 {
		fl.Hint = hint[0]
	}
	return fl
}
