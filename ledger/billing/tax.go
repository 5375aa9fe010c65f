package billing

import "sort"

// Yen is an amount of money in whole yen.
type Yen int64

// Line is one line of an invoice or credit note.
type Line struct {
	Description string
	Quantity    int64
	UnitPrice   Yen
	Amount      Yen // Quantity × UnitPrice
	TaxRate     int // percent, e.g. 10
}

// RateTotal is the part of an invoice charged at one tax rate.
type RateTotal struct {
	Rate     int // percent
	Subtotal Yen // before tax
	Tax      Yen
}

// TaxByRate groups lines by tax rate and computes the consumption tax of each
// group, rounding down once per invoice per rate as the qualified invoice
// rules require (消費税法施行令 第70条の10): 15,000 yen at 10 % is 1,500 yen.
// Negative groups (credit notes) are rounded toward zero. The result is
// ordered by rate, highest first.
func TaxByRate(lines []Line) []RateTotal {
	byRate := map[int]Yen{}
	for _, l := range lines {
		byRate[l.TaxRate] += l.Amount
	}
	out := make([]RateTotal, 0, len(byRate))
	for rate, sub := range byRate {
		out = append(out, RateTotal{Rate: rate, Subtotal: sub, Tax: sub * Yen(rate) / 100})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rate > out[j].Rate })
	return out
}

// Totals returns the subtotal, tax and total over every rate.
func Totals(rates []RateTotal) (subtotal, tax, total Yen) {
	for _, r := range rates {
		subtotal += r.Subtotal
		tax += r.Tax
	}
	return subtotal, tax, subtotal + tax
}
