package web

import (
	"net/http"

	"github.com/dezura/dezura/ledger/billing"
)

// previewRows is how many of a run's invoices a page lists; the totals
// count them all.
const previewRows = 200

type runData struct {
	Result billing.RunResult
	Shown  []billing.Issued // the first previewRows
	More   int              // how many more there are
	Done   bool             // the run was made (not a preview)
}

func newRunData(res billing.RunResult, done bool) *runData {
	d := &runData{Result: res, Shown: res.Invoices, Done: done}
	if len(d.Shown) > previewRows {
		d.Shown, d.More = d.Shown[:previewRows], len(d.Shown)-previewRows
	}
	return d
}

// runPreview shows the run's form and, for ?AsOf=DATE, what a run as of
// that date would issue, with its totals (a dry run: nothing is written),
// and the button that makes the run.
func (s *Server) runPreview(w http.ResponseWriter, r *http.Request) {
	asOf := r.URL.Query().Get("AsOf")
	f := prefill(map[string]string{"AsOf": asOf})
	if asOf == "" {
		f.Values.Set("AsOf", s.today().String())
		s.render(w, r, http.StatusOK, "billing_run", page{Title: "billing.run.title", Nav: "billing", Form: f})
		return
	}
	day := formDay(f, "AsOf", true)
	if f.Invalid() {
		s.render(w, r, http.StatusUnprocessableEntity, "billing_run", page{Title: "billing.run.title", Nav: "billing", Form: f})
		return
	}
	res, err := s.cfg.Billing.Run(r.Context(), billing.RunOptions{AsOf: day, DryRun: true})
	if err != nil {
		if !billingFail(f, err, map[error]string{billing.ErrInvalidDate: "AsOf"}) {
			s.billingError(w, r, err)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, "billing_run", page{Title: "billing.run.title", Nav: "billing", Form: f})
		return
	}
	s.render(w, r, http.StatusOK, "billing_run", page{Title: "billing.run.title", Nav: "billing", Form: f, Data: newRunData(res, false)})
}

// runIssue makes the run: it issues every invoice due as of the date
// that is not issued yet (a second run issues nothing twice) and shows
// what it issued. Invoices dated after today are refused.
func (s *Server) runIssue(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	day := formDay(f, "AsOf", true)
	status := http.StatusUnprocessableEntity
	var data *runData
	if !f.Invalid() {
		res, err := s.cfg.Billing.Run(r.Context(), billing.RunOptions{AsOf: day, Today: s.today()})
		switch {
		case err == nil:
			status, data = http.StatusOK, newRunData(res, true)
		case res.Count() > 0: // failed half-way: what did commit is issued
			f.Problem, data = "billing.run.partial", newRunData(res, true)
			s.log.Error("billing run failed half-way", "as_of", day.String(), "issued", res.Count(), "err", err)
		case !billingFail(f, err, map[error]string{billing.ErrFutureDate: "AsOf", billing.ErrBackdated: "AsOf", billing.ErrInvalidDate: "AsOf"}):
			s.billingError(w, r, err)
			return
		}
	}
	s.render(w, r, status, "billing_run", page{Title: "billing.run.title", Nav: "billing", Form: f, Data: data})
}
