package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// InvoiceState selects invoices by what stands on them.
type InvoiceState uint8

const (
	InvoiceAny        InvoiceState = iota
	InvoiceUnpaid                  // invoices with something still owed
	InvoiceSettled                 // invoices paid, written off or credited in full
	InvoiceRefundDue               // invoices on which money is owed back
	InvoiceVoided                  // invoices a credit note took back in full
	InvoiceCreditNote              // credit notes (適格返還請求書)
)

var invoiceStateNames = [...]string{"", "unpaid", "settled", "refund-due", "voided", "credit-note"}

// String names the state as a query parameter does ("" for any).
func (s InvoiceState) String() string {
	if int(s) < len(invoiceStateNames) {
		return invoiceStateNames[s]
	}
	return fmt.Sprintf("InvoiceState(%d)", s)
}

// ParseInvoiceState is the inverse of String.
func ParseInvoiceState(s string) (InvoiceState, error) {
	for i, n := range invoiceStateNames {
		if n == s {
			return InvoiceState(i), nil
		}
	}
	return InvoiceAny, ledger.NewError(ErrInvalidFilter, "invoice state %q: want one of %s", s, strings.Join(invoiceStateNames[1:], ", "))
}

// State is what stands on the invoice: unpaid, settled, refund due or
// voided; InvoiceCreditNote for a credit note.
func (in Invoice) State() InvoiceState {
	switch bal := in.Balance(); {
	case in.Kind == KindCredit:
		return InvoiceCreditNote
	case in.Voided() && bal >= 0:
		return InvoiceVoided
	case bal > 0:
		return InvoiceUnpaid
	case bal < 0:
		return InvoiceRefundDue
	}
	return InvoiceSettled
}

// ErrInvalidFilter: a list asked for with a filter it cannot apply.
var ErrInvalidFilter = errors.New("billing: invalid filter")

// InvoiceQuery selects a page of invoices and credit notes, newest first.
type InvoiceQuery struct {
	From, To     Date   // issue dates, inclusive (zero: open)
	ContractorID string // "" for all
	Number       string // the number or its beginning ("2026-0001")
	State        InvoiceState
	After        string // the page's cursor (Page.Next of the page before)
	Limit        int    // rows per page: ledger.PageLimit
}

// standingSQL is what invoice i asks less its credit notes; paidSQL the
// money received less refunds; owedSQL that less write-offs too.
const (
	standingSQL = `(i.total + COALESCE((SELECT SUM(x.total) FROM billing_invoices x WHERE x.credit_of = i.id AND x.credit_of <> 0), 0))`
	paidSQL     = `COALESCE((SELECT SUM(p.amount) FROM billing_payments p WHERE p.invoice_id = i.id AND p.kind <> 'write-off'), 0)`
	owedSQL     = `(` + standingSQL + ` - COALESCE((SELECT SUM(p.amount) FROM billing_payments p WHERE p.invoice_id = i.id), 0))`
)

// invoiceStateSQL is the condition of each state, as Invoice.Balance
// computes it: owed when owedSQL > 0, owed back when paidSQL > standingSQL.
var invoiceStateSQL = map[InvoiceState]string{
	InvoiceUnpaid:     `i.kind <> 'credit' AND ` + owedSQL + ` > 0`,
	InvoiceSettled:    `i.kind <> 'credit' AND i.voided_by = 0 AND ` + owedSQL + ` <= 0 AND ` + paidSQL + ` <= ` + standingSQL,
	InvoiceRefundDue:  `i.kind <> 'credit' AND ` + paidSQL + ` > ` + standingSQL,
	InvoiceVoided:     `i.kind <> 'credit' AND i.voided_by <> 0`,
	InvoiceCreditNote: `i.kind = 'credit'`,
}

