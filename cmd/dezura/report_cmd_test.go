package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

func TestReportDaily(t *testing.T) {
	ctx := context.Background()
	db := "sqlite:" + filepath.Join(t.TempDir(), "d.db")
	st, err := openLedger(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	morning := time.Date(2026, 11, 27, 7, 30, 0, 0, ledger.Tokyo)
	rec := func(action ledger.Action, at time.Time, key string) {
		t.Helper()
		if _, err := st.RecordAttendance(ctx, ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID,
			SiteCode: "1234", Action: action, At: at, CallID: key, IdempotencyKey: key}); err != nil {
			t.Fatal(err)
		}
	}
	call := func(id, site, outcome string, at time.Time) {
		t.Helper()
		if err := st.RecordCall(ctx, ledger.CallRecord{CallID: id, SiteCode: site, Outcome: outcome,
			ArrivedAt: at, AnsweredAt: at, EndedAt: at.Add(10 * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	rec(ledger.ActionCheckIn, morning, "a")
	call("a", "1234", "registered", morning)
	call("b", "1234", "already_registered", morning.Add(time.Minute))
	call("c", "", "abandoned", morning.Add(2*time.Minute))
	call("d", "1234", "registered", morning.AddDate(0, 0, 1)) // the next day: not counted
	st.Close()

	var out bytes.Buffer
	env := cliEnv{Stdout: &out, Stderr: &out}
	if err := run(ctx, []string{"--db", db, "report", "daily", "--date", "2026-11-27", "--json"}, env); err != nil {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
	var rep ledger.DailyReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(rep.Sites) != 1 || rep.CallsWithoutSite != 1 {
		t.Fatalf("report %+v", rep)
	}
	s := rep.Sites[0]
	if s.Site != "1234" || s.Entries != 1 || s.CheckedIn != 1 || s.CheckedOut != 0 || s.Open != 1 || s.Calls != 2 ||
		s.Outcomes["registered"] != 1 || s.Outcomes["already_registered"] != 1 {
		t.Errorf("site line %+v", s)
	}
	// The table: one column per outcome, no Go map.
	out.Reset()
	if err := run(ctx, []string{"--db", db, "report", "daily", "--date", "2026-11-27"}, env); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if len(lines) < 3 || !strings.Contains(lines[1], "CALLS  ALREADY REGISTERED  REGISTERED") ||
		strings.Join(strings.Fields(lines[2]), " ") != "1234 1 1 0 1 0 0 2 1 1" || strings.Contains(out.String(), "map[") ||
		!strings.Contains(out.String(), "1 call ended before a site was chosen") {
		t.Errorf("report table:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"--db", db, "report", "daily", "--date", "27/11"}, env); exitCode(err) != 2 {
		t.Errorf("bad date: %v, want a usage error", err)
	}
}
