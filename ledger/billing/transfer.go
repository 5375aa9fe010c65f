package billing

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dezura/dezura/ledger"
)

// Collector is the collecting company's side of account transfer: its
// 委託者コード from the bank and the account the money goes to.
type Collector struct {
	Code          string // 委託者コード, up to 10 digits
	Name          string // 委託者名, converted to half-width kana
	BankCode      string
	BankName      string
	BranchCode    string
	BranchName    string
	AccountType   int
	AccountNumber string
	// LeadDays is how many bank business days before the collection date
	// the bank must have the file (0: DefaultLeadDays). Banks ask for 3 to
	// 5; the contract with the bank says.
	LeadDays int
}

// DefaultLeadDays is the lead time when the collector sets none.
const DefaultLeadDays = 3

// CheckCollectionDate checks a collection (or payment) date against the
// bank's rules as of today: a bank business day, and far enough ahead for
// the file to reach the bank leadDays business days before it. The error
// says which date would do.
func CheckCollectionDate(on, today Date, leadDays int) error {
	cal, err := BankCalendar()
	if err != nil {
		return err
	}
	if err := cal.CheckBusinessDay(on); err != nil {
		return err
	}
	if leadDays <= 0 {
		leadDays = DefaultLeadDays
	}
	deadline, err := cal.AddBusinessDays(on, -leadDays)
	if err != nil {
		return err
	}
	if !today.After(deadline) {
		return nil
	}
	earliest, err := cal.AddBusinessDays(today, leadDays)
	if err != nil {
		return err
	}
	if ok, _ := cal.IsBusinessDay(today); !ok {
		earliest, _ = cal.AddBusinessDays(today, leadDays+1)
	}
	return adviseDate(ledger.NewError(ErrTooLate, "the bank must have the file %d business days before %s, that is by %s, and today is %s: choose %s or later",
		leadDays, on, deadline, today, earliest), earliest, Date{})
}

// PrepareTransfers builds the request file for collection on collectOn: one
// data record for every unpaid, unvoided invoice due by then whose
// contractor has a mandate that is not stopped and that has no transfer
// awaiting a result. Each record gets a customer number (顧客番号) of its
// own, which the result file quotes back. Preparing the same date again
// returns the same file. The collection date must be a bank business day
// far enough ahead (CheckCollectionDate, with today from the clock), and
// a file with no record is refused (ErrNothingToCollect): nothing is
// recorded then.
func (b *Billing) PrepareTransfers(ctx context.Context, collectOn Date, c Collector) (TransferFile, error) {
	var f TransferFile
	err := b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if err := b.txLock(ctx, tx, "transfers"); err != nil {
			return fmt.Errorf("billing: prepare transfers: %w", err)
		}
		var pending int
		if err := tx.QueryRowContext(ctx, b.q(`SELECT COUNT(*) FROM billing_transfers WHERE collect_on = ? AND result_code = ''`),
			collectOn.String()).Scan(&pending); err != nil {
			return fmt.Errorf("billing: prepare transfers: %w", err)
		}
		if pending == 0 { // a new batch: the bank's dates apply (a prepared one is written again as it was)
			if err := CheckCollectionDate(collectOn, DateOf(b.now()), c.LeadDays); err != nil {
				return err
			}
		}
		added, err := b.requestDue(ctx, tx, collectOn)
		if err != nil {
			return err
		}
		f, err = b.transferBatch(ctx, tx, collectOn, c)
		if err != nil {
			return err
		}
		if added > 0 {
			if err := b.audit(ctx, tx, "transfers.prepare", transfersObject(collectOn), nil, map[string]any{
				"collect_on": collectOn.String(), "added": added, "transfers": f.Count, "amount": int64(f.Amount)}); err != nil {
				return err
			}
		}
		if len(f.Records) == 0 {
			return ledger.NewError(ErrNothingToCollect, "nothing to collect on %s: no unpaid invoice due by then has a mandate that is not stopped"+
				" (see dezura billing receivables and dezura billing mandate list); no file written", collectOn)
		}
		// Check the file can be written before recording anything.
		_, err = MarshalTransferFile(f, false)
		return err
	})
	if err != nil {
		return TransferFile{}, err
	}
	return f, nil
}

