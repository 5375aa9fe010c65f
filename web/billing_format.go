package web

import (
	"html/template"
	"strconv"
	"time"

	"github.com/dezura/dezura/ledger/billing"
)

// billingFuncs are the template functions of the billing screens, bound
// to one language: money as 16,500円, dates as 2026年12月5日(土), codes
// by their names.
func billingFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		"money":    func(y billing.Yen) string { return formatYen(lang, int64(y)) },
		"day":      func(d billing.Date) string { return billingDate(lang, d) },
		"dayInput": func(d billing.Date) string { return d.String() },
		"yenInput": yenInput,
		"tr": func(key string, args []any) string {
			return translate(lang, key, localize(lang, args)...)
		},
		"bfield": billingInput,
		"result": func(c billing.ResultCode) string {
			return translateOr(lang, "billing.code."+c.String(), c.Japanese())
		},
		"kind": func(k billing.Kind) string { return translateOr(lang, "billing.kind."+k.String(), k.String()) },
		"age":  func(a billing.Age) string { return translateOr(lang, "billing.age."+a.String(), a.String()) },
		"accountType": func(n int) string {
			return translateOr(lang, "billing.account_type."+strconv.Itoa(n), strconv.Itoa(n))
		},
		"mailState": func(s string) string { return translateOr(lang, "billing.mail.state."+s, s) },
		"channel":   func(s string) string { return translateOr(lang, "billing.channel."+s, s) },
		"stamp": func(s string) string { // an RFC 3339 time billing keeps as text
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return s
			}
			return formatDateTime(lang, t)
		},
		"neg":     func(y billing.Yen) billing.Yen { return -y },
		"rowForm": rowForm,
		"bankSet": newBankFieldset,
		"inRow":   func(bf billingField, row string) billingField { bf.ID = bf.Name + "-" + row; return bf },
	}
}

// rowForm is the form of one row of a list whose rows each have a form
// (close a plan, cancel a subscription): f itself for the row whose form
// was posted (f's field key is id), its values without errors for the
// others.
func rowForm(f *form, key, id string) *form {
	if f == nil || f.Get(key) == id {
		return f
	}
	return &form{Values: f.Values, Errors: map[string]string{}}
}

// billingDate is a billing date as people read it ("" for none).
func billingDate(lang string, d billing.Date) string {
	if d.IsZero() {
		return ""
	}
	return formatDate(lang, d.Time())
}

// localize formats a message's arguments in the language: dates and
// amounts of billing the way its readers write them.
func localize(lang string, args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case billing.Date:
			out[i] = billingDate(lang, v)
		case billing.Yen:
			out[i] = formatYen(lang, int64(v))
		default:
			out[i] = a
		}
	}
	return out
}

// billingField is one input of a billing form: the "bfield" partial
// draws it, with its error's arguments.
type billingField struct {
	field
	Args []any
	ID   string // the input's id without "f-": Name, or Name-row in a row's form
}

// billingInput builds the arguments of the "bfield" partial: the form's
// value, error and error arguments for name, the label's message key, the
// kind of input (text, date, yen, digits, email, file) and an optional
// hint key.
func billingInput(f *form, name, label, kind string, hint ...string) billingField {
	bf := billingField{field: inputField(f, name, label, kind, hint...), ID: name}
	if f != nil {
		bf.Args = f.Args[name]
	}
	return bf
}

// bankFieldset is the company's part of a bank-file form (the
// "bankFields" partial): its fields are named Prefix+"Code", ...
type bankFieldset struct {
	Form                         *form
	Prefix                       string
	Legend, CodeLabel, NameLabel string // message keys
}

func newBankFieldset(f *form, prefix string) bankFieldset {
	if prefix == "Payer" {
		return bankFieldset{f, prefix, "billing.refunds.payer", "billing.refunds.payer_code", "billing.refunds.payer_name"}
	}
	return bankFieldset{f, prefix, "billing.transfers.collector", "billing.transfers.collector_code", "billing.transfers.collector_name"}
}
