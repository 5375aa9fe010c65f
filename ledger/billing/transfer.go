package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Mandate is a contractor's account-transfer authorisation (口座振替依頼書).
type Mandate struct {
	ContractorID  string
	BankCode      string // 4 digits
	BankName      string // optional, converted to half-width kana
	BranchCode    string // 3 digits
	BranchName    string // optional
	AccountType   int    // 1 普通, 2 当座, 3 納税準備, 9 その他
	AccountNumber string // up to 7 digits (zero-padded)
	Holder        string // 預金者名, converted to half-width kana, at most 30
}

func allDigits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Normalize validates the mandate and converts its names to the Zengin
// half-width form it will be written in; a name that does not fit is an
// error, never cut.
func (m Mandate) Normalize() (Mandate, error) {
	bad := func(format string, a ...any) (Mandate, error) {
		return Mandate{}, fmt.Errorf("%w: %s: %s", ErrInvalidMandate, m.ContractorID, fmt.Sprintf(format, a...))
	}
	switch {
	case strings.TrimSpace(m.ContractorID) == "":
		return bad("contractor ID is required")
	case !allDigits(m.BankCode, 4, 4):
		return bad("bank code %q must be 4 digits", m.BankCode)
	case !allDigits(m.BranchCode, 3, 3):
		return bad("branch code %q must be 3 digits", m.BranchCode)
	case m.AccountType != 1 && m.AccountType != 2 && m.AccountType != 3 && m.AccountType != 9:
		return bad("account type %d must be 1 (普通), 2 (当座), 3 (納税準備) or 9 (その他)", m.AccountType)
	case !allDigits(m.AccountNumber, 1, 7):
		return bad("account number %q must be 1 to 7 digits", m.AccountNumber)
	}
	m.AccountNumber = strings.Repeat("0", 7-len(m.AccountNumber)) + m.AccountNumber
	for _, f := range []struct {
		name  string
		v     *string
		width int
	}{{"holder name", &m.Holder, 30}, {"bank name", &m.BankName, 15}, {"branch name", &m.BranchName, 15}} {
		k, err := ToZenginKana(*f.v)
		if err != nil {
			return Mandate{}, fmt.Errorf("%w: %s: %s: %w", ErrInvalidMandate, m.ContractorID, f.name, err)
		}
		if n := len([]rune(k)); n > f.width {
			return Mandate{}, fmt.Errorf("%w: %s: %s %q is %d characters in half-width kana, at most %d fit: %w",
				ErrInvalidMandate, m.ContractorID, f.name, k, n, f.width, ErrFieldTooLong)
		}
		*f.v = k
	}
	if strings.TrimSpace(m.Holder) == "" {
		return bad("holder name is required")
	}
	return m, nil
}

// SetMandate stores (or replaces) a contractor's mandate after Normalize.
// The contractor must be registered in the ledger (ErrUnknownContractor);
// a disabled one may still settle by account transfer what it owes.
func (b *Billing) SetMandate(ctx context.Context, m Mandate) (Mandate, error) {
	m, err := m.Normalize()
	if err != nil {
		return Mandate{}, err
	}
	if err := b.checkContractor(ctx, b.db, m.ContractorID, false); err != nil {
		return Mandate{}, err
	}
	if _, err := b.db.ExecContext(ctx, b.q(`INSERT INTO billing_mandates
		(contractor_id, bank_code, bank_name, branch_code, branch_name, account_type, account_number, holder, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (contractor_id) DO UPDATE SET bank_code = excluded.bank_code, bank_name = excluded.bank_name,
		branch_code = excluded.branch_code, branch_name = excluded.branch_name, account_type = excluded.account_type,
		account_number = excluded.account_number, holder = excluded.holder, updated_at = excluded.updated_at,
		version = billing_mandates.version + CASE WHEN billing_mandates.bank_code = excluded.bank_code
			AND billing_mandates.branch_code = excluded.branch_code AND billing_mandates.account_type = excluded.account_type
			AND billing_mandates.account_number = excluded.account_number AND billing_mandates.holder = excluded.holder
			THEN 0 ELSE 1 END`),
		m.ContractorID, m.BankCode, m.BankName, m.BranchCode, m.BranchName, m.AccountType, m.AccountNumber, m.Holder, b.stamp()); err != nil {
		return Mandate{}, fmt.Errorf("billing: set mandate %s: %w", m.ContractorID, err)
	}
	return m, nil
}

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
}

