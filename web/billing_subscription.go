package web

import (
	"net/http"
	"strconv"

	"github.com/dezura/dezura/ledger/billing"
)

type subscriptionListData struct {
	Contractor string
	Rows       []billing.Subscription
}

// subscriptionList lists the subscriptions (of one contractor with
// ?contractor=), each active one with the form that cancels it.
func (s *Server) subscriptionList(w http.ResponseWriter, r *http.Request) {
	s.showSubscriptions(w, r, http.StatusOK, prefill(map[string]string{"On": s.today().String()}))
}

func (s *Server) showSubscriptions(w http.ResponseWriter, r *http.Request, status int, f *form) {
	c := r.URL.Query().Get("contractor")
	subs, err := s.cfg.Billing.Subscriptions(r.Context(), c)
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	s.render(w, r, status, "billing_subscriptions", page{Title: "billing.subs.title", Nav: "billing", Form: f,
		Data: subscriptionListData{Contractor: c, Rows: subs}})
}

func (s *Server) subscriptionNewForm(w http.ResponseWriter, r *http.Request) {
	s.showSubscriptionForm(w, r, http.StatusOK, prefill(map[string]string{"Plan": billing.CampaignPlan.Name,
		"Start": s.today().String(), "ContractorID": r.URL.Query().Get("contractor")}))
}

// showSubscriptionForm shows the sign-up form with the plans to choose
// from.
func (s *Server) showSubscriptionForm(w http.ResponseWriter, r *http.Request, status int, f *form) {
	plans, err := s.cfg.Billing.Plans(r.Context())
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	s.render(w, r, status, "billing_subscription_form", page{Title: "billing.subs.add", Nav: "billing", Form: f, Data: plans})
}

// subscriptionCreate signs a registered contractor up to a plan.
func (s *Server) subscriptionCreate(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	f.require("ContractorID", "Plan")
	start := formDay(f, "Start", true)
	if !f.Invalid() {
		sub, err := s.cfg.Billing.Subscribe(r.Context(), f.Get("ContractorID"), f.Get("Recipient"), f.Get("Plan"), start)
		if err == nil {
			redirect(w, r, "/billing/subscriptions?contractor="+sub.ContractorID, "added")
			return
		}
		if !billingFail(f, err, map[error]string{billing.ErrUnknownContractor: "ContractorID", billing.ErrContractorDisabled: "ContractorID",
			billing.ErrAlreadySubscribed: "ContractorID", billing.ErrUnknownPlan: "Plan", billing.ErrPlanNotAvailable: "Start"}) {
			s.billingError(w, r, err)
			return
		}
	}
	s.showSubscriptionForm(w, r, http.StatusUnprocessableEntity, f)
}

// subscriptionCancel cancels a subscription from a date: no further
// renewals; invoices issued stay.
func (s *Server) subscriptionCancel(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	f := newForm(r)
	f.Values.Set("Subscription", r.PathValue("id"))
	on := formDay(f, "On", true)
	if !f.Invalid() {
		err := s.cfg.Billing.Cancel(r.Context(), id, on)
		if err == nil {
			redirect(w, r, "/billing/subscriptions", "billing.cancelled")
			return
		}
		if _, nf := billingNotFound(err); nf || !billingFail(f, err, map[error]string{billing.ErrAlreadyCancelled: "On", billing.ErrInvalidDate: "On"}) {
			s.billingError(w, r, err)
			return
		}
	}
	s.showSubscriptions(w, r, http.StatusUnprocessableEntity, f)
}
