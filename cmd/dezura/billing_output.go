package main

// What the billing commands print: tables for people, JSON for programs
// (amounts in integer yen, dates YYYY-MM-DD in Asia/Tokyo).

import (
	"fmt"

	"github.com/dezura/dezura/ledger/billing"
)

type planJSON struct {
	Name           string      `json:"name"`
	InitialFee     billing.Yen `json:"initial_fee"`
	AnnualFee      billing.Yen `json:"annual_fee"`
	PerAttendance  billing.Yen `json:"per_attendance"`
	TaxRate        int         `json:"tax_rate"`
	AnnualWithTax  billing.Yen `json:"annual_with_tax"`
	AvailableFrom  string      `json:"available_from"`
	AvailableUntil string      `json:"available_until,omitempty"`
}

var planView = view[billing.Plan]{
	header: []string{"NAME", "INITIAL", "ANNUAL", "PER ATTENDANCE", "TAX", "ANNUAL WITH TAX", "FROM", "UNTIL"},
	row: func(p billing.Plan) []string {
		return []string{p.Name, yen(p.InitialFee), yen(p.AnnualFee), yen(p.PerAttendance), fmt.Sprintf("%d%%", p.TaxRate),
			yen(annualWithTax(p)), p.AvailableFrom.String(), orDash(p.AvailableUntil.String())}
	},
	json: func(p billing.Plan) any {
		return planJSON{p.Name, p.InitialFee, p.AnnualFee, p.PerAttendance, p.TaxRate, annualWithTax(p),
			p.AvailableFrom.String(), p.AvailableUntil.String()}
	},
}

func annualWithTax(p billing.Plan) billing.Yen {
	_, _, withTax := billing.Totals(billing.TaxByRate([]billing.Line{{Amount: p.AnnualFee, TaxRate: p.TaxRate}}))
	return withTax
}

type subscriptionJSON struct {
	ID           int64  `json:"id"`
	ContractorID string `json:"contractor_id"`
	Recipient    string `json:"recipient,omitempty"`
	Plan         string `json:"plan"`
	Start        string `json:"start"`
	CancelledOn  string `json:"cancelled_on,omitempty"`
}

var subscriptionView = view[billing.Subscription]{
	header: []string{"ID", "CONTRACTOR", "RECIPIENT", "PLAN", "START", "CANCELLED"},
	row: func(s billing.Subscription) []string {
		return []string{fmt.Sprint(s.ID), s.ContractorID, orDash(s.Recipient), s.Plan, s.Start.String(), orDash(s.CancelledOn.String())}
	},
	json: func(s billing.Subscription) any {
		return subscriptionJSON{s.ID, s.ContractorID, s.Recipient, s.Plan, s.Start.String(), s.CancelledOn.String()}
	},
}

type invoiceLineJSON struct {
	Description string      `json:"description"`
	Quantity    int64       `json:"quantity"`
	UnitPrice   billing.Yen `json:"unit_price"`
	Amount      billing.Yen `json:"amount"`
	TaxRate     int         `json:"tax_rate"`
}

type paymentJSON struct {
	Amount    billing.Yen `json:"amount"`
	PaidOn    string      `json:"paid_on"`
	Method    string      `json:"method"`
	Reference string      `json:"reference,omitempty"`
}

type invoiceJSON struct {
	Number             string            `json:"number"`
	Kind               string            `json:"kind"`
	IssueDate          string            `json:"issue_date"`
	DueDate            string            `json:"due_date,omitempty"`
	IssuerName         string            `json:"issuer_name"`
	IssuerRegistration string            `json:"issuer_registration"`
	SubscriptionID     int64             `json:"subscription_id"`
	ContractorID       string            `json:"contractor_id"`
	Recipient          string            `json:"recipient"`
	PeriodStart        string            `json:"period_start"`
	PeriodEnd          string            `json:"period_end"` // the last day
	Lines              []invoiceLineJSON `json:"lines,omitempty"`
	Subtotal           billing.Yen       `json:"subtotal"`
	Tax                billing.Yen       `json:"tax"`
	Total              billing.Yen       `json:"total"`
	Paid               billing.Yen       `json:"paid"`
	Balance            billing.Yen       `json:"balance"`
	Payments           []paymentJSON     `json:"payments,omitempty"`
	Note               string            `json:"note,omitempty"`
	CreditOf           string            `json:"credit_of,omitempty"`
	VoidedBy           string            `json:"voided_by,omitempty"`
}

func newInvoiceJSON(in billing.Invoice) invoiceJSON {
	j := invoiceJSON{Number: in.Number, Kind: in.Kind.String(), IssueDate: in.IssueDate.String(), DueDate: in.DueDate.String(),
		IssuerName: in.IssuerName, IssuerRegistration: in.IssuerRegistration, SubscriptionID: in.SubscriptionID,
		ContractorID: in.ContractorID, Recipient: in.Recipient, PeriodStart: in.Period.Start.String(),
		PeriodEnd: in.Period.Last().String(), Subtotal: in.Subtotal, Tax: in.Tax, Total: in.Total, Paid: in.Paid,
		Balance: in.Balance(), Note: in.Note, CreditOf: in.CreditOf, VoidedBy: in.VoidedBy}
	for _, l := range in.Lines {
		j.Lines = append(j.Lines, invoiceLineJSON{l.Description, l.Quantity, l.UnitPrice, l.Amount, l.TaxRate})
	}
	for _, p := range in.Payments {
		j.Payments = append(j.Payments, paymentJSON{p.Amount, p.PaidOn.String(), p.Method, p.Reference})
	}
	return j
}

