package billing

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchSubscriptions is every business registered in CCUS at the end of
// February 2024 (CCUS operations report, 2024-03-08): 255,752.
func benchSubscriptions() int {
	if n, err := strconv.Atoi(os.Getenv("DEZURA_BENCH_SUBS")); err == nil && n > 0 {
		return n
	}
	return 255752
}

// seedSubscriptions inserts n contractors with a campaign subscription
// each, starting over the year from 2023-10-16, in multi-row statements.
func seedSubscriptions(tb testing.TB, b *Billing, n int) {
	tb.Helper()
	ctx := context.Background()
	start := d("2023-10-16")
	const chunk = 1000
	for i := 0; i < n; i += chunk {
		var cb strings.Builder
		cb.WriteString(`INSERT INTO contractors (id, name, ccus_business_id, disabled, created_at) VALUES `)
		var cargs []any
		for j := i; j < min(i+chunk, n); j++ {
			if j > i {
				cb.WriteByte(',')
			}
			cb.WriteString("(?, ?, '', FALSE, ?)")
			cargs = append(cargs, fmt.Sprintf("B%07d", j), "bench", fixedClock())
		}
		if _, err := b.db.ExecContext(ctx, b.q(cb.String()), cargs...); err != nil {
			tb.Fatal(err)
		}
		var sb strings.Builder
		sb.WriteString(`INSERT INTO billing_subscriptions (contractor_id, recipient, plan, start_on, created_at) VALUES `)
		var args []any
		for j := i; j < min(i+chunk, n); j++ {
			if j > i {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,?,?)")
			id := fmt.Sprintf("B%07d", j)
			args = append(args, id, id, "campaign-2023", start.AddDays(j%365).String(), "bench")
		}
		if _, err := b.db.ExecContext(ctx, b.q(sb.String()), args...); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkRunRenewals measures one run issuing a renewal for every
// subscription (on SQLite and on PostgreSQL), and the re-run that issues
// nothing; then, apart, the PDFs of the new invoices: the first
// benchPDFs of them, each loaded from the database and written as a PDF
// of its own, as mail sends them. Run with -benchtime=1x; the figures are
// reported as s/renewal-run, s/rerun, ms/pdf and s/all-pdfs (ms/pdf times
// the renewals: one core writing every PDF).
func BenchmarkRunRenewals(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) { benchRenewals(b, be.url(b)) })
	}
}

func benchRenewals(b *testing.B, url string) {
	n := benchSubscriptions()
	bill := openTest(b, url)
	seedSubscriptions(b, bill, n)
	ctx := context.Background()
	first, err := bill.Run(ctx, RunOptions{AsOf: d("2024-10-15"), Issuer: testIssuer})
	if err != nil || first.Count() != n {
		b.Fatalf("first years: %d, %v", first.Count(), err)
	}
	var renewal, rerun time.Duration
	asOf := d("2025-10-15")
	for i := 0; b.Loop(); i++ {
		if i > 0 {
			b.Fatal("run with -benchtime=1x: a second iteration has nothing to renew")
		}
		t0 := time.Now()
		res, err := bill.Run(ctx, RunOptions{AsOf: asOf, Issuer: testIssuer})
		renewal = time.Since(t0)
		if err != nil || res.Count() != n || res.Total != Yen(n)*16500 {
			b.Fatalf("renewals: %d (%d yen), %v", res.Count(), res.Total, err)
		}
		t0 = time.Now()
		again, err := bill.Run(ctx, RunOptions{AsOf: asOf, Issuer: testIssuer})
		rerun = time.Since(t0)
		if err != nil || again.Count() != 0 {
			b.Fatalf("re-run issued %d, %v", again.Count(), err)
		}
	}
	b.ReportMetric(renewal.Seconds(), "s/renewal-run")
	b.ReportMetric(rerun.Seconds(), "s/rerun")
	b.ReportMetric(float64(n), "subscriptions")
	perPDF := benchPDFs(b, bill, min(n, 1000))
	b.ReportMetric(float64(perPDF.Microseconds())/1000, "ms/pdf")
	b.ReportMetric(perPDF.Seconds()*float64(n), "s/all-pdfs")
}

// benchPDFs writes the PDFs of the first count renewals (numbered from
// 2025-000001) and returns the time per PDF.
func benchPDFs(b *testing.B, bill *Billing, count int) time.Duration {
	font := testFont(b)
	ctx := context.Background()
	t0 := time.Now()
	for i := 1; i <= count; i++ {
		doc, err := bill.Document(ctx, FormatNumber(2025, int64(i)), "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := WritePDF(io.Discard, font, doc); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(t0) / time.Duration(count)
}

// BenchmarkInvoicePDF measures writing one invoice as a PDF (font parsing,
// layout, subsetting), without the database.
func BenchmarkInvoicePDF(b *testing.B) {
	font := testFont(b)
	doc := PDFDocument{Invoice: pdfInvoice("田中工務店 御中"), Issuer: testSettings}
	for b.Loop() {
		if _, err := WritePDF(io.Discard, font, doc); err != nil {
			b.Fatal(err)
		}
	}
}
