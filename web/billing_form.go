package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/billing"
)

// billingRules are the message keys of billing's refusals, the most
// specific first (ErrInvalidTaxRate is an ErrInvalidPlan too).
var billingRules = []struct {
	kind error
	key  string
}{
	{billing.ErrFutureDate, "billing.rule.future"},
	{billing.ErrBackdated, "billing.rule.backdated"},
	{billing.ErrNotBusinessDay, "billing.rule.not_business_day"},
	{billing.ErrTooLate, "billing.rule.too_late"},
	{billing.ErrNoHolidayData, "billing.rule.no_holidays"},
	{billing.ErrInvalidAmount, "billing.rule.amount"},
	{billing.ErrInvalidDate, "rule.date"},
	{billing.ErrUnknownContractor, "billing.rule.unknown_contractor"},
	{billing.ErrContractorDisabled, "billing.rule.contractor_disabled"},
	{billing.ErrAlreadySubscribed, "billing.rule.subscribed"},
	{billing.ErrPlanNotAvailable, "billing.rule.plan_closed"},
	{billing.ErrUnknownPlan, "billing.rule.unknown_plan"},
	{billing.ErrPlanExists, "billing.rule.plan_exists"},
	{billing.ErrAlreadyCancelled, "billing.rule.cancelled"},
	{billing.ErrAlreadyVoided, "billing.rule.voided"},
	{billing.ErrNotVoidable, "billing.rule.credit_note"},
	{billing.ErrInvalidPayment, "billing.rule.payment"},
	{billing.ErrInvalidWriteOff, "billing.rule.write_off"},
	{billing.ErrInvalidRefund, "billing.rule.refund"},
	{billing.ErrInvalidCredit, "billing.rule.credit"},
	{billing.ErrInvalidEmail, "billing.rule.email"},
	{billing.ErrNoEmail, "billing.rule.no_email"},
	{billing.ErrNothingToCollect, "billing.rule.nothing_to_collect"},
	{billing.ErrUnknownBatch, "billing.rule.unknown_batch"},
	{billing.ErrInvalidKana, "billing.rule.kana"},
	{billing.ErrFieldTooLong, "billing.rule.kana_too_long"},
	{billing.ErrMalformedRecord, "billing.rule.malformed"},
	{billing.ErrNoIssuer, "billing.rule.no_issuer"},
	{billing.ErrIssuerMismatch, "billing.rule.no_issuer"},
	{billing.ErrInvalidMandate, "billing.rule.mandate"},
	{billing.ErrNothingToPrint, "billing.rule.nothing_to_print"},
	{billing.ErrFontMissing, "billing.rule.font"},
	{billing.ErrUnencodable, "billing.rule.unencodable"},
	{billing.ErrInvalidFilter, "billing.rule.filter"},
}

// billingFail puts a billing error beside the field it is about, with
// the date or amount that would do: a billing.FieldError names its field
// (its Go name: "Bank.AccountNumber" is the form's "AccountNumber",
// "SealPNG" its "Seal"); fields maps the other refusals to the form's
// fields. A refusal of no field is said above the form. It reports
// false for an error that is no refusal (the handler shows a page).
func billingFail(f *form, err error, fields map[error]string) bool {
	var fe *billing.FieldError
	if errors.As(err, &fe) {
		name := strings.TrimPrefix(fe.Field, "Bank.")
		if name == "SealPNG" {
			name = "Seal"
		}
		f.Errors[name] = "billing.rule." + fe.Rule
		return true
	}
	for _, r := range billingRules {
		if !errors.Is(err, r.kind) {
			continue
		}
		key, args := adviceOf(err, r.key)
		field, ok := fields[r.kind]
		if !ok {
			f.Problem = r.key
			return true
		}
		f.Errors[field] = key
		if len(args) > 0 {
			if f.Args == nil {
				f.Args = map[string][]any{}
			}
			f.Args[field] = args
		}
		return true
	}
	return false
}

// adviceOf is the message of a refusal that says what would do: the key
// with ".date" or ".max" and the date or amount.
func adviceOf(err error, key string) (string, []any) {
	var da *billing.DateAdvice
	var aa *billing.AmountAdvice
	switch {
	case errors.As(err, &da) && !da.Earliest.IsZero():
		return key + ".date", []any{da.Earliest}
	case errors.As(err, &da) && !da.Latest.IsZero():
		return key + ".date", []any{da.Latest}
	case errors.As(err, &aa):
		return key + ".max", []any{aa.Max}
	}
	return key, nil
}

// billingNotFound reports an error about something that does not exist
// (a number in the path): the page for it.
func billingNotFound(err error) (string, bool) {
	for _, kind := range []error{billing.ErrUnknownInvoice, billing.ErrUnknownSubscription, billing.ErrUnknownPlan, billing.ErrNoMandate,
		billing.ErrAmbiguousInvoice, ledger.ErrNotFound} {
		if errors.Is(err, kind) {
			return "error.notfound", true
		}
	}
	return "", false
}

// formDay reads a date field (YYYY-MM-DD); an empty one is the zero
// Date, marked on the form if required.
func formDay(f *form, name string, required bool) billing.Date {
	v := f.Get(name)
	if v == "" {
		if required {
			f.Errors[name] = "rule.required"
		}
		return billing.Date{}
	}
	d, err := billing.ParseDate(v)
	if err != nil {
		f.Errors[name] = "rule.date"
	}
	return d
}

// formYen reads an amount typed as people in Japan write it (16,500,
// 16500, 16,500円, full-width digits); billing reads it.
func formYen(f *form, name string, required bool) billing.Yen {
	v := f.Get(name)
	if v == "" {
		if required {
			f.Errors[name] = "rule.required"
		}
		return 0
	}
	y, err := billing.ParseYen(v)
	if err != nil {
		f.Errors[name] = "billing.rule.amount"
	}
	return y
}

// formInt reads a small whole number (an account type, a tax rate, days);
// empty is def.
func formInt(f *form, name string, def int) int {
	v := f.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.Errors[name] = "rule.digits"
	}
	return n
}

// yenInput is an amount as a form shows it: 16,500.
func yenInput(y billing.Yen) string { return groupThousands(int64(y)) }