var invoiceView = view[billing.Invoice]{
	header: []string{"NUMBER", "ISSUED", "DUE", "CONTRACTOR", "KIND", "PERIOD", "TOTAL", "PAID", "BALANCE", "NOTE"},
	row: func(in billing.Invoice) []string {
		note := ""
		switch {
		case in.VoidedBy != "":
			note = "voided by " + in.VoidedBy
		case in.CreditOf != "":
			note = "voids " + in.CreditOf
		}
		return []string{in.Number, in.IssueDate.String(), orDash(in.DueDate.String()), in.ContractorID, in.Kind.String(),
			in.Period.String(), yen(in.Total), yen(in.Paid), yen(in.Balance()), note}
	},
	json: func(in billing.Invoice) any { return newInvoiceJSON(in) },
}

// printRun shows what a run issued (or would issue). failed: the run
// stopped on an error after issuing these.
func printRun(o *output, res billing.RunResult, failed bool) error {
	rows := make([][]string, 0, res.Count())
	for _, in := range res.Invoices {
		number := in.Number
		if number == "" {
			number = "(dry run)"
		}
		rows = append(rows, []string{number, in.Subscription.ContractorID, in.Kind.String(), in.Period.String(),
			yen(in.Subtotal), yen(in.Tax), yen(in.Total)})
	}
	if res.Count() > 0 {
		if err := o.Table([]string{"NUMBER", "CONTRACTOR", "KIND", "PERIOD", "SUBTOTAL", "TAX", "TOTAL"}, rows); err != nil {
			return err
		}
	}
	verb := "issued"
	switch {
	case res.DryRun:
		verb = "would issue (dry run, nothing written)"
	case failed:
		verb = "issued before the failure"
	}
	o.Printf("as of %s: %s %s, subtotal %s yen, tax %s yen, total %s yen\n", res.AsOf, verb, count(res.Count(), "invoice"),
		yen(res.Subtotal), yen(res.Tax), yen(res.Total))
	return nil
}

type receivableJSON struct {
	Number       string      `json:"number"`
	ContractorID string      `json:"contractor_id"`
	Recipient    string      `json:"recipient"`
	DueDate      string      `json:"due_date"`
	Total        billing.Yen `json:"total"`
	Paid         billing.Yen `json:"paid"`
	Balance      billing.Yen `json:"balance"`
	DaysOverdue  int         `json:"days_overdue"`
	Age          string      `json:"age"`
}

func printReceivables(o *output, asJSON bool, asOf billing.Date, recs []billing.Receivable) error {
	out := make([]receivableJSON, 0, len(recs))
	rows := make([][]string, 0, len(recs))
	byAge := map[billing.Age]billing.Yen{}
	var sum billing.Yen
	for _, r := range recs {
		out = append(out, receivableJSON{r.Number, r.ContractorID, r.Recipient, r.DueDate.String(), r.Total, r.Paid, r.Balance,
			r.DaysOverdue, r.Age.String()})
		rows = append(rows, []string{r.Number, r.ContractorID, orDash(r.Recipient), r.DueDate.String(), yen(r.Total), yen(r.Paid),
			yen(r.Balance), fmt.Sprint(r.DaysOverdue), r.Age.String()})
		byAge[r.Age] += r.Balance
		sum += r.Balance
	}
	if asJSON {
		return o.JSON(out)
	}
	if err := o.Table([]string{"NUMBER", "CONTRACTOR", "RECIPIENT", "DUE", "TOTAL", "PAID", "BALANCE", "DAYS OVERDUE", "AGE"}, rows); err != nil {
		return err
	}
	o.Printf("as of %s: %s open, %s yen", asOf, count(len(recs), "invoice"), yen(sum))
	for a := billing.AgeNotDue; a <= billing.AgeOver90; a++ {
		o.Printf("; %s %s", a, yen(byAge[a]))
	}
	o.Printf("\n")
	return nil
}

func printTransferOutcomes(o *output, outcomes []billing.TransferOutcome) error {
	rows := make([][]string, 0, len(outcomes))
	var collected, failed, already int
	for _, t := range outcomes {
		rec := "yes"
		switch {
		case t.InvoiceNumber == "":
			rec = "unknown customer number"
		case !t.Recorded:
			rec = "already read"
			already++
		case t.Result == billing.ResultCollected:
			collected++
			if t.RefundDue {
				rec = "yes — more than was owed: refund due (see receivables)"
			}
		default:
			failed++
		}
		rows = append(rows, []string{t.CustomerNumber, orDash(t.InvoiceNumber), orDash(t.ContractorID), yen(t.Amount),
			fmt.Sprintf("%c %s (%s)", t.Result.Digit(), t.Result.Japanese(), t.Result), rec})
	}
	if err := o.Table([]string{"CUSTOMER NUMBER", "INVOICE", "CONTRACTOR", "AMOUNT", "RESULT", "RECORDED"}, rows); err != nil {
		return err
	}
	o.Printf("%d collected and recorded as paid, %d failed (still owed), %d already read before\n", collected, failed, already)
	return nil
}