// InvoicePage lists a page of invoices and credit notes, newest first,
// without lines or payments.
func (b *Billing) InvoicePage(ctx context.Context, q InvoiceQuery) (ledger.Page[Invoice], error) {
	var page ledger.Page[Invoice]
	var conds []string
	var args []any
	add := func(cond string, a ...any) { conds, args = append(conds, cond), append(args, a...) }
	if !q.From.IsZero() {
		add(`i.issue_date >= ?`, q.From.String())
	}
	if !q.To.IsZero() {
		add(`i.issue_date <= ?`, q.To.String())
	}
	if c := strings.TrimSpace(q.ContractorID); c != "" {
		add(`i.contractor_id = ?`, c)
	}
	if n := strings.TrimSpace(q.Number); n != "" {
		add(`i.number LIKE ?`, strings.NewReplacer(`%`, ``, `_`, ``).Replace(n)+"%")
	}
	if cond, ok := invoiceStateSQL[q.State]; ok {
		add(cond)
	}
	if q.After != "" {
		id, err := strconv.ParseInt(q.After, 10, 64)
		if err != nil {
			return page, ledger.NewError(ErrInvalidFilter, "page %q: start again from the first page", q.After)
		}
		add(`i.id < ?`, id)
	}
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, ` AND `)
	}
	limit := ledger.PageLimit(q.Limit)
	rows, err := b.db.QueryContext(ctx, b.q(`SELECT `+invoiceColumns+invoiceFrom+where+` ORDER BY i.id DESC LIMIT `+strconv.Itoa(limit+1)), args...)
	if err != nil {
		return page, fmt.Errorf("billing: list invoices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		in, err := scanInvoice(rows)
		if err != nil {
			return page, fmt.Errorf("billing: list invoices: %w", err)
		}
		page.Rows = append(page.Rows, in)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("billing: list invoices: %w", err)
	}
	if len(page.Rows) > limit {
		page.Rows = page.Rows[:limit]
		page.Next = strconv.FormatInt(page.Rows[limit-1].ID, 10)
	}
	return page, nil
}

// InvoiceDetail is an invoice or credit note with everything billing
// staff look at beside it.
type InvoiceDetail struct {
	Invoice // with its lines and payments
	// Credits are the credit notes against an invoice (without lines).
	Credits []Invoice
	// Refundable is what may be refunded against this document now: on
	// a credit note, what is owed back on the invoice it credits; on an
	// invoice paid more than it asked, the excess; less refunds waiting
	// in a 総合振込 file. Zero when nothing is owed back.
	Refundable Yen
	// Deliveries are the copies handed out (mail, print, PDF), oldest
	// first: the next copy is a reprint (再発行) if there is any.
	Deliveries []Delivery
	// History is the audit log of the document, newest first.
	History []ledger.Change
}

// InvoiceDetail loads one invoice or credit note with its credit notes,
// what may be refunded on it, the copies handed out and its history.
func (b *Billing) InvoiceDetail(ctx context.Context, number string) (InvoiceDetail, error) {
	var d InvoiceDetail
	err := b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		var err error
		if d.Invoice, err = b.invoiceWhere(ctx, tx, number, ""); err != nil {
			return err
		}
		owing := d.Invoice
		if d.Kind == KindCredit {
			if owing, err = b.invoiceWhere(ctx, tx, d.CreditOf, ""); err != nil {
				return err
			}
		} else if d.Credits, err = b.creditsOf(ctx, tx, d.ID); err != nil {
			return err
		}
		if owing.Balance() < 0 {
			switch due, err := b.owedBack(ctx, tx, owing); {
			case err == nil:
				d.Refundable = due
			case !errors.Is(err, ErrInvalidRefund):
				return err
			}
		}
		return nil
	})
	if err != nil {
		return InvoiceDetail{}, err
	}
	if d.Deliveries, err = b.Deliveries(ctx, number); err != nil {
		return InvoiceDetail{}, err
	}
	d.History, err = b.History(ctx, invoiceObject(number))
	return d, err
}

// creditsOf lists the credit notes against invoice id, oldest first.
func (b *Billing) creditsOf(ctx context.Context, db queryer, id int64) ([]Invoice, error) {
	rows, err := db.QueryContext(ctx, b.q(`SELECT `+invoiceColumns+invoiceFrom+` WHERE i.credit_of = ? AND i.credit_of <> 0 ORDER BY i.id`), id)
	if err != nil {
		return nil, fmt.Errorf("billing: credit notes: %w", err)
	}
	defer rows.Close()
	var out []Invoice
	for rows.Next() {
		in, err := scanInvoice(rows)
		if err != nil {
			return nil, fmt.Errorf("billing: credit notes: %w", err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: credit notes: %w", err)
	}
	return out, nil
}
