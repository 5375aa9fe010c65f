package billing

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dezura/dezura/ledger"
)

// TestSchedulerWalksYearsOnSQLite runs the real scheduler against a real
// SQLite store inside a synctest bubble: four years of daily 03:00 runs pass
// in seconds, with the server down for ten days across the 2026 anniversary
// of a subscription that started on 29 February.
func TestSchedulerWalksYearsOnSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "dezura.db")
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		db, err := ledger.Open(ctx, "sqlite:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		b, err := New(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AddContractor(ctx, ledger.Contractor{ID: "C-LEAP", Name: "閏年建設"}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Subscribe(ctx, "C-LEAP", "", "campaign-2023", d("2024-02-29")); err != nil {
			t.Fatal(err)
		}
		// The bubble starts at 2000-01-01 09:00 in Tokyo; shift by whole days
		// so that "today" is 2024-02-27.
		offset := time.Duration(d("2000-01-01").DaysUntil(d("2024-02-27"))) * 24 * time.Hour
		clock := func() time.Time { return time.Now().Add(offset) }
		start := func() *Scheduler {
			s, err := b.Scheduler("0 3 * * *", slog.New(slog.DiscardHandler), testIssuer, WithSchedulerClock(clock))
			if err != nil {
				t.Fatal(err)
			}
			s.Start(ctx)
			return s
		}
		s := start()
		sleepUntil := func(day string) { // 04:00 Tokyo on day
			target := d(day).Time().Add(4 * time.Hour)
			time.Sleep(target.Sub(clock()))
			synctest.Wait()
		}
		sleepUntil("2026-02-20")
		s.Stop(ctx) // server down 2026-02-20 .. 2026-03-02
		sleepUntil("2026-03-02")
		s = start()
		sleepUntil("2028-03-01")
		s.Stop(ctx)

		all, err := b.Invoices(ctx, Date{}, Date{})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, in := range all {
			got += fmt.Sprintf("%s %s %s %d|", in.Number, in.IssueDate, in.Period.Start, in.Total)
		}
		want := "2024-000001 2024-02-29 2024-02-29 16500|" +
			"2025-000001 2025-02-28 2025-02-28 16500|" +
			"2026-000001 2026-03-02 2026-02-28 16500|" + // caught up at start-up after the downtime
			"2027-000001 2027-02-28 2027-02-28 16500|" +
			"2028-000001 2028-02-29 2028-02-29 16500|"
		if got != want {
			t.Errorf("invoices\n got %s\nwant %s", got, want)
		}
	})
}
