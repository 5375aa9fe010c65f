package main

// dezura billing issuer, invoice pdf, print, contact and mail: who issues
// the invoices and how they reach the customer.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dezura/dezura/ledger/billing"
)

type billingIssuerCmd struct {
	Set  billingIssuerSetCmd  `cmd:"" help:"Store or change the issuer's settings; flags left out keep their stored value."`
	Show billingIssuerShowCmd `cmd:"" help:"Show the stored settings."`
}

type billingIssuerSetCmd struct {
	Name         string `placeholder:"NAME" help:"the issuer's name as registered, e.g. 株式会社デズラ"`
	Registration string `placeholder:"T0000000000000" help:"qualified invoice registration number, T and 13 digits (check digit verified)"`
	Postcode     string `placeholder:"NNN-NNNN" help:"postcode (郵便番号)"`
	Address      string `help:"address printed on invoices"`
	Phone        string `placeholder:"03-1234-5678" help:"phone number printed on invoices"`
	Email        string `placeholder:"ADDRESS" help:"sender address of invoice mail"`
	BankName     string `placeholder:"NAME" help:"振込先: bank name, e.g. みずほ銀行"`
	BranchName   string `placeholder:"NAME" help:"振込先: branch name"`
	AccountType  int    `help:"振込先: 1 普通, 2 当座"`
	Account      string `placeholder:"NUMBER" help:"振込先: account number, up to 7 digits"`
	Holder       string `placeholder:"NAME" help:"振込先: account holder (口座名義)"`
	PaymentDays  int    `help:"days from issue to due date (default 30)"`
	Seal         string `placeholder:"FILE.png" help:"seal image (印影), PNG; 'none' removes it"`
}

func (c *billingIssuerSetCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	s, err := b.CurrentIssuer(ctx)
	if err != nil && !errors.Is(err, billing.ErrNoIssuer) {
		return err
	}
	for _, f := range []struct {
		dst *string
		v   string
	}{{&s.Name, c.Name}, {&s.Registration, c.Registration}, {&s.Postcode, c.Postcode}, {&s.Address, c.Address},
		{&s.Phone, c.Phone}, {&s.Email, c.Email}, {&s.Bank.BankName, c.BankName}, {&s.Bank.BranchName, c.BranchName},
		{&s.Bank.AccountNumber, c.Account}, {&s.Bank.Holder, c.Holder}} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	if c.AccountType != 0 {
		s.Bank.AccountType = c.AccountType
	}
	if c.PaymentDays != 0 {
		s.PaymentDays = c.PaymentDays
	}
	switch c.Seal {
	case "":
	case "none":
		s.SealPNG = nil
	default:
		if s.SealPNG, err = os.ReadFile(c.Seal); err != nil {
			return fileError("read", c.Seal, err)
		}
	}
	stored, err := b.SetIssuer(ctx, s)
	if err != nil {
		return err
	}
	o.Printf("issuer settings stored (version %d); invoices issued from now on carry them\n", stored.Version)
	return printIssuer(o, false, stored)
}

type billingIssuerShowCmd struct{ jsonFlag }

func (c *billingIssuerShowCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	s, err := b.CurrentIssuer(ctx)
	if err != nil {
		return err
	}
	return printIssuer(o, c.JSON, s)
}

type issuerJSON struct {
	Version       int64  `json:"version"`
	Name          string `json:"name"`
	Registration  string `json:"registration"`
	Postcode      string `json:"postcode,omitempty"`
	Address       string `json:"address,omitempty"`
	Phone         string `json:"phone,omitempty"`
	Email         string `json:"email,omitempty"`
	BankName      string `json:"bank_name,omitempty"`
	BranchName    string `json:"branch_name,omitempty"`
	AccountType   int    `json:"account_type,omitempty"`
	AccountNumber string `json:"account_number,omitempty"`
	Holder        string `json:"holder,omitempty"`
	PaymentDays   int    `json:"payment_days"`
	Seal          bool   `json:"seal"`
}

