package web

import (
	"net/http"

	"github.com/dezura/dezura/ledger/billing"
)

// receivablesRows is how many debts a page lists; the totals and the
// ageing buckets count them all.
const receivablesRows = 500

type receivablesData struct {
	Report billing.ReceivablesReport
	Ages   []billing.Age
	Debts  []billing.Receivable // the first receivablesRows
	More   int
}

// receivables is who owed what on a date, aged (not due, 1-30, 31-60,
// 61-90, 90+ days overdue), and apart from the debts, the refunds due.
func (s *Server) receivables(w http.ResponseWriter, r *http.Request) {
	asOf := r.URL.Query().Get("AsOf")
	if asOf == "" {
		asOf = s.today().String()
	}
	f := prefill(map[string]string{"AsOf": asOf})
	day := formDay(f, "AsOf", true)
	if f.Invalid() {
		s.render(w, r, http.StatusUnprocessableEntity, "billing_receivables", page{Title: "billing.recv.title", Nav: "billing", Form: f})
		return
	}
	rep, err := s.cfg.Billing.ReceivablesAsOf(r.Context(), day)
	if err != nil {
		s.billingError(w, r, err)
		return
	}
	d := &receivablesData{Report: rep, Debts: rep.Debts,
		Ages: []billing.Age{billing.AgeNotDue, billing.Age1to30, billing.Age31to60, billing.Age61to90, billing.AgeOver90}}
	if len(d.Debts) > receivablesRows {
		d.Debts, d.More = d.Debts[:receivablesRows], len(d.Debts)-receivablesRows
	}
	s.render(w, r, http.StatusOK, "billing_receivables", page{Title: "billing.recv.title", Nav: "billing", Form: f, Data: d})
}
