package billing

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"net/mail"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// IssuerSettings are the qualified invoice issuer's details
// (適格請求書発行事業者), stored once in the database and printed on every
// invoice: name and registration number (required), address, phone, the
// account customers pay into (振込先), the sender address of invoice
// mail, the payment term and an optional seal. Each change is stored as a
// new version; an invoice keeps the version it was issued under, and the
// numbering sequence is the same across versions.
type IssuerSettings struct {
	Version      int64 // set by SetIssuer; 0 before
	Name         string
	Registration string // T + 13 digits
	Postcode     string // 〒, e.g. 100-0001
	Address      string
	Phone        string
	Email        string // From: of invoice mail
	Bank         PayeeAccount
	PaymentDays  int    // due date = issue date + this; 0 means 30
	SealPNG      []byte // optional 印影, PNG
}

// PayeeAccount is the account customers transfer to (振込先).
type PayeeAccount struct {
	BankName      string // e.g. みずほ銀行
	BranchName    string // e.g. 東京営業部
	AccountType   int    // 1 普通, 2 当座
	AccountNumber string // up to 7 digits
	Holder        string // 口座名義, as the bank has it
}

// IsZero reports whether no account is given.
func (a PayeeAccount) IsZero() bool { return a == PayeeAccount{} }

// TypeName is the account type as printed: 普通 or 当座.
func (a PayeeAccount) TypeName() string {
	switch a.AccountType {
	case 1:
		return "普通"
	case 2:
		return "当座"
	}
	return ""
}

// maxSeal is the largest seal image accepted: a stamp, not a photograph.
const maxSeal = 512 << 10

// Validate checks the settings and says what to fix.
func (s IssuerSettings) Validate() error {
	bad := func(field, rule, format string, a ...any) error {
		return fieldError(field, rule, fmt.Errorf("%w: %s", ErrInvalidIssuer, fmt.Sprintf(format, a...)))
	}
	if strings.TrimSpace(s.Name) == "" {
		return bad("Name", "required", "the issuer's name is required")
	}
	if err := ValidateRegistration(s.Registration); err != nil {
		return fieldError("Registration", "registration", fmt.Errorf("%w: %w", ErrInvalidIssuer, err))
	}
	if s.PaymentDays < 0 || s.PaymentDays > 365 {
		return bad("PaymentDays", "payment_days", "payment days %d: give 1 to 365 days from issue to due date", s.PaymentDays)
	}
	if strings.Trim(s.Phone, "0123456789-+() ") != "" {
		return bad("Phone", "phone", "phone %q: digits and hyphens only, e.g. 03-1234-5678", s.Phone)
	}
	if s.Email != "" {
		if err := checkEmail(s.Email); err != nil {
			return fieldError("Email", "email", fmt.Errorf("%w: sender address: %w", ErrInvalidIssuer, err))
		}
	}
	if err := s.Bank.validate(bad); err != nil {
		return err
	}
	if len(s.SealPNG) > 0 {
		if len(s.SealPNG) > maxSeal {
			return fieldError("SealPNG", "seal_size", fmt.Errorf("%w: %d KiB, at most %d KiB", ErrInvalidSeal, len(s.SealPNG)>>10, maxSeal>>10))
		}
		if _, err := png.DecodeConfig(bytes.NewReader(s.SealPNG)); err != nil {
			return fieldError("SealPNG", "seal_png", fmt.Errorf("%w: not a PNG image: %w", ErrInvalidSeal, err))
		}
	}
	return nil
}

