package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/dezura/dezura/ledger/billing"
)

// outboxRows is how many mails the outbox page lists, newest first.
const outboxRows = 200

var outboxStates = []string{"", billing.OutboxQueued, billing.OutboxRetry, billing.OutboxSent, billing.OutboxFailed}

type mailData struct {
	State  string
	States []string
	Rows   []billing.OutboxEntry
}

// mailList is the mail queue: what was sent when, what waits, what was
// given up (with the server's answer), newest first; and the print batch.
func (s *Server) mailList(w http.ResponseWriter, r *http.Request) {
	s.showMail(w, r, http.StatusOK, prefill(nil))
}

func (s *Server) showMail(w http.ResponseWriter, r *http.Request, status int, f *form) {
	state := r.URL.Query().Get("state")
	if !slices.Contains(outboxStates, state) {
		state = ""
	}
	rows, err := s.cfg.Billing.Outbox(r.Context(), state, outboxRows)
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	s.render(w, r, status, "billing_mail", page{Title: "billing.mail.title", Nav: "billing", Form: f,
		Data: mailData{State: state, States: outboxStates, Rows: rows}})
}

// mailRetry puts the mail given up back in the queue (all, or one
// document's), after the address or the server was fixed.
func (s *Server) mailRetry(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	if _, err := s.cfg.Billing.RetryFailed(r.Context(), f.Get("Number")); err != nil {
		s.billingError(w, r, err)
		return
	}
	redirect(w, r, "/billing/mail?state="+url.QueryEscape(billing.OutboxQueued), "billing.requeued")
}

// printBatch is one PDF of every invoice and credit note never handed out
// whose contractor has no email address, to print and post; each is
// recorded as handed out.
func (s *Server) printBatch(w http.ResponseWriter, r *http.Request) {
	if s.cfg.BillingFont == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "billing.rule.font")
		return
	}
	pdf, numbers, _, err := s.cfg.Billing.PrintBatch(r.Context(), s.cfg.BillingFont)
	if errors.Is(err, billing.ErrNothingToPrint) {
		f := prefill(nil)
		f.Problem = "billing.rule.nothing_to_print"
		s.showMail(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	download(w, "application/pdf", "print-"+numbers[0]+"-"+numbers[len(numbers)-1]+".pdf", pdf)
}
