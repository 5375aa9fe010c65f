package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

// BenchRecordAttendance measures one durable check-in (a new entry each
// time: the demo technician on a new work date) and reports p50 and p99
// latency besides the mean.
func BenchRecordAttendance(b *testing.B, st ledger.Store) {
	adm, ok := st.(ledger.Admin)
	if !ok {
		b.Fatalf("%T does not implement ledger.Admin", st)
	}
	if err := adm.SeedDemo(b.Context()); err != nil {
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