// validate checks the payee account: none, or all of it.
func (a PayeeAccount) validate(bad func(field, rule, format string, a ...any) error) error {
	switch {
	case a.IsZero():
		return nil
	case a.BankName == "":
		return bad("Bank.BankName", "payee_incomplete", "the payee account needs bank name, branch name, account number and holder")
	case a.BranchName == "":
		return bad("Bank.BranchName", "payee_incomplete", "the payee account needs bank name, branch name, account number and holder")
	case a.Holder == "":
		return bad("Bank.Holder", "payee_incomplete", "the payee account needs bank name, branch name, account number and holder")
	case a.AccountType != 1 && a.AccountType != 2:
		return bad("Bank.AccountType", "account_type", "payee account type %d: 1 (普通) or 2 (当座)", a.AccountType)
	case !allDigits(a.AccountNumber, 1, 7):
		return bad("Bank.AccountNumber", "account_number", "payee account number %q: 1 to 7 digits", a.AccountNumber)
	}
	return nil
}

// checkEmail accepts one plain address (name@domain), no display name.
func checkEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.IndexByte(s, '@')+1:], ".") {
		return fmt.Errorf("%w: %q: give one address such as billing@example.co.jp", ErrInvalidEmail, s)
	}
	return nil
}

// issuer is what numbering and the invoice row need of the settings.
func (s IssuerSettings) issuer() Issuer {
	return Issuer{Name: s.Name, Registration: s.Registration, PaymentDays: s.PaymentDays}
}

const issuerColumns = `id, name, registration, postcode, address, phone, email, bank_name, branch_name, account_type,
	account_number, account_holder, payment_days, seal_png`

func scanIssuer(sc interface{ Scan(...any) error }) (IssuerSettings, error) {
	var s IssuerSettings
	var seal string
	if err := sc.Scan(&s.Version, &s.Name, &s.Registration, &s.Postcode, &s.Address, &s.Phone, &s.Email,
		&s.Bank.BankName, &s.Bank.BranchName, &s.Bank.AccountType, &s.Bank.AccountNumber, &s.Bank.Holder,
		&s.PaymentDays, &seal); err != nil {
		return IssuerSettings{}, err
	}
	if seal != "" {
		b, err := base64.StdEncoding.DecodeString(seal)
		if err != nil {
			return IssuerSettings{}, fmt.Errorf("billing: stored seal of issuer version %d: %w", s.Version, err)
		}
		s.SealPNG = b
	}
	return s, nil
}

// CurrentIssuer returns the stored settings (the newest version), or an
// error wrapping ErrNoIssuer that says how to store them.
func (b *Billing) CurrentIssuer(ctx context.Context) (IssuerSettings, error) {
	return b.currentIssuer(ctx, b.db)
}

