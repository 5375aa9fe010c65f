package storetest

import (
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

// BenchRecordAttendance measures one durable check-in (a new entry each
// time: the demo technician on a new work date) and reports p50 and p99
// latency besides the mean.
func BenchRecordAttendance(b *testing.B, st ledger.DB) {
	if err := st.SeedDemo(b.Context()); err != nil {
		b.Fatal(err)
	}
	base := time.Date(2000, 1, 1, 8, 0, 0, 0, ledger.Tokyo)
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		start := time.Now()
		_, err := st.RecordAttendance(b.Context(), ledger.AttendanceRequest{
			TechnicianID: ledger.DemoTechnicianID, SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn,
			At: base.AddDate(0, 0, i), IdempotencyKey: fmt.Sprintf("bench-%d", i)})
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchExport measures a CCUS export (CSV, UTF-8, to io.Discard) of every
// entry in st, which the caller filled with n entries in November 2026;
// it reports entries per second and the time 4.5 million would take.
func BenchExport(b *testing.B, adm ledger.DB, n int) {
	f := ledger.EntryFilter{From: "2026-11-01", To: "2026-11-30"}
	for b.Loop() {
		w, err := ledger.NewExportWriter(io.Discard, "csv", "utf-8")
		if err != nil {
			b.Fatal(err)
		}
		sum, err := adm.ExportEntries(b.Context(), f, ledger.ExportOptions{DryRun: true}, w)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Rows() != n {
			b.Fatalf("exported %d entries, want %d", sum.Rows(), n)
		}
	}
	perEntry := b.Elapsed().Seconds() / float64(b.N) / float64(n)
	b.ReportMetric(1/perEntry, "entries/s")
	b.ReportMetric(perEntry*4_500_000, "s/4.5M")
}

// BenchExportFeed measures the daily --only-new export: st holds
// November 2026's entries, every one sent by the feed but due of them
// (a day's changes); it writes them (CSV, UTF-8, to io.Discard) and
// records them sent, as the daily export does. redo makes the same
// entries due (again) before each iteration, off the clock.
func BenchExportFeed(b *testing.B, adm ledger.DB, due int, redo func()) {
	f := ledger.EntryFilter{From: "2026-11-01", To: "2026-11-30", OnlyNew: true}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		redo()
		b.StartTimer()
		w, err := ledger.NewExportWriter(io.Discard, "csv", "utf-8")
		if err != nil {
			b.Fatal(err)
		}
		sum, err := adm.ExportEntries(b.Context(), f, ledger.ExportOptions{}, w)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Rows() != due {
			b.Fatalf("exported %d entries, want the %d due", sum.Rows(), due)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/export")
}

// BenchImportTechnicians measures importing n technicians in one
// transaction (no security codes, every tenth with a phone).
func BenchImportTechnicians(b *testing.B, adm ledger.DB, n int) {
	iter := 0
	for b.Loop() {
		rows := make([]ledger.TechnicianImport, n)
		for i := range rows {
			rows[i] = ledger.TechnicianImport{Technician: ledger.Technician{
				ID: fmt.Sprintf("9%03d%010d", iter, i), Name: fmt.Sprintf("技能者 %d", i)}}
			if i%10 == 0 {
				rows[i].Phone = fmt.Sprintf("+8170%03d%05d", iter, i/10)
			}
		}
		if err := adm.ImportTechnicians(b.Context(), rows); err != nil {
			b.Fatal(err)
		}
		iter++
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "technicians/s")
}
