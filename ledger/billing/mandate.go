package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
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
	bad := func(field, rule, format string, a ...any) (Mandate, error) {
		return Mandate{}, fieldError(field, rule, fmt.Errorf("%w: %s: %s", ErrInvalidMandate, m.ContractorID, fmt.Sprintf(format, a...)))
	}
	switch {
	case strings.TrimSpace(m.ContractorID) == "":
		return bad("ContractorID", "required", "contractor ID is required")
	case !allDigits(m.BankCode, 4, 4):
		return bad("BankCode", "bank_code", "bank code %q must be 4 digits", m.BankCode)
	case !allDigits(m.BranchCode, 3, 3):
		return bad("BranchCode", "branch_code", "branch code %q must be 3 digits", m.BranchCode)
	case m.AccountType != 1 && m.AccountType != 2 && m.AccountType != 3 && m.AccountType != 9:
		return bad("AccountType", "account_type", "account type %d must be 1 (普通), 2 (当座), 3 (納税準備) or 9 (その他)", m.AccountType)
	case !allDigits(m.AccountNumber, 1, 7):
		return bad("AccountNumber", "account_number", "account number %q must be 1 to 7 digits", m.AccountNumber)
	}
	m.AccountNumber = strings.Repeat("0", 7-len(m.AccountNumber)) + m.AccountNumber
	for _, f := range []struct {
		field, name string
		v           *string
		width       int
	}{{"Holder", "holder name", &m.Holder, 30}, {"BankName", "bank name", &m.BankName, 15}, {"BranchName", "branch name", &m.BranchName, 15}} {
		k, err := ToZenginKana(*f.v)
		if err != nil {
			return Mandate{}, fieldError(f.field, "kana", fmt.Errorf("%w: %s: %s: %w", ErrInvalidMandate, m.ContractorID, f.name, err))
		}
		if n := len([]rune(k)); n > f.width {
			return Mandate{}, fieldError(f.field, "kana_too_long", fmt.Errorf("%w: %s: %s %q is %d characters in half-width kana, at most %d fit: %w",
				ErrInvalidMandate, m.ContractorID, f.name, k, n, f.width, ErrFieldTooLong))
		}
		*f.v = k
	}
	if strings.TrimSpace(m.Holder) == "" {
		return bad("Holder", "required", "holder name is required")
	}
	return m, nil
}

// SetMandate stores (or replaces) a contractor's mandate after Normalize.
// The contractor must be registered in the ledger (ErrUnknownContractor);
// a disabled one may still settle by account transfer what it owes.
// Setting a mandate clears a stop the payer's bank reported.
func (b *Billing) SetMandate(ctx context.Context, m Mandate) (Mandate, error) {
	m, err := m.Normalize()
	if err != nil {
		return Mandate{}, err
	}
	err = b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if _, err := b.checkContractor(ctx, tx, m.ContractorID, false); err != nil {
			return err
		}
		var before any
		switch was, err := b.mandate(ctx, tx, m.ContractorID); {
		case err == nil:
			a := auditedMandate(was.Mandate)
			a["stopped_code"] = stoppedDigit(was.Stopped)
			before = a
		case !errors.Is(err, ErrNoMandate):
			return err
		}
		if _, err := tx.ExecContext(ctx, b.q(`INSERT INTO billing_mandates
		(contractor_id, bank_code, bank_name, branch_code, branch_name, account_type, account_number, holder, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (contractor_id) DO UPDATE SET bank_code = excluded.bank_code, bank_name = excluded.bank_name,
		branch_code = excluded.branch_code, branch_name = excluded.branch_name, account_type = excluded.account_type,
		account_number = excluded.account_number, holder = excluded.holder, updated_at = excluded.updated_at,
		stopped_code = '', stopped_on = '', stopped_customer_number = '',
		version = billing_mandates.version + CASE WHEN billing_mandates.bank_code = excluded.bank_code
			AND billing_mandates.branch_code = excluded.branch_code AND billing_mandates.account_type = excluded.account_type
			AND billing_mandates.account_number = excluded.account_number AND billing_mandates.holder = excluded.holder
			THEN 0 ELSE 1 END`),
			m.ContractorID, m.BankCode, m.BankName, m.BranchCode, m.BranchName, m.AccountType, m.AccountNumber, m.Holder, b.stamp()); err != nil {
			return fmt.Errorf("billing: set mandate %s: %w", m.ContractorID, err)
		}
		after := auditedMandate(m)
		after["stopped_code"] = ""
		return b.audit(ctx, tx, "mandate.set", mandateObject(m.ContractorID), before, after)
	})
	if err != nil {
		return Mandate{}, err
	}
	return m, nil
}

