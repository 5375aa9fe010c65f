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

// printRun shows what a run issued (or would issue), and billing's one
// line about it. err: the run stopped on this error after issuing these.
func printRun(o *output, res billing.RunResult, err error) error {
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
	if line := res.Summary(err); line != "" {
		o.Printf("%s\n", line)
	}
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

type receivablesJSON struct {
	AsOf     string                 `json:"as_of"`
	Owed     billing.Yen            `json:"owed"`
	OwedBack billing.Yen            `json:"owed_back"`
	ByAge    map[string]billing.Yen `json:"by_age"`
	Debts    []receivableJSON       `json:"debts"`
	Credits  []receivableJSON       `json:"credits"` // refunds due: negative balances
}

func receivableRows(recs []billing.Receivable) ([]receivableJSON, [][]string) {
	out := make([]receivableJSON, 0, len(recs))
	rows := make([][]string, 0, len(recs))
	for _, r := range recs {
		age := r.Age.String()
		if r.Balance < 0 {
			age = "refund due"
		}
		out = append(out, receivableJSON{r.Number, r.ContractorID, r.Recipient, r.DueDate.String(), r.Total, r.Paid, r.Balance,
			r.DaysOverdue, age})
		rows = append(rows, []string{r.Number, r.ContractorID, orDash(r.Recipient), r.DueDate.String(), yen(r.Total), yen(r.Paid),
			yen(r.Balance), fmt.Sprint(r.DaysOverdue), age})
	}
	return out, rows
}

// printReceivables shows what was owed on the report's date, with
// ageing, and apart from it the refunds due.
func printReceivables(o *output, asJSON bool, rep billing.ReceivablesReport) error {
	debts, debtRows := receivableRows(rep.Debts)
	credits, creditRows := receivableRows(rep.Credits)
	if asJSON {
		byAge := map[string]billing.Yen{}
		for a := billing.AgeNotDue; a <= billing.AgeOver90; a++ {
			byAge[a.String()] = rep.ByAge[a]
		}
		return o.JSON(receivablesJSON{rep.AsOf.String(), rep.Owed, rep.OwedBack, byAge, debts, credits})
	}
	header := []string{"NUMBER", "CONTRACTOR", "RECIPIENT", "DUE", "TOTAL", "PAID", "BALANCE", "DAYS OVERDUE", "AGE"}
	if err := o.Table(header, debtRows); err != nil {
		return err
	}
	o.Printf("as of %s: %s open, %s yen", rep.AsOf, count(len(rep.Debts), "invoice"), yen(rep.Owed))
	for a := billing.AgeNotDue; a <= billing.AgeOver90; a++ {
		o.Printf("; %s %s", a, yen(rep.ByAge[a]))
	}
	o.Printf("\n")
	if len(rep.Credits) == 0 {
		return nil
	}
	o.Printf("\nrefunds due (money to give back; pay with dezura billing refund or refunds file):\n")
	if err := o.Table(header, creditRows); err != nil {
		return err
	}
	o.Printf("as of %s: %s with money owed back, %s yen\n", rep.AsOf, count(len(rep.Credits), "invoice"), yen(rep.OwedBack))
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
		case t.MandateStopped:
			failed++
			rec = "yes — debits stopped: follow up (see mandate list --stopped)"
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