func printIssuer(o *output, asJSON bool, s billing.IssuerSettings) error {
	if asJSON {
		return o.JSON(issuerJSON{s.Version, s.Name, s.Registration, s.Postcode, s.Address, s.Phone, s.Email, s.Bank.BankName,
			s.Bank.BranchName, s.Bank.AccountType, s.Bank.AccountNumber, s.Bank.Holder, s.PaymentDays, len(s.SealPNG) > 0})
	}
	payee := "-"
	if !s.Bank.IsZero() {
		payee = strings.Join([]string{s.Bank.BankName, s.Bank.BranchName, s.Bank.TypeName(), s.Bank.AccountNumber, s.Bank.Holder}, " ")
	}
	return o.Table([]string{"SETTING", "VALUE"}, [][]string{
		{"name", s.Name}, {"registration", s.Registration}, {"address", orDash(strings.TrimSpace(s.Postcode + " " + s.Address))},
		{"phone", orDash(s.Phone)}, {"email", orDash(s.Email)}, {"振込先", payee},
		{"payment days", fmt.Sprint(s.PaymentDays)}, {"seal", yesNo(len(s.SealPNG) > 0)}, {"version", fmt.Sprint(s.Version)},
	})
}

// fontFlag is the TrueType font PDFs embed.
type fontFlag struct {
	Font string `env:"DEZURA_INVOICE_FONT" placeholder:"PATH" help:"TrueType font with Japanese glyphs (default: IPAexGothic of Debian's fonts-ipaexfont)"`
}

// warnMissing tells the office which characters the font could not print.
func warnMissing(o *output, rep billing.PDFReport) {
	if len(rep.Missing) > 0 {
		fmt.Fprintf(o.Stderr, "warning: the font has no glyph for %q; printed as 〓: check the names\n", string(rep.Missing))
	}
}

type billingInvoicePDFCmd struct {
	fontFlag
	Number string `arg:"" help:"invoice or credit note number"`
	Out    string `required:"" placeholder:"FILE.pdf" help:"the PDF to write"`
	Issuer string `placeholder:"T0000000000000" help:"issuer registration number, if several issuers share numbers"`
}

func (c *billingInvoicePDFCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	font, err := billing.LoadFont(c.Font)
	if err != nil {
		return err
	}
	var rep billing.PDFReport
	if err := writeTo(o.Stdout, c.Out, func(w io.Writer) error {
		rep, err = b.IssuePDF(ctx, w, font, c.Number, c.Issuer)
		return err
	}); err != nil {
		return err
	}
	warnMissing(o, rep)
	o.Printf("%s: %s, %s\n", c.Out, c.Number, count(rep.Pages, "page"))
	return nil
}

type billingPrintCmd struct {
	fontFlag
	Out string `required:"" placeholder:"FILE.pdf" help:"the PDF to write"`
}

func (c *billingPrintCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	font, err := billing.LoadFont(c.Font)
	if err != nil {
		return err
	}
	pdf, numbers, rep, err := b.PrintBatch(ctx, font)
	if err != nil {
		return err
	}
	if err := writeTo(o.Stdout, c.Out, func(w io.Writer) error { _, err := w.Write(pdf); return err }); err != nil {
		return err
	}
	warnMissing(o, rep)
	o.Printf("%s: %s on %s, recorded as handed out: %s\n", c.Out, count(len(numbers), "document"), count(rep.Pages, "page"), strings.Join(numbers, " "))
	return nil
}

type billingContactCmd struct {
	Set    billingContactSetCmd    `cmd:"" help:"Mail a contractor's invoices to this address."`
	Remove billingContactRemoveCmd `cmd:"" help:"Stop mailing a contractor's invoices (they go into the print batch)."`
	List   billingContactListCmd   `cmd:"" help:"List the addresses."`
}

type billingContactSetCmd struct {
	Contractor string `required:"" placeholder:"ID" help:"contractor ID"`
	Email      string `required:"" placeholder:"ADDRESS" help:"the address invoices are mailed to, e.g. keiri@example.co.jp"`
}

func (c *billingContactSetCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	return o.Done("invoices of %s are mailed to %s", c.Contractor, c.Email)(b.SetContact(ctx, c.Contractor, c.Email))
}

type billingContactRemoveCmd struct {
	Contractor string `required:"" placeholder:"ID" help:"contractor ID"`
}

func (c *billingContactRemoveCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	return o.Done("invoices of %s are no longer mailed; they go into the print batch", c.Contractor)(b.SetContact(ctx, c.Contractor, ""))
}

type billingContactListCmd struct{ jsonFlag }

var contactView = view[billing.Contact]{
	header: []string{"CONTRACTOR", "EMAIL"},
	row:    func(c billing.Contact) []string { return []string{c.ContractorID, c.Email} },
	json: func(c billing.Contact) any {
		return struct {
			ContractorID string `json:"contractor_id"`
			Email        string `json:"email"`
		}{c.ContractorID, c.Email}
	},
}

func (c *billingContactListCmd) Run(ctx context.Context, b *billing.Billing, o *output) error {
	return list(o, c.JSON, contactView)(b.Contacts(ctx))
}