// stoppedDigit is a stop's result code as the database keeps it ("" for none).
func stoppedDigit(c ResultCode) string {
	if c == ResultUnknown {
		return ""
	}
	return string(c.Digit())
}

// MandateStatus is a stored mandate and whether debits are stopped.
type MandateStatus struct {
	Mandate
	Version int64
	// Stopped is the payer-side result that stopped debits (zero: none):
	// the office must talk to the contractor, then set the mandate again
	// (new account) or resume it.
	Stopped   ResultCode
	StoppedOn Date   // the collection date of that result
	StoppedBy string // its customer number
	UpdatedAt string
}

const mandateColumns = `contractor_id, bank_code, bank_name, branch_code, branch_name, account_type, account_number, holder,
		version, stopped_code, stopped_on, stopped_customer_number, updated_at`

func scanMandate(sc interface{ Scan(...any) error }) (MandateStatus, error) {
	var m MandateStatus
	var code, on string
	if err := sc.Scan(&m.ContractorID, &m.BankCode, &m.BankName, &m.BranchCode, &m.BranchName, &m.AccountType, &m.AccountNumber,
		&m.Holder, &m.Version, &code, &on, &m.StoppedBy, &m.UpdatedAt); err != nil {
		return MandateStatus{}, err
	}
	if code != "" {
		m.Stopped, _ = resultFromDigit(code[0])
	}
	var err error
	m.StoppedOn, err = parseStoredDate(on)
	return m, err
}

// Mandates lists the stored mandates by contractor; stoppedOnly lists
// only those whose debits are stopped (the office's to-do list).
func (b *Billing) Mandates(ctx context.Context, stoppedOnly bool) ([]MandateStatus, error) {
	query := `SELECT ` + mandateColumns + ` FROM billing_mandates`
	if stoppedOnly {
		query += ` WHERE stopped_code <> ''`
	}
	rows, err := b.db.QueryContext(ctx, query+` ORDER BY contractor_id`)
	if err != nil {
		return nil, fmt.Errorf("billing: mandates: %w", err)
	}
	defer rows.Close()
	var out []MandateStatus
	for rows.Next() {
		m, err := scanMandate(rows)
		if err != nil {
			return nil, fmt.Errorf("billing: mandates: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: mandates: %w", err)
	}
	return out, nil
}

// Mandate returns one contractor's mandate (ErrNoMandate if none is
// stored).
func (b *Billing) Mandate(ctx context.Context, contractorID string) (MandateStatus, error) {
	return b.mandate(ctx, b.db, contractorID)
}

func (b *Billing) mandate(ctx context.Context, db queryer, contractorID string) (MandateStatus, error) {
	m, err := scanMandate(db.QueryRowContext(ctx, b.q(`SELECT `+mandateColumns+` FROM billing_mandates WHERE contractor_id = ?`), contractorID))
	if errors.Is(err, sql.ErrNoRows) {
		return MandateStatus{}, ledger.NewError(ErrNoMandate, "contractor %s has no account-transfer mandate (register one with: dezura billing mandate set)", contractorID)
	}
	if err != nil {
		return MandateStatus{}, fmt.Errorf("billing: mandate of %s: %w", contractorID, err)
	}
	return m, nil
}

// ResumeMandate lifts a stop on a contractor's debits, after the office
// has confirmed with the contractor that the account may be debited again
// (a new account is a new mandate: SetMandate).
func (b *Billing) ResumeMandate(ctx context.Context, contractorID string) error {
	return b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		was, err := b.mandate(ctx, tx, contractorID)
		if err != nil && !errors.Is(err, ErrNoMandate) {
			return err
		}
		if err != nil || was.Stopped == ResultUnknown {
			return ledger.NewError(ErrInvalidMandate, "contractor %s has no stopped mandate (list them with: dezura billing mandate list --stopped)", contractorID)
		}
		if _, err := tx.ExecContext(ctx, b.q(`UPDATE billing_mandates SET stopped_code = '', stopped_on = '', stopped_customer_number = '',
		updated_at = ? WHERE contractor_id = ?`), b.stamp(), contractorID); err != nil {
			return fmt.Errorf("billing: resume mandate of %s: %w", contractorID, err)
		}
		return b.audit(ctx, tx, "mandate.resume", mandateObject(contractorID),
			map[string]any{"stopped_code": stoppedDigit(was.Stopped), "stopped_on": was.StoppedOn.String()},
			map[string]any{"stopped_code": "", "stopped_on": ""})
	})
}
