package billing

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

// TestNode: the only node is elected, its scheduler's start-up run issues
// everything due up to today, and Stop stops it and keeps its counts.
func TestNode(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := context.Background()
		today := DateOf(time.Now())
		start := today.AddDays(-400)
		subscribe(t, b, "C1", "campaign-2023", start.String())
		n, err := b.StartNode(ledger.WithActor(ctx, ledger.Actor{Kind: "cli", Name: "root"}), NodeConfig{Spec: "0 3 * * *", Issuer: testIssuer, LeaderInterval: 50 * time.Millisecond,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(20 * time.Second); n.Stats().Runs == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no start-up run; leader %v", n.Leader())
			}
		}
		if !n.Leader() {
			t.Error("the only node does not lead")
		}
		if err := n.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if n.Leader() {
			t.Error("still leads after Stop")
		}
		if st := n.Stats(); st.Runs != 1 || st.Invoices != 2 || st.Total != 2*16500 {
			t.Errorf("stats after stop %+v, want one run issuing the first year and the renewal", st)
		}
		invs, err := b.Invoices(ctx, Date{}, Date{})
		if err != nil || len(invs) != 2 || invs[0].Period.Start != start || invs[1].Period.Start != invs[0].Period.End {
			t.Errorf("invoices %+v, %v; want the years from %s and a year later", invs, err, start)
		}
		// The node's own changes are the system's in the audit log, not the
		// actor of the context that started it.
		h, err := b.History(ctx, "billing-run:"+today.String())
		if err != nil || len(h) == 0 || h[0].Actor != "system:billing" {
			t.Errorf("audit of the node's run: %+v, %v", h, err)
		}
		if _, err := b.StartNode(ctx, NodeConfig{Spec: "never", Issuer: testIssuer}); err == nil {
			t.Error("bad spec accepted")
		}
		if _, err := b.StartNode(ctx, NodeConfig{Spec: "0 3 * * *", Issuer: Issuer{Name: "x", Registration: "T1"}}); err == nil {
			t.Error("bad issuer accepted")
		}
	})
}

// TestNodeStatsSumOverLeaderships: a node that led twice reports what
// both schedulers did, so /metrics counters never go back.
func TestNodeStatsSumOverLeaderships(t *testing.T) {
	a := SchedulerStats{Runs: 2, Failures: 1, Invoices: 3, Total: 300, LastSuccess: time.Unix(100, 0), LastError: "old"}
	b := SchedulerStats{Runs: 1, GaveUp: 1, Skipped: 2, Invoices: 1, Total: 50, LastSuccess: time.Unix(50, 0)}
	got := a.add(b)
	want := SchedulerStats{Runs: 3, Failures: 1, GaveUp: 1, Skipped: 2, Invoices: 4, Total: 350, LastSuccess: time.Unix(100, 0), LastError: "old"}
	if got != want {
		t.Errorf("add = %+v, want %+v", got, want)
	}
	if got := a.add(SchedulerStats{LastError: "new", LastSuccess: time.Unix(200, 0)}); got.LastError != "new" || !got.LastSuccess.Equal(time.Unix(200, 0)) {
		t.Errorf("the later scheduler's last error and success: %+v", got)
	}
}
