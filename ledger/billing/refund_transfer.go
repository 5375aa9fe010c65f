package billing

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// RefundBatch is a 総合振込 file of refunds, and the refunds due that
// could not go into it.
type RefundBatch struct {
	File CreditTransferFile
	// NoAccount lists credits due to contractors with no account to pay
	// into (no mandate, or one stopped by their bank): pay them another
	// way and record each with Refund.
	NoAccount []Receivable
}

// refundDue is an invoice on which money is owed back.
type refundDue struct {
	invoice    int64
	number     string
	contractor string
	due        Yen
	credit     int64 // the newest credit note, 0 if none (an overpayment)
	account    bool
}

// PrepareRefunds builds the 総合振込 file that pays, on payOn, every
// refund due (money owed back after a credit note or an overpayment, less
// refunds already in a file) into the account of the contractor's
// mandate. Each refund waits in the file until ConfirmRefunds records it
// as paid or WithdrawRefunds takes the batch back; preparing the same
// date again returns the same file. payOn must be a bank business day the
// bank can still reach (CheckCollectionDate); an empty file is refused.
func (b *Billing) PrepareRefunds(ctx context.Context, payOn Date, p Payer) (RefundBatch, error) {
	var out RefundBatch
	err := b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if err := b.txLock(ctx, tx, "refunds"); err != nil {
			return fmt.Errorf("billing: prepare refunds: %w", err)
		}
		var pending int
		if err := tx.QueryRowContext(ctx, b.q(`SELECT COUNT(*) FROM billing_refund_transfers WHERE pay_on = ? AND state = 'pending'`),
			payOn.String()).Scan(&pending); err != nil {
			return fmt.Errorf("billing: prepare refunds: %w", err)
		}
		if pending == 0 {
			if err := CheckCollectionDate(payOn, DateOf(b.now()), p.LeadDays); err != nil {
				return err
			}
		}
		dues, err := b.refundsDue(ctx, tx)
		if err != nil {
			return err
		}
		added := 0
		for _, r := range dues {
			if !r.account {
				out.NoAccount = append(out.NoAccount, Receivable{Invoice: Invoice{ID: r.invoice, Number: r.number, ContractorID: r.contractor}, Balance: -r.due})
				continue
			}
			if _, err := tx.ExecContext(ctx, b.q(`INSERT INTO billing_refund_transfers (invoice_id, credit_note_id, amount, pay_on, created_at)
				VALUES (?, ?, ?, ?, ?)`), r.invoice, r.credit, int64(r.due), payOn.String(), b.stamp()); err != nil {
				return fmt.Errorf("billing: prepare refunds: %w", err)
			}
			added++
		}
		if out.File, err = b.refundFile(ctx, tx, payOn, p); err != nil {
			return err
		}
		if added > 0 {
			if err := b.audit(ctx, tx, "refunds.prepare", refundsObject(payOn), nil, map[string]any{"pay_on": payOn.String(),
				"added": added, "refunds": out.File.Count, "amount": int64(out.File.Amount)}); err != nil {
				return err
			}
		}
		if len(out.File.Records) == 0 {
			return ledger.NewError(ErrNothingToCollect, "no refund to pay on %s: no money is owed back to a contractor with an account to pay into"+
				" (see dezura billing receivables); no file written", payOn)
		}
		_, err = MarshalCreditTransferFile(out.File, false)
		return err
	})
	if err != nil {
		return RefundBatch{}, err
	}
	return out, nil
}

// refundsDue lists the invoices on which money is owed back beyond what
// refund files already pay.
func (b *Billing) refundsDue(ctx context.Context, tx *sql.Tx) ([]refundDue, error) {
	rows, err := tx.QueryContext(ctx, `SELECT i.id, i.number, i.contractor_id,
			COALESCE(p.settled, 0) - i.total - COALESCE(c.credited, 0) - COALESCE(r.pending, 0), COALESCE(c.last_credit, 0),
			CASE WHEN m.contractor_id IS NOT NULL AND m.stopped_code = '' THEN 1 ELSE 0 END
		FROM billing_invoices i
		LEFT JOIN (SELECT invoice_id, SUM(amount) AS settled FROM billing_payments WHERE kind <> 'write-off' GROUP BY invoice_id) p
			ON p.invoice_id = i.id
		LEFT JOIN (SELECT credit_of, SUM(total) AS credited, MAX(id) AS last_credit FROM billing_invoices
			WHERE credit_of <> 0 GROUP BY credit_of) c ON c.credit_of = i.id
		LEFT JOIN (SELECT invoice_id, SUM(amount) AS pending FROM billing_refund_transfers
			WHERE state = 'pending' GROUP BY invoice_id) r ON r.invoice_id = i.id
		LEFT JOIN billing_mandates m ON m.contractor_id = i.contractor_id
		WHERE i.kind <> 'credit' AND COALESCE(p.settled, 0) - i.total - COALESCE(c.credited, 0) - COALESCE(r.pending, 0) > 0
		ORDER BY i.id`)
	if err != nil {
		return nil, fmt.Errorf("billing: refunds due: %w", err)
	}
	defer rows.Close()
	var out []refundDue
	for rows.Next() {
		var r refundDue
		var due int64
		var account int
		if err := rows.Scan(&r.invoice, &r.number, &r.contractor, &due, &r.credit, &account); err != nil {
			return nil, fmt.Errorf("billing: refunds due: %w", err)
		}
		r.due, r.account = Yen(due), account == 1
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: refunds due: %w", err)
	}
	return out, nil
}

