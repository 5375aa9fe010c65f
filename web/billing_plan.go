package web

import (
	"net/http"

	"github.com/dezura/dezura/ledger/billing"
)

// planList lists the price lists, each with the form that ends it for
// new subscriptions.
func (s *Server) planList(w http.ResponseWriter, r *http.Request) {
	s.showPlans(w, r, http.StatusOK, prefill(map[string]string{"AvailableUntil": s.today().String()}))
}

func (s *Server) showPlans(w http.ResponseWriter, r *http.Request, status int, f *form) {
	plans, err := s.cfg.Billing.Plans(r.Context())
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	s.render(w, r, status, "billing_plans", page{Title: "billing.plans.title", Nav: "billing", Form: f, Data: plans})
}

func (s *Server) planNewForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "billing_plan_form", page{Title: "billing.plans.add", Nav: "billing",
		Form: prefill(map[string]string{"TaxRate": "10", "AvailableFrom": s.today().String(), "InitialFee": "0", "PerAttendance": "0"})})
}

// planCreate adds a price list (prices are never edited: a new price is
// a new plan).
func (s *Server) planCreate(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	f.require("Name", "AnnualFee")
	p := billing.Plan{Name: f.Get("Name"), InitialFee: formYen(f, "InitialFee", false), AnnualFee: formYen(f, "AnnualFee", true),
		PerAttendance: formYen(f, "PerAttendance", false), TaxRate: formInt(f, "TaxRate", billing.StandardTaxRate),
		ReducedRate: f.Get("ReducedRate") == "1", AvailableFrom: formDay(f, "AvailableFrom", true), AvailableUntil: formDay(f, "AvailableUntil", false)}
	if !f.Invalid() {
		err := s.cfg.Billing.AddPlan(r.Context(), p)
		if err == nil {
			redirect(w, r, "/billing/plans", "added")
			return
		}
		if !billingFail(f, err, map[error]string{billing.ErrPlanExists: "Name"}) {
			s.billingError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "billing_plan_form", page{Title: "billing.plans.add", Nav: "billing", Form: f})
}

// planClose ends a plan for new subscriptions on a date (existing ones
// keep renewing). An error is shown beside the plan's own form.
func (s *Server) planClose(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	f.Values.Set("Plan", r.PathValue("name"))
	until := formDay(f, "AvailableUntil", true)
	if !f.Invalid() {
		err := s.cfg.Billing.ClosePlan(r.Context(), r.PathValue("name"), until)
		if err == nil {
			redirect(w, r, "/billing/plans", "billing.closed")
			return
		}
		if _, nf := billingNotFound(err); nf || !billingFail(f, err, map[error]string{billing.ErrInvalidPlan: "AvailableUntil"}) {
			s.billingError(w, r, err)
			return
		}
	}
	s.showPlans(w, r, http.StatusUnprocessableEntity, f)
}
