package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/dezura/dezura/ledger/billing"
)

// maxSealFile bounds an uploaded seal image (billing refuses more than
// 512 KiB with its own message; this only stops a huge upload early).
const maxSealFile = 2 << 20

type issuerData struct {
	Settings billing.IssuerSettings
	Stored   bool
}

// issuerForm shows the issuer's stored settings to change: name,
// registration number (check digit verified), address, phone, sender
// address, 振込先, payment days, seal.
func (s *Server) issuerForm(w http.ResponseWriter, r *http.Request) {
	cur, err := s.cfg.Billing.CurrentIssuer(r.Context())
	if err != nil && !errors.Is(err, billing.ErrNoIssuer) {
		s.billingError(w, r, err)
		return
	}
	f := prefill(map[string]string{"Name": cur.Name, "Registration": cur.Registration, "Postcode": cur.Postcode, "Address": cur.Address,
		"Phone": cur.Phone, "Email": cur.Email, "BankName": cur.Bank.BankName, "BranchName": cur.Bank.BranchName,
		"AccountType": strconv.Itoa(max(cur.Bank.AccountType, 1)), "AccountNumber": cur.Bank.AccountNumber, "Holder": cur.Bank.Holder,
		"PaymentDays": strconv.Itoa(max(cur.PaymentDays, 30))})
	s.render(w, r, http.StatusOK, "billing_issuer", page{Title: "billing.issuer.title", Nav: "billing", Form: f,
		Data: issuerData{Settings: cur, Stored: err == nil}})
}

// issuerSet stores the settings as a new version (invoices already
// issued keep theirs); the seal is kept unless a new image is uploaded or
// its removal ticked.
func (s *Server) issuerSet(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	f.require("Name", "Registration")
	seal, err := sealUpload(r)
	if err != nil {
		f.Errors["Seal"] = "billing.rule.seal_png"
	}
	days := formInt(f, "PaymentDays", 30)
	accountType := formInt(f, "AccountType", 1)
	if f.Get("AccountNumber") == "" && f.Get("BankName") == "" && f.Get("BranchName") == "" && f.Get("Holder") == "" {
		accountType = 0 // no 振込先 given
	}
	var stored billing.IssuerSettings
	if !f.Invalid() {
		stored, err = s.cfg.Billing.UpdateIssuer(r.Context(), func(cur *billing.IssuerSettings) {
			keep := cur.SealPNG
			*cur = billing.IssuerSettings{Name: f.Get("Name"), Registration: f.Get("Registration"), Postcode: f.Get("Postcode"),
				Address: f.Get("Address"), Phone: f.Get("Phone"), Email: f.Get("Email"), PaymentDays: days, SealPNG: keep,
				Bank: billing.PayeeAccount{BankName: f.Get("BankName"), BranchName: f.Get("BranchName"), AccountType: accountType,
					AccountNumber: f.Get("AccountNumber"), Holder: f.Get("Holder")}}
			switch {
			case f.Get("RemoveSeal") == "1":
				cur.SealPNG = nil
			case seal != nil:
				cur.SealPNG = seal
			}
		})
		if err == nil {
			redirect(w, r, "/billing/issuer", "saved")
			return
		}
		if !billingFail(f, err, map[error]string{billing.ErrInvalidSeal: "Seal", billing.ErrInvalidEmail: "Email"}) {
			s.billingError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "billing_issuer", page{Title: "billing.issuer.title", Nav: "billing", Form: f,
		Data: issuerData{Settings: stored}})
}

// sealUpload reads the uploaded seal image, nil if none was chosen.
func sealUpload(r *http.Request) ([]byte, error) {
	file, _, err := r.FormFile("Seal")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxSealFile))
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, nil
	}
	return data, nil
}