func (b *Billing) currentIssuer(ctx context.Context, db queryer) (IssuerSettings, error) {
	s, err := scanIssuer(db.QueryRowContext(ctx, `SELECT `+issuerColumns+` FROM billing_issuer_versions ORDER BY id DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return IssuerSettings{}, ledger.NewError(ErrNoIssuer,
			"the issuer's settings are not stored yet (store them once with: dezura billing issuer set --name NAME --registration T...)")
	}
	if err != nil {
		return IssuerSettings{}, fmt.Errorf("billing: issuer settings: %w", err)
	}
	return s, nil
}

// issuerVersion returns the settings an invoice was issued under.
func (b *Billing) issuerVersion(ctx context.Context, db queryer, version int64) (IssuerSettings, error) {
	s, err := scanIssuer(db.QueryRowContext(ctx, b.q(`SELECT `+issuerColumns+` FROM billing_issuer_versions WHERE id = ?`), version))
	if err != nil {
		return IssuerSettings{}, fmt.Errorf("billing: issuer settings version %d: %w", version, err)
	}
	return s, nil
}

// SetIssuer stores the issuer's settings. Nothing changes if they are the
// same as the stored ones; otherwise they become a new version, used by
// every invoice and credit note issued from now on (those already issued
// keep theirs). Invoice numbers continue in the same sequence.
func (b *Billing) SetIssuer(ctx context.Context, s IssuerSettings) (IssuerSettings, error) {
	return b.UpdateIssuer(ctx, func(cur *IssuerSettings) { *cur = s })
}

// UpdateIssuer changes the stored settings as change says, in one
// transaction: change gets the stored settings (zero ones if none are
// stored) to change what it was asked to, and the result is stored as
// SetIssuer stores settings. A form that shows the settings uses it to
// keep what it does not show (the seal image, unless a new one is given).
func (b *Billing) UpdateIssuer(ctx context.Context, change func(s *IssuerSettings)) (IssuerSettings, error) {
	var out IssuerSettings
	err := b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if err := b.txLock(ctx, tx, "issuer"); err != nil {
			return fmt.Errorf("billing: store issuer settings: %w", err)
		}
		cur, err := b.currentIssuer(ctx, tx)
		found := err == nil
		if err != nil && !errors.Is(err, ErrNoIssuer) {
			return err
		}
		s := cur
		change(&s)
		s.Version = cur.Version
		if s.PaymentDays == 0 {
			s.PaymentDays = 30
		}
		if err := s.Validate(); err != nil {
			return err
		}
		if s.Bank.AccountNumber != "" {
			s.Bank.AccountNumber = strings.Repeat("0", 7-len(s.Bank.AccountNumber)) + s.Bank.AccountNumber
		}
		if found && sameIssuer(cur, s) {
			out = cur
			return nil
		}
		var before any
		if found {
			before = auditedIssuer(cur)
		}
		if err := tx.QueryRowContext(ctx, b.q(`INSERT INTO billing_issuer_versions (name, registration, postcode, address, phone,
		email, bank_name, branch_name, account_type, account_number, account_holder, payment_days, seal_png, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			s.Name, s.Registration, s.Postcode, s.Address, s.Phone, s.Email, s.Bank.BankName, s.Bank.BranchName,
			s.Bank.AccountType, s.Bank.AccountNumber, s.Bank.Holder, s.PaymentDays, base64.StdEncoding.EncodeToString(s.SealPNG),
			b.stamp()).Scan(&s.Version); err != nil {
			return fmt.Errorf("billing: store issuer settings: %w", err)
		}
		out = s
		return b.audit(ctx, tx, "issuer.set", "billing-issuer", before, auditedIssuer(s))
	})
	if err != nil {
		return IssuerSettings{}, err
	}
	return out, nil
}

func sameIssuer(a, b IssuerSettings) bool {
	return bytes.Equal(a.SealPNG, b.SealPNG) && a.Version == b.Version && a.Name == b.Name &&
		a.Registration == b.Registration && a.Postcode == b.Postcode && a.Address == b.Address && a.Phone == b.Phone &&
		a.Email == b.Email && a.Bank == b.Bank && a.PaymentDays == b.PaymentDays
}

// runIssuer decides who issues a run's invoices: the stored settings. A
// run given an issuer (the --issuer-* flags of older set-ups) must name
// the stored one, so that a typing error cannot print another
// registration number; with nothing stored yet, the given issuer becomes
// the stored settings.
func (b *Billing) runIssuer(ctx context.Context, given Issuer) (IssuerSettings, error) {
	cur, err := b.CurrentIssuer(ctx)
	switch {
	case errors.Is(err, ErrNoIssuer) && given != (Issuer{}):
		if err := given.Validate(); err != nil {
			return IssuerSettings{}, err
		}
		return b.SetIssuer(ctx, IssuerSettings{Name: given.Name, Registration: given.Registration, PaymentDays: given.PaymentDays})
	case err != nil:
		return IssuerSettings{}, err
	case given.Name == "" && given.Registration == "":
		return cur, nil
	case given.Name != cur.Name || given.Registration != cur.Registration:
		return IssuerSettings{}, ledger.NewError(ErrIssuerMismatch,
			"the issuer given (%s, %s) is not the stored issuer (%s, %s): leave the issuer flags out, or change the stored settings with: dezura billing issuer set",
			given.Name, given.Registration, cur.Name, cur.Registration)
	}
	return cur, nil
}