// PrepareTransfers builds the request file for collection on collectOn: one
// data record for every unpaid, unvoided invoice due by then whose
// contractor has a mandate and that has no transfer awaiting a result. Each
// record gets a customer number (顧客番号) of its own, which the result file
// quotes back. Preparing the same date again returns the same file.
func (b *Billing) PrepareTransfers(ctx context.Context, collectOn Date, c Collector) (TransferFile, error) {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
	}
	defer tx.Rollback()
	if err := b.txLock(ctx, tx, "transfers"); err != nil {
		return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
	}
	rows, err := tx.QueryContext(ctx, b.q(`SELECT i.id, i.contractor_id, i.total -
			COALESCE((SELECT SUM(p.amount) FROM billing_payments p WHERE p.invoice_id = i.id), 0)
		FROM billing_invoices i JOIN billing_mandates m ON m.contractor_id = i.contractor_id
		WHERE i.kind <> 'credit' AND i.voided_by = 0 AND i.due_date <= ?
		AND NOT EXISTS (SELECT 1 FROM billing_transfers t WHERE t.invoice_id = i.id AND t.result_code = '')
		ORDER BY i.id`), collectOn.String())
	if err != nil {
		return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
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
			return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
		}
		if x.amount > 0 {
			todo = append(todo, x)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
	}
	now := b.stamp()
	for _, x := range todo {
		code, version, err := b.newCode(ctx, tx, x.contractor)
		if err != nil {
			return TransferFile{}, err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, b.q(`INSERT INTO billing_transfers (invoice_id, customer_number, amount, collect_on, first_transfer,
			new_code, mandate_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			x.invoice, fmt.Sprintf("pending-%d", x.invoice), x.amount, collectOn.String(), boolInt(code == "1"), code, version, now).Scan(&id); err != nil {
			return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
		}
		if _, err := tx.ExecContext(ctx, b.q(`UPDATE billing_transfers SET customer_number = ? WHERE id = ?`), fmt.Sprintf("%020d", id), id); err != nil {
			return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
		}
	}
	f := TransferFile{Header: TransferHeader{CollectorCode: c.Code, CollectorName: c.Name, CollectOn: collectOn,
		BankCode: c.BankCode, BankName: c.BankName, BranchCode: c.BranchCode, BranchName: c.BranchName,
		AccountType: c.AccountType, AccountNumber: c.AccountNumber}}
	rows, err = tx.QueryContext(ctx, b.q(`SELECT m.bank_code, m.bank_name, m.branch_code, m.branch_name, m.account_type, m.account_number,
			m.holder, t.amount, t.new_code, t.customer_number
		FROM billing_transfers t JOIN billing_invoices i ON i.id = t.invoice_id JOIN billing_mandates m ON m.contractor_id = i.contractor_id
		WHERE t.collect_on = ? AND t.result_code = '' ORDER BY t.id`), collectOn.String())
	if err != nil {
		return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
	}
	for rows.Next() {
		var r TransferRecord
		var amount int64
		var code string
		if err := rows.Scan(&r.BankCode, &r.BankName, &r.BranchCode, &r.BranchName, &r.AccountType, &r.AccountNumber,
			&r.Holder, &amount, &code, &r.CustomerNumber); err != nil {
			rows.Close()
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
	rows.Close()
	if err := rows.Err(); err != nil {
		return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
	}
	// Check the file can be written before recording anything.
	if _, err := MarshalTransferFile(f, false); err != nil {
		return TransferFile{}, err
	}
	if err := tx.Commit(); err != nil {
		return TransferFile{}, fmt.Errorf("billing: prepare transfers: %w", err)
	}
	return f, nil
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
		JOIN billing_invoices i ON i.id = t.invoice_id WHERE i.contractor_id = ?`), contractor).Scan(&last); err != nil {
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

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

// TransferOutcome is what reading one result record did.
type TransferOutcome struct {
	CustomerNumber string
	InvoiceNumber  string // "" if the customer number is not ours
	ContractorID   string
	Amount         Yen
	Result         ResultCode
	// Recorded is false when this result had already been read before (or
	// the customer number is unknown): nothing was recorded for it now.
	Recorded bool
	// RefundDue is set when the collected money exceeds what was still owed
	// (the invoice was paid another way or voided meanwhile).
	RefundDue bool
}

// ApplyTransferResult reads the bank's result file: each collected record
// becomes a payment (method 口座振替, dated the collection date), each
// failure is kept with its reason so the invoice can be collected again.
// All in one transaction; reading the same file twice records nothing the
// second time.
func (b *Billing) ApplyTransferResult(ctx context.Context, data []byte) ([]TransferOutcome, error) {
	f, err := ParseTransferFile(data)
	if err != nil {
		return nil, err
	}
	if !f.IsResult() {
		return nil, fmt.Errorf("%w: the trailer has no collected or failed counts: this is a request, not the bank's result", ErrMalformedRecord)
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("billing: transfer result: %w", err)
	}
	defer tx.Rollback()
	if err := b.txLock(ctx, tx, "transfers"); err != nil {
		return nil, fmt.Errorf("billing: transfer result: %w", err)
	}
	now := b.stamp()
	out := make([]TransferOutcome, 0, len(f.Records))
	for _, r := range f.Records {
		o := TransferOutcome{CustomerNumber: r.CustomerNumber, Amount: r.Amount, Result: r.Result}
		var invoiceID, amount int64
		var collectOn, code, issuer string
		err := tx.QueryRowContext(ctx, b.q(`SELECT t.invoice_id, t.amount, t.collect_on, t.result_code, i.number, i.contractor_id, i.issuer_registration
			FROM billing_transfers t JOIN billing_invoices i ON i.id = t.invoice_id WHERE t.customer_number = ?`), r.CustomerNumber).
			Scan(&invoiceID, &amount, &collectOn, &code, &o.InvoiceNumber, &o.ContractorID, &issuer)
		if errors.Is(err, sql.ErrNoRows) {
			out = append(out, o)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("billing: transfer result %s: %w", r.CustomerNumber, err)
		}
		if Yen(amount) != r.Amount {
			return nil, fmt.Errorf("%w: customer number %s: file says %d yen, we requested %d", ErrMalformedRecord, r.CustomerNumber, r.Amount, amount)
		}
		res, err := tx.ExecContext(ctx, b.q(`UPDATE billing_transfers SET result_code = ?, result_read_at = ? WHERE customer_number = ? AND result_code = ''`),
			string(r.Result.Digit()), now, r.CustomerNumber)
		if err != nil {
			return nil, fmt.Errorf("billing: transfer result %s: %w", r.CustomerNumber, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("billing: transfer result %s: %w", r.CustomerNumber, err)
		} else if n == 0 {
			out = append(out, o) // already read
			continue
		}
		o.Recorded = true
		if r.Result == ResultCollected {
			in, err := b.invoiceWhere(ctx, tx, o.InvoiceNumber, issuer)
			if err != nil {
				return nil, err
			}
			on, err := ParseDate(collectOn)
			if err != nil {
				return nil, err
			}
			if _, err := b.insertPayment(ctx, tx, in, r.Amount, on, "口座振替", "zengin:"+r.CustomerNumber, true); err != nil {
				return nil, err
			}
			o.RefundDue = in.Voided() || r.Amount > in.Balance()
		}
		out = append(out, o)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("billing: transfer result: %w", err)
	}
	return out, nil
}
