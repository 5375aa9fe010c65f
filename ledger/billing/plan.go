package billing

import (
	"fmt"

	"github.com/dezura/dezura/ledger"
)

// Plan is a price list as data: what a subscription on it is charged.
type Plan struct {
	Name          string
	InitialFee    Yen // charged once, with the first year (before tax)
	AnnualFee     Yen // charged on the start date and each anniversary (before tax)
	PerAttendance Yen // per technician-day, billed monthly in arrears (before tax)
	TaxRate       int // percent: StandardTaxRate, or ReducedTaxRate with ReducedRate
	// ReducedRate says the plan's items are reduced-rate items (軽減税率
	// 対象品目: food, newspapers), taxed at ReducedTaxRate and marked ※
	// on invoices. Stored as the rate: a plan at 8 % is reduced-rate.
	ReducedRate bool
	// New subscriptions may start on the plan from AvailableFrom up to and
	// including AvailableUntil (zero: no end). Existing subscriptions keep
	// renewing after the window closes.
	AvailableFrom  Date
	AvailableUntil Date
}

// CampaignPlan is the plan of the campaign in the CCUS operations report of
// February 2024, item 5(4): no initial fee, no monthly per-attendance (出面)
// charge, 15,000 yen a year before tax (16,500 yen with 10 % tax), from
// 2023-10-16. The migrations seed it.
var CampaignPlan = Plan{
	Name:          "campaign-2023",
	InitialFee:    0,
	AnnualFee:     15000,
	PerAttendance: 0,
	TaxRate:       10,
	AvailableFrom: Date{2023, 10, 16},
}

// The consumption tax rates (消費税法第29条, 附則 on the reduced rate):
// a telephone service is standard-rated.
const (
	StandardTaxRate = 10
	ReducedTaxRate  = 8
)

// Validate checks that the plan can be stored.
func (p Plan) Validate() error {
	switch {
	case p.Name == "" || len(p.Name) > 64:
		return fieldError("Name", "length", fmt.Errorf("%w: name must be 1 to 64 characters", ErrInvalidPlan))
	case p.InitialFee < 0:
		return fieldError("InitialFee", "negative", fmt.Errorf("%w %s: fees must not be negative", ErrInvalidPlan, p.Name))
	case p.AnnualFee < 0:
		return fieldError("AnnualFee", "negative", fmt.Errorf("%w %s: fees must not be negative", ErrInvalidPlan, p.Name))
	case p.PerAttendance < 0:
		return fieldError("PerAttendance", "negative", fmt.Errorf("%w %s: fees must not be negative", ErrInvalidPlan, p.Name))
	case p.ReducedRate && p.TaxRate != ReducedTaxRate:
		return fieldError("TaxRate", "reduced_rate", ledger.NewError(ErrInvalidTaxRate,
			"plan %s is for reduced-rate items (軽減税率), taxed at %d%%, not %d%%", p.Name, ReducedTaxRate, p.TaxRate))
	case p.TaxRate == ReducedTaxRate && !p.ReducedRate:
		return fieldError("TaxRate", "not_reduced", ledger.NewError(ErrInvalidTaxRate,
			"%d%% is the reduced rate, only for reduced-rate items (food, newspapers); this service is taxed at %d%%."+
				" If the plan really sells a reduced-rate item, say so (--reduced-rate)", p.TaxRate, StandardTaxRate))
	case p.TaxRate != StandardTaxRate && p.TaxRate != ReducedTaxRate:
		return fieldError("TaxRate", "tax_rate", ledger.NewError(ErrInvalidTaxRate,
			"tax rate %d%%: consumption tax is %d%% (%d%% for reduced-rate items)", p.TaxRate, StandardTaxRate, ReducedTaxRate))
	case p.AvailableFrom.IsZero():
		return fieldError("AvailableFrom", "required", fmt.Errorf("%w %s: needs a date from which it is available", ErrInvalidPlan, p.Name))
	case !p.AvailableUntil.IsZero() && p.AvailableUntil.Before(p.AvailableFrom):
		return fieldError("AvailableUntil", "date_order", fmt.Errorf("%w %s: available until %s is before %s",
			ErrInvalidPlan, p.Name, p.AvailableUntil, p.AvailableFrom))
	}
	return nil
}

// AvailableOn reports whether a new subscription may start on d.
func (p Plan) AvailableOn(d Date) bool {
	return !d.Before(p.AvailableFrom) && (p.AvailableUntil.IsZero() || !d.After(p.AvailableUntil))
}
