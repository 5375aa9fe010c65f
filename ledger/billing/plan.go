package billing

import "fmt"

// Plan is a price list as data: what a subscription on it is charged.
type Plan struct {
	Name          string
	InitialFee    Yen // charged once, with the first year (before tax)
	AnnualFee     Yen // charged on the start date and each anniversary (before tax)
	PerAttendance Yen // per technician-day, billed monthly in arrears (before tax)
	TaxRate       int // percent
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

// Validate checks that the plan can be stored.
func (p Plan) Validate() error {
	switch {
	case p.Name == "" || len(p.Name) > 64:
		return fmt.Errorf("%w: name must be 1 to 64 characters", ErrInvalidPlan)
	case p.InitialFee < 0 || p.AnnualFee < 0 || p.PerAttendance < 0:
		return fmt.Errorf("%w %s: fees must not be negative", ErrInvalidPlan, p.Name)
	case p.TaxRate < 0 || p.TaxRate > 100:
		return fmt.Errorf("%w %s: tax rate %d%% out of range", ErrInvalidPlan, p.Name, p.TaxRate)
	case p.AvailableFrom.IsZero():
		return fmt.Errorf("%w %s: needs a date from which it is available", ErrInvalidPlan, p.Name)
	case !p.AvailableUntil.IsZero() && p.AvailableUntil.Before(p.AvailableFrom):
		return fmt.Errorf("%w %s: available until %s is before %s", ErrInvalidPlan, p.Name, p.AvailableUntil, p.AvailableFrom)
	}
	return nil
}

// AvailableOn reports whether a new subscription may start on d.
func (p Plan) AvailableOn(d Date) bool {
	return !d.Before(p.AvailableFrom) && (p.AvailableUntil.IsZero() || !d.After(p.AvailableUntil))
}