// requestDue records a transfer for every invoice due by collectOn that
// can be debited and is not awaiting a result, and says how many.
func (b *Billing) requestDue(ctx context.Context, tx *sql.Tx, collectOn Date) (int, error) {
	rows, err := tx.QueryContext(ctx, b.q(`SELECT i.id, i.contractor_id, i.total +
			COALESCE((SELECT SUM(x.total) FROM billing_invoices x WHERE x.credit_of = i.id AND x.credit_of <> 0), 0) -
			COALESCE((SELECT SUM(p.amount) FROM billing_payments p WHERE p.invoice_id = i.id), 0)
		FROM billing_invoices i JOIN billing_mandates m ON m.contractor_id = i.contractor_id
		WHERE i.kind <> 'credit' AND i.voided_by = 0 AND i.due_date <= ? AND m.stopped_code = ''
		AND NOT EXISTS (SELECT 1 FROM billing_transfers t WHERE t.invoice_id = i.id AND t.result_code = '')
		ORDER BY i.id`), collectOn.String())
	if err != nil {
		return 0, fmt.Errorf("billing: prepare transfers: %w", err)
	}
	type due struct {
		invoice    int64
		contractor string
		amount     int64
	}
	var todo []due
	for rows.Next() {
		var x due
		if err := rows.Scan(&x.invoice, &x.contractor, &x.amount); err != nil {
			rows.Close()
			return 0, fmt.Errorf("billing: prepare transfers: %w", err)
		}
		if x.amount > 0 {
			todo = append(todo, x)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("billing: prepare transfers: %w", err)
	}
	now := b.stamp()
	for _, x := range todo {
		code, version, err := b.newCode(ctx, tx, x.contractor)
		if err != nil {
			return 0, err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, b.q(`INSERT INTO billing_transfers (invoice_id, customer_number, amount, collect_on, first_transfer,
			new_code, mandate_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			x.invoice, fmt.Sprintf("pending-%d", x.invoice), x.amount, collectOn.String(), boolInt(code == "1"), code, version, now).Scan(&id); err != nil {
			return 0, fmt.Errorf("billing: prepare transfers: %w", err)
		}
		if _, err := tx.ExecContext(ctx, b.q(`UPDATE billing_transfers SET customer_number = ? WHERE id = ?`), fmt.Sprintf("%020d", id), id); err != nil {
			return 0, fmt.Errorf("billing: prepare transfers: %w", err)
		}
	}
	return len(todo), nil
}

// transferBatch reads the pending transfers of collectOn into a file.
func (b *Billing) transferBatch(ctx context.Context, tx *sql.Tx, collectOn Date, c Collector) (TransferFile, error) {
	f := TransferFile{Header: TransferHeader{CollectorCode: c.Code, CollectorName: c.Name, CollectOn: collectOn,
		BankCode: c.BankCode, BankName: c.BankName, BranchCode: c.BranchCode, BranchName: c.BranchName,
		AccountType: c.AccountType, AccountNumber: c.AccountNumber}}
	rows, err := tx.QueryContext(ctx, b.q(`SELECT m.bank_code, m.bank_name, m.branch_code, m.branch_name, m.account_type, m.account_number,
			m.holder, t.amount, t.new_code, t.customer_number
		FROM billing_transfers t JOIN billing_invoices i ON i.id = t.invoice_id JOIN billing_mandates m ON m.contractor_id = i.contractor_id
		WHERE t.collect_on = ? AND t.result_code = '' ORDER BY t.id`), collectOn.String())
	if err != nil {
		return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r TransferRecord
		var amount int64
		var code string
		if err := rows.Scan(&r.BankCode, &r.BankName, &r.BranchCode, &r.BranchName, &r.AccountType, &r.AccountNumber,
			&r.Holder, &amount, &code, &r.CustomerNumber); err != nil {
			return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
		}
		r.Amount, r.NewCode = Yen(amount), '0'
		if len(code) == 1 {
			r.NewCode = code[0]
		}
		f.Records = append(f.Records, r)
		f.Count++
		f.Amount += r.Amount
	}
	if err := rows.Err(); err != nil {
		return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
	}
	return f, nil
}

// withdrawn marks a transfer taken back before the bank processed it.
const withdrawn = "W"

// WithdrawTransfers takes back the batch prepared for collectOn that has
// no result yet (a wrong date, a file the bank never got): its invoices
// are free to go into another request. It returns how many transfers and
// how much money were withdrawn. Should the bank process the withdrawn
// file anyway, money it reports collected is still recorded.
func (b *Billing) WithdrawTransfers(ctx context.Context, collectOn Date) (int, Yen, error) {
	var n int
	var sum Yen
	err := b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if err := b.txLock(ctx, tx, "transfers"); err != nil {
			return fmt.Errorf("billing: withdraw transfers: %w", err)
		}
		var total int64
		if err := tx.QueryRowContext(ctx, b.q(`SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM billing_transfers
			WHERE collect_on = ? AND result_code = ''`), collectOn.String()).Scan(&n, &total); err != nil {
			return fmt.Errorf("billing: withdraw transfers: %w", err)
		}
		if n == 0 {
			return ledger.NewError(ErrUnknownBatch, "no transfer for %s is waiting for the bank: nothing to withdraw", collectOn)
		}
		sum = Yen(total)
		_, err := tx.ExecContext(ctx, b.q(`UPDATE billing_transfers SET result_code = ?, result_read_at = ?
			WHERE collect_on = ? AND result_code = ''`), withdrawn, b.stamp(), collectOn.String())
		if err != nil {
			return fmt.Errorf("billing: withdraw transfers: %w", err)
		}
		return b.audit(ctx, tx, "transfers.withdraw", transfersObject(collectOn), map[string]any{"pending": n, "amount": total},
			map[string]any{"pending": 0, "withdrawn": n})
	})
	return n, sum, err
}

// newCode decides the 新規コード of a contractor's next transfer: '1' if
// none was ever requested, '2' if the mandate changed since the last one,
// '0' otherwise; and the mandate version it is for.
func (b *Billing) newCode(ctx context.Context, tx *sql.Tx, contractor string) (string, int64, error) {
	var version int64
	if err := tx.QueryRowContext(ctx, b.q(`SELECT version FROM billing_mandates WHERE contractor_id = ?`), contractor).Scan(&version); err != nil {
		return "", 0, fmt.Errorf("billing: prepare transfers: mandate of %s: %w", contractor, err)
	}
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, b.q(`SELECT MAX(t.mandate_version) FROM billing_transfers t
		JOIN billing_invoices i ON i.id = t.invoice_id WHERE i.contractor_id = ? AND t.result_code <> ?`), contractor, withdrawn).Scan(&last); err != nil {
		return "", 0, fmt.Errorf("billing: prepare transfers: last transfer of %s: %w", contractor, err)
	}
	switch {
	case !last.Valid:
		return "1", version, nil
	case last.Int64 != version:
		return "2", version, nil
	}
	return "0", version, nil
}

func transfersObject(collectOn Date) string { return "billing-transfers:" + collectOn.String() }

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}
