package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// CreditRequest asks for a credit note (適格返還請求書) against an invoice.
type CreditRequest struct {
	Number string // the invoice credited
	Issuer string // its issuer's registration number, only for numbers issued twice before version 5
	On     Date   // the credit note's date: on or after the invoice's
	Reason string // printed on the credit note
	// Amount is what is taken back before tax, at TaxRate (0: the
	// invoice's rate, if it has one). Zero takes back everything still
	// standing: the invoice is voided.
	Amount  Yen
	TaxRate int
}

// Void cancels an invoice by issuing a credit note for everything not yet
// credited, on the given date; nothing is deleted. The credit note is
// numbered in the same sequence as invoices, refers to the invoice, and
// carries the reason. The period of a voided invoice is not billed again.
func (b *Billing) Void(ctx context.Context, number, issuer string, on Date, reason string) (Invoice, error) {
	return b.Credit(ctx, CreditRequest{Number: number, Issuer: issuer, On: on, Reason: reason})
}

// Credit issues a credit note against an invoice: for part of it
// (Amount, before tax, at one rate) or for all that is left (Amount 0).
// Tax is computed on the credit note per rate and rounded toward zero;
// the credit note that takes back the rest of the invoice takes back the
// rest of its tax, so that nothing is left owing from rounding, and marks
// the invoice voided. A credit note is dated on or after its invoice and
// the newest document numbered (ErrBackdated); one per invoice and day.
func (b *Billing) Credit(ctx context.Context, r CreditRequest) (Invoice, error) {
	r.Reason = strings.TrimSpace(r.Reason)
	if r.Reason == "" || r.On.IsZero() || r.Amount < 0 {
		return Invoice{}, ledger.NewError(ErrInvalidCredit, "credit note for %s: give a reason, a date and an amount of zero or more", r.Number)
	}
	var credit Invoice
	err := b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if err := b.txLock(ctx, tx, "invoice:"+r.Number); err != nil {
			return fmt.Errorf("billing: credit %s: %w", r.Number, err)
		}
		in, err := b.invoiceWhere(ctx, tx, r.Number, r.Issuer)
		if err != nil {
			return err
		}
		d, err := b.creditDraft(ctx, tx, in, r)
		if err != nil {
			return err
		}
		iss, err := b.creditIssuer(ctx, tx, in)
		if err != nil {
			return err
		}
		numbers, err := b.insertInvoices(ctx, tx, iss, r.On.Year, []draft{d})
		if err != nil {
			return err
		}
		after, action := in, "invoice.credit"
		after.Credited += d.Total
		if rest(in, d) {
			if _, err := tx.ExecContext(ctx, b.q(`UPDATE billing_invoices SET voided_by =
				(SELECT id FROM billing_invoices WHERE number = ? AND credit_of = ?) WHERE id = ?`), numbers[0], in.ID, in.ID); err != nil {
				return fmt.Errorf("billing: void %s: %w", r.Number, err)
			}
			after.VoidedBy, action = numbers[0], "invoice.void"
		}
		a := auditedMoney(after)
		a["credit_note"], a["date"], a["reason"], a["subtotal"], a["tax"], a["total"] = numbers[0], r.On.String(), r.Reason,
			int64(d.Subtotal), int64(d.Tax), int64(d.Total)
		if err := b.audit(ctx, tx, action, invoiceObject(in.Number), auditedMoney(in), a); err != nil {
			return err
		}
		credit, err = b.invoiceWhere(ctx, tx, numbers[0], iss.Registration)
		return err
	})
	return credit, err
}

// rest reports whether the credit note d takes back all that was left.
func rest(in Invoice, d draft) bool { return in.Total+in.Credited+d.Total == 0 }

// creditIssuer is who issues a credit note: the stored settings, or for a
// database that has none yet, the issuer of the invoice credited.
func (b *Billing) creditIssuer(ctx context.Context, tx *sql.Tx, in Invoice) (IssuerSettings, error) {
	iss, err := b.currentIssuer(ctx, tx)
	if err == nil {
		return iss, nil
	}
	if errors.Is(err, ErrNoIssuer) {
		return IssuerSettings{Name: in.IssuerName, Registration: in.IssuerRegistration}, nil
	}
	return IssuerSettings{}, err
}

