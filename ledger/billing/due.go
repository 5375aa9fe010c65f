package billing

import "fmt"

// Subscription is a contractor's subscription to a plan.
type Subscription struct {
	ID           int64
	ContractorID string
	Recipient    string // name printed on invoices (宛名)
	Plan         string
	Start        Date
	// CancelledOn is the zero Date while active. Periods that start on or
	// after it are not billed; periods already billed are not refunded.
	CancelledOn Date
}

// Charge is one invoice that is due: the unit of idempotency is
// (subscription, kind, period start).
type Charge struct {
	Subscription Subscription
	Kind         Kind
	Period       Period
	IssueOn      Date // when it became due
	Lines        []Line
	// Days is the technician-day count for KindAttendance (0 otherwise).
	Days int
}

// Key identifies a charge for idempotency.
type Key struct {
	SubscriptionID int64
	Kind           Kind
	PeriodStart    Date
}

// Key returns the charge's idempotency key.
func (c Charge) Key() Key { return Key{c.Subscription.ID, c.Kind, c.Period.Start} }

// active reports whether a period starting on d is billed.
func (s Subscription) active(d Date) bool {
	return s.CancelledOn.IsZero() || d.Before(s.CancelledOn)
}

// AnnualDue lists the yearly charges of s that are due on or before asOf:
// the first year (with the plan's initial fee) on the start date and one
// renewal on each anniversary, skipping periods starting on or after the
// cancellation date. It is a pure function of its inputs.
func AnnualDue(s Subscription, p Plan, asOf Date) []Charge {
	var out []Charge
	for k := 0; ; k++ {
		per := YearlyPeriod(s.Start, k)
		if per.Start.After(asOf) || !s.active(per.Start) {
			return out
		}
		var lines []Line
		if k == 0 && p.InitialFee > 0 {
			lines = append(lines, Line{Description: "初期費用", Quantity: 1, UnitPrice: p.InitialFee, Amount: p.InitialFee, TaxRate: p.TaxRate})
		}
		lines = append(lines, Line{
			Description: fmt.Sprintf("基本料金（年額） %s", per),
			Quantity:    1, UnitPrice: p.AnnualFee, Amount: p.AnnualFee, TaxRate: p.TaxRate,
		})
		out = append(out, Charge{Subscription: s, Kind: KindAnnual, Period: per, IssueOn: per.Start, Lines: lines})
	}
}

// ClosedMonths lists the calendar months of s that have closed by asOf (the
// month's last day is before asOf) and overlap the billed part of the
// subscription, each clipped to it. Per-attendance charges are billed for
// these, in arrears. It returns nothing for plans without a per-attendance
// rate.
func ClosedMonths(s Subscription, p Plan, asOf Date) []Period {
	if p.PerAttendance == 0 {
		return nil
	}
	var out []Period
	for m := s.Start.FirstOfMonth(); !m.NextMonth().After(asOf); m = m.NextMonth() {
		per := MonthPeriod(m)
		if per.Start.Before(s.Start) {
			per.Start = s.Start
		}
		if !s.CancelledOn.IsZero() && s.CancelledOn.Before(per.End) {
			per.End = s.CancelledOn
		}
		if !per.Start.Before(per.End) {
			break
		}
		out = append(out, per)
	}
	return out
}

// AttendanceCharge builds the per-attendance charge of one closed month from
// its technician-day count; ok is false when there is nothing to charge.
func AttendanceCharge(s Subscription, p Plan, month Period, days int) (c Charge, ok bool) {
	if days <= 0 || p.PerAttendance == 0 {
		return Charge{}, false
	}
	amount := Yen(days) * p.PerAttendance
	return Charge{
		Subscription: s, Kind: KindAttendance, Period: month, IssueOn: month.End, Days: days,
		Lines: []Line{{
			Description: fmt.Sprintf("出面料金 %s（%d人日）", month, days),
			Quantity:    int64(days), UnitPrice: p.PerAttendance, Amount: amount, TaxRate: p.TaxRate,
		}},
	}, true
}
