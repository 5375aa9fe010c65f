package web

import (
	"net/http"
	"time"

	"github.com/dezura/dezura/ledger"
)

// siteFormData is what the site form (add and edit) shows.
type siteFormData struct {
	New         bool
	Code        string
	Action      string // where the form posts
	Back        string
	Contractors []ledger.Contractor // to choose from (the operator); nil: the account's own
}

// siteFromForm reads the site form into a site; dates that are not dates
// are marked on the form.
func siteFromForm(f *form) ledger.Site {
	st := ledger.Site{Code: f.Get("Code"), Name: f.Get("Name"), CCUSSiteID: f.Get("CCUSSiteID"),
		ContractorID: f.Get("ContractorID"), DID: f.Get("DID")}
	st.OpensOn = formDate(f, "OpensOn")
	st.ClosesOn = formDate(f, "ClosesOn")
	return st
}

// formDate reads a YYYY-MM-DD field ("" is the zero time).
func formDate(f *form, name string) time.Time {
	v := f.Get(name)
	if v == "" {
		return time.Time{}
	}
	d, err := ledger.ParseWorkDate(v)
	if err != nil {
		f.Errors[name] = "rule." + ledger.RuleDate
	}
	return d
}

// contractorChoices is the list of contractors a form offers: every one
// for the operator, none (the account's own is used) for a contractor.
func (s *Server) contractorChoices(r *http.Request) ([]ledger.Contractor, error) {
	sc := userOf(r).Scope()
	if !sc.All() {
		return nil, nil
	}
	return s.cfg.Ledger.ScopedContractors(r.Context(), sc)
}

// ownContractor is the contractor a record the account adds belongs to:
// the one chosen on the form for the operator, else the account's.
func ownContractor(r *http.Request, f *form) string {
	sc := userOf(r).Scope()
	if sc.All() {
		return f.Get("ContractorID")
	}
	return sc.ContractorID
}

func (s *Server) siteNewForm(w http.ResponseWriter, r *http.Request) {
	s.showSiteForm(w, r, http.StatusOK, prefill(nil), siteFormData{New: true, Action: "/sites/new", Back: "/sites"})
}

func (s *Server) showSiteForm(w http.ResponseWriter, r *http.Request, status int, f *form, d siteFormData) {
	cs, err := s.contractorChoices(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Contractors = cs
	title := "sites.edit"
	if d.New {
		title = "sites.add"
	}
	s.render(w, r, status, "site_form", page{Title: title, Nav: "sites", Form: f, Data: d})
}

var siteFields = map[error]string{ledger.ErrInvalidPhone: "DID", ledger.ErrUnknownContractor: "ContractorID", ledger.ErrForbidden: "ContractorID"}

// siteCreate adds a site of the account's contractor.
func (s *Server) siteCreate(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	f.require("Code", "Name")
	st := siteFromForm(f)
	st.ContractorID = ownContractor(r, f)
	d := siteFormData{New: true, Action: "/sites/new", Back: "/sites"}
	if !f.Invalid() {
		err := s.cfg.Ledger.CreateSite(r.Context(), userOf(r).Scope(), st)
		if err == nil {
			redirect(w, r, "/sites/"+st.Code, "added")
			return
		}
		if !f.fail(err, siteFields) {
			s.ledgerError(w, r, err)
			return
		}
	}
	s.showSiteForm(w, r, http.StatusUnprocessableEntity, f, d)
}

func (s *Server) siteEditForm(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	st, err := s.cfg.Ledger.ScopedSite(r.Context(), userOf(r).Scope(), code)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	f := prefill(map[string]string{"Name": st.Name, "CCUSSiteID": st.CCUSSiteID, "OpensOn": formatWorkDateInput(st.OpensOn),
		"ClosesOn": formatWorkDateInput(st.ClosesOn), "DID": ledger.FormatPhoneNational(st.DID)})
	s.render(w, r, http.StatusOK, "site_form", page{Title: "sites.edit", Nav: "sites", Form: f,
		Data: siteFormData{Code: code, Action: "/sites/" + code + "/edit", Back: "/sites/" + code}})
}

// siteUpdate changes a site's name, CCUS ID, dates and number.
func (s *Server) siteUpdate(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	f := newForm(r)
	f.require("Name")
	st := siteFromForm(f)
	st.Code = code
	if !f.Invalid() {
		err := s.cfg.Ledger.UpdateSite(r.Context(), userOf(r).Scope(), st)
		if err == nil {
			redirect(w, r, "/sites/"+code, "saved")
			return
		}
		if !f.fail(err, siteFields) {
			s.ledgerError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "site_form", page{Title: "sites.edit", Nav: "sites", Form: f,
		Data: siteFormData{Code: code, Action: "/sites/" + code + "/edit", Back: "/sites/" + code}})
}