// creditDraft checks a credit request against the invoice and what was
// credited before, and builds the credit note.
func (b *Billing) creditDraft(ctx context.Context, tx *sql.Tx, in Invoice, r CreditRequest) (draft, error) {
	switch {
	case in.Kind == KindCredit:
		return draft{}, fmt.Errorf("%w: %s is a credit note itself", ErrNotVoidable, in.Number)
	case in.Voided():
		return draft{}, fmt.Errorf("%w: %s by %s", ErrAlreadyVoided, in.Number, in.VoidedBy)
	case r.On.Before(in.IssueDate):
		return draft{}, adviseDate(ledger.NewError(ErrBackdated, "a credit note dated %s would come before invoice %s (issued %s): date it %s or later",
			r.On, in.Number, in.IssueDate, in.IssueDate), in.IssueDate, Date{})
	}
	var same int
	if err := tx.QueryRowContext(ctx, b.q(`SELECT COUNT(*) FROM billing_invoices WHERE credit_of = ? AND credit_of <> 0 AND issue_date = ?`),
		in.ID, r.On.String()).Scan(&same); err != nil {
		return draft{}, fmt.Errorf("billing: credit notes of %s: %w", in.Number, err)
	}
	if same > 0 {
		return draft{}, ledger.NewError(ErrInvalidCredit, "%s already has a credit note dated %s: give one credit note a day for the whole amount", in.Number, r.On)
	}
	left, err := b.standing(ctx, tx, in)
	if err != nil {
		return draft{}, err
	}
	lines, rates, err := creditLines(in, left, r)
	if err != nil {
		return draft{}, err
	}
	sub, tax, total := Totals(rates)
	return draft{
		SubscriptionID: in.SubscriptionID, ContractorID: in.ContractorID, Recipient: in.Recipient, Kind: KindCredit,
		// A credit note's own period start is its date: its key with the
		// invoice (one credit note per invoice and day). It shows the
		// period of the invoice it credits.
		Period:   Period{Start: r.On, End: in.Period.End},
		CreditOf: in.ID, IssueDate: r.On, DueDate: r.On, Lines: lines, Rates: rates,
		Subtotal: sub, Tax: tax, Total: total, Note: r.Reason,
	}, nil
}

// standing returns, per rate, the amount and tax of in not yet credited.
func (b *Billing) standing(ctx context.Context, tx *sql.Tx, in Invoice) (map[int]RateTotal, error) {
	left := map[int]RateTotal{}
	for _, r := range in.Rates {
		left[r.Rate] = r
	}
	rows, err := tx.QueryContext(ctx, b.q(`SELECT number FROM billing_invoices WHERE credit_of = ? AND credit_of <> 0 ORDER BY id`), in.ID)
	if err != nil {
		return nil, fmt.Errorf("billing: credit notes of %s: %w", in.Number, err)
	}
	var numbers []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("billing: credit notes of %s: %w", in.Number, err)
		}
		numbers = append(numbers, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: credit notes of %s: %w", in.Number, err)
	}
	for _, n := range numbers {
		c, err := b.invoiceWhere(ctx, tx, n, "")
		if err != nil {
			return nil, err
		}
		for _, r := range c.Rates {
			l := left[r.Rate]
			l.Rate, l.Subtotal, l.Tax = r.Rate, l.Subtotal+r.Subtotal, l.Tax+r.Tax
			left[r.Rate] = l
		}
	}
	return left, nil
}

// creditLines builds the lines and the amounts per rate of a credit note.
func creditLines(in Invoice, left map[int]RateTotal, r CreditRequest) ([]Line, []RateTotal, error) {
	if r.Amount == 0 { // everything still standing
		if in.Credited == 0 {
			lines := make([]Line, len(in.Lines))
			for i, l := range in.Lines {
				lines[i] = Line{Description: "取消: " + l.Description, Quantity: l.Quantity, UnitPrice: -l.UnitPrice, Amount: -l.Amount, TaxRate: l.TaxRate}
			}
			return lines, negate(in.Rates), nil
		}
		var lines []Line
		var rates []RateTotal
		for _, x := range in.Rates {
			l := left[x.Rate]
			if l.Subtotal == 0 && l.Tax == 0 {
				continue
			}
			lines = append(lines, Line{Description: fmt.Sprintf("取消: 残額（%d%%対象）", x.Rate), Quantity: 1, UnitPrice: -l.Subtotal, Amount: -l.Subtotal, TaxRate: x.Rate})
			rates = append(rates, RateTotal{Rate: x.Rate, Subtotal: -l.Subtotal, Tax: -l.Tax})
		}
		return lines, rates, nil
	}
	rate := r.TaxRate
	if rate == 0 {
		if len(in.Rates) != 1 {
			return nil, nil, ledger.NewError(ErrInvalidCredit, "%s has items at several tax rates: say which with --tax-rate", in.Number)
		}
		rate = in.Rates[0].Rate
	}
	l, ok := left[rate]
	if !ok {
		return nil, nil, ledger.NewError(ErrInvalidCredit, "%s has no item at %d%%", in.Number, rate)
	}
	if r.Amount > l.Subtotal {
		return nil, nil, adviseAmount(ledger.NewError(ErrInvalidCredit, "%s yen is more than the %s yen before tax at %d%% still standing on %s",
			FormatYen(r.Amount), FormatYen(l.Subtotal), rate, in.Number), l.Subtotal)
	}
	tax := r.Amount * Yen(rate) / 100
	if r.Amount == l.Subtotal {
		tax = l.Tax // the last of this rate takes the last of its tax
	}
	desc := "返還・値引: " + in.Number
	for _, il := range in.Lines {
		if il.TaxRate == rate {
			desc = "返還・値引: " + il.Description
			break
		}
	}
	line := Line{Description: desc, Quantity: 1, UnitPrice: -r.Amount, Amount: -r.Amount, TaxRate: rate}
	return []Line{line}, []RateTotal{{Rate: rate, Subtotal: -r.Amount, Tax: -tax}}, nil
}

func negate(rates []RateTotal) []RateTotal {
	out := make([]RateTotal, len(rates))
	for i, r := range rates {
		out[i] = RateTotal{Rate: r.Rate, Subtotal: -r.Subtotal, Tax: -r.Tax}
	}
	return out
}