// refundFile reads the pending refunds of payOn into a file.
func (b *Billing) refundFile(ctx context.Context, tx *sql.Tx, payOn Date, p Payer) (CreditTransferFile, error) {
	f := CreditTransferFile{Payer: p, PayOn: payOn}
	rows, err := tx.QueryContext(ctx, b.q(`SELECT r.id, i.number, m.bank_code, m.bank_name, m.branch_code, m.branch_name,
			m.account_type, m.account_number, m.holder, r.amount
		FROM billing_refund_transfers r JOIN billing_invoices i ON i.id = r.invoice_id
		JOIN billing_mandates m ON m.contractor_id = i.contractor_id
		WHERE r.pay_on = ? AND r.state = 'pending' ORDER BY r.id`), payOn.String())
	if err != nil {
		return f, fmt.Errorf("billing: refund file: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c CreditTransfer
		var id, amount int64
		var number string
		if err := rows.Scan(&id, &number, &c.BankCode, &c.BankName, &c.BranchCode, &c.BranchName, &c.AccountType,
			&c.AccountNumber, &c.Payee, &amount); err != nil {
			return f, fmt.Errorf("billing: refund file: %w", err)
		}
		c.Amount, c.CustomerCode1, c.CustomerCode2 = Yen(amount), fmt.Sprintf("%010d", id), strings.ReplaceAll(number, "-", "")
		f.Records = append(f.Records, c)
		f.Count++
		f.Amount += c.Amount
	}
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("billing: refund file: %w", err)
	}
	return f, nil
}

// ConfirmRefunds records the refunds of the batch for payOn as paid,
// once the bank has paid them: each becomes a refund (method 総合振込)
// dated payOn against its credit note. It returns how many and how much.
func (b *Billing) ConfirmRefunds(ctx context.Context, payOn Date) (int, Yen, error) {
	return b.closeRefunds(ctx, payOn, true)
}

// WithdrawRefunds takes back the batch for payOn (the file was not sent,
// or the bank refused it): the refunds are due again.
func (b *Billing) WithdrawRefunds(ctx context.Context, payOn Date) (int, Yen, error) {
	return b.closeRefunds(ctx, payOn, false)
}

func (b *Billing) closeRefunds(ctx context.Context, payOn Date, paid bool) (int, Yen, error) {
	var n int
	var sum Yen
	err := b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if err := b.txLock(ctx, tx, "refunds"); err != nil {
			return fmt.Errorf("billing: refunds of %s: %w", payOn, err)
		}
		rows, err := tx.QueryContext(ctx, b.q(`SELECT r.id, i.number, COALESCE(c.number, ''), r.amount FROM billing_refund_transfers r
			JOIN billing_invoices i ON i.id = r.invoice_id LEFT JOIN billing_invoices c ON c.id = r.credit_note_id
			WHERE r.pay_on = ? AND r.state = 'pending' ORDER BY r.id`), payOn.String())
		if err != nil {
			return fmt.Errorf("billing: refunds of %s: %w", payOn, err)
		}
		type pending struct {
			id             int64
			number, credit string
			amount         Yen
		}
		var todo []pending
		for rows.Next() {
			var p pending
			if err := rows.Scan(&p.id, &p.number, &p.credit, &p.amount); err != nil {
				rows.Close()
				return fmt.Errorf("billing: refunds of %s: %w", payOn, err)
			}
			todo = append(todo, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("billing: refunds of %s: %w", payOn, err)
		}
		if len(todo) == 0 {
			return ledger.NewError(ErrUnknownBatch, "no refund file for %s is waiting for the bank", payOn)
		}
		state := "withdrawn"
		for _, p := range todo {
			var paymentID int64
			if paid {
				state = "paid"
				in, err := b.invoiceWhere(ctx, tx, p.number, "")
				if err != nil {
					return err
				}
				pay, err := b.insertMoney(ctx, tx, in, Payment{Kind: PaymentRefund, Amount: -p.amount, PaidOn: payOn, Method: "総合振込",
					Reference: fmt.Sprintf("zengin21:%010d", p.id), CreditNote: p.credit})
				if err != nil {
					return err
				}
				paymentID = pay.ID
			}
			if _, err := tx.ExecContext(ctx, b.q(`UPDATE billing_refund_transfers SET state = ?, payment_id = ?, done_at = ? WHERE id = ?`),
				state, paymentID, b.stamp(), p.id); err != nil {
				return fmt.Errorf("billing: refunds of %s: %w", payOn, err)
			}
			n++
			sum += p.amount
		}
		return b.audit(ctx, tx, "refunds."+map[bool]string{true: "confirm", false: "withdraw"}[paid], refundsObject(payOn),
			map[string]any{"pending": n, "amount": int64(sum)}, map[string]any{"pending": 0, state: n})
	})
	return n, sum, err
}

func refundsObject(payOn Date) string { return "billing-refunds:" + payOn.String() }
