package web

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/dezura/dezura/ledger/billing"
)

// exportForm asks for the period and the format of an accounting export.
func (s *Server) exportForm(w http.ResponseWriter, r *http.Request) {
	t := s.today()
	from := billing.Date{Year: t.Year, Month: t.Month, Day: 1}
	s.render(w, r, http.StatusOK, "billing_export", page{Title: "billing.export.title", Nav: "billing",
		Form: prefill(map[string]string{"From": from.String(), "To": t.String(), "Format": "csv", "Encoding": "utf-8"})})
}

// exportFile downloads the invoices, credit notes, payments, refunds and
// write-offs of a period: CSV as Japanese Excel opens it (UTF-8 with a
// byte-order mark, or Shift_JIS; CR LF), or a 弥生会計 仕訳日記帳 import.
func (s *Server) exportFile(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := prefill(map[string]string{"From": q.Get("From"), "To": q.Get("To"), "Format": q.Get("Format"), "Encoding": q.Get("Encoding")})
	from, to := formDay(f, "From", true), formDay(f, "To", true)
	enc, err := billing.ParseEncoding(f.Get("Encoding"))
	if err != nil {
		f.Errors["Encoding"] = "billing.rule.encoding"
	}
	format := f.Get("Format")
	if format != "csv" && format != "yayoi" {
		f.Errors["Format"] = "billing.rule.format"
	}
	if !f.Invalid() {
		var buf bytes.Buffer
		name := "dezura-billing-" + strings.ReplaceAll(from.String(), "-", "") + "-" + strings.ReplaceAll(to.String(), "-", "")
		if format == "yayoi" {
			err = s.cfg.Billing.ExportYayoi(r.Context(), &buf, from, to, billing.DefaultYayoiAccounts)
			name += "-yayoi"
		} else {
			err = s.cfg.Billing.Export(r.Context(), &buf, from, to, enc)
		}
		if err == nil {
			charset := "utf-8"
			if format == "yayoi" || enc == billing.EncodingShiftJIS {
				charset = "Shift_JIS"
			}
			download(w, "text/csv; charset="+charset, name+".csv", buf.Bytes())
			return
		}
		if !billingFail(f, err, map[error]string{billing.ErrUnencodable: "Encoding"}) {
			s.billingError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "billing_export", page{Title: "billing.export.title", Nav: "billing", Form: f})
}
