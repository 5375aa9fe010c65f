package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/simulator"
)

func TestVerifyCalls(t *testing.T) {
	ctx := context.Background()
	db := "sqlite:" + filepath.Join(t.TempDir(), "d.db")
	st, err := ledger.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, r := range []ledger.CallRecord{
		{CallID: "ok", Caller: "+819012345678", ArrivedAt: now, AnsweredAt: now, EndedAt: now, SiteCode: "1234", Outcome: "registered"},
		{CallID: "wrong-site", Caller: "+819012345678", ArrivedAt: now, AnsweredAt: now, EndedAt: now, SiteCode: "12344", Outcome: "failed"},
	} {
		if err := st.RecordCall(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	calls := []simulator.CallSummary{
		{CallID: "ok", Completed: true, KeysSent: "1234#1"},
		{CallID: "wrong-site", Completed: true, KeysSent: "12344#1"},
		{CallID: "gone", Completed: true},
		{CallID: "rejected", Completed: false},
	}
	v, err := verifyCalls(ctx, db, now, calls, expectation{Site: "1234"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if v.Checked != 3 || v.Matched != 1 || v.Mismatch != 1 || v.Missing != 1 || len(v.Examples) != 1 || v.Passed || v.Crew != nil {
		t.Errorf("verification %+v", v)
	}
	if _, err := verifyCalls(ctx, "nosuch:x", now, calls, expectation{Site: "1234"}, 0); err == nil {
		t.Error("bad store URL accepted")
	}
}

// TestVerifyForemanCalls: each foreman call must have sent every crew ID
// to the ledger, and each crew member must have one entry checked in by a
// foreman on the call's work date.
func TestVerifyForemanCalls(t *testing.T) {
	ctx := context.Background()
	db := "sqlite:" + filepath.Join(t.TempDir(), "d.db")
	st, err := ledger.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	crew := ledger.DemoCrew()[:2]
	want := expectation{Site: "1234", Crew: crew}
	now := time.Now()
	checkIn := func(id string) {
		t.Helper()
		if _, err := st.RecordAttendance(ctx, ledger.AttendanceRequest{TechnicianID: id, SiteCode: "1234", Action: ledger.ActionCheckIn,
			At: now, CallID: "fm-ok", IdempotencyKey: "fm-ok/" + id, EnteredBy: "foreman:demo:" + ledger.DemoForemanPhone}); err != nil {
			t.Fatal(err)
		}
	}
	checkIn(crew[0])
	steps := func(s ...string) []string {
		return append([]string{"answered", "greeting", "foreman", "site", "action"}, s...)
	}
	for _, r := range []ledger.CallRecord{
		{CallID: "fm-ok", Steps: steps("committed", "committed", "foreman_done"), Outcome: "registered", EntryIDs: []int64{1, 2}},
		{CallID: "fm-again", Steps: steps("committed", "committed", "foreman_done"), Outcome: "already_registered"},
		{CallID: "fm-short", Steps: steps("committed", "foreman_done"), Outcome: "registered", EntryIDs: []int64{1}},
		{CallID: "fm-refused", Steps: steps("committed", "foreman_rejected", "committed", "foreman_done"), Outcome: "registered"},
		{CallID: "fm-hangup", Steps: steps("committed", "committed"), Outcome: "registered"},
		{CallID: "fm-failed", Steps: steps("committed", "committed", "foreman_done"), Outcome: "failed", Reason: "db"},
		{CallID: "not-foreman", Steps: []string{"answered", "greeting", "site", "action", "committed", "committed"}, Outcome: "registered"},
		{CallID: "fm-elsewhere", Steps: steps("committed", "committed", "foreman_done"), Outcome: "registered", SiteCode: "55"},
	} {
		r.Caller, r.ArrivedAt, r.AnsweredAt, r.EndedAt = ledger.DemoForemanPhone, now, now, now
		if r.SiteCode == "" {
			r.SiteCode = "1234"
		}
		if err := st.RecordCall(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var calls []simulator.CallSummary
	for _, id := range []string{"fm-ok", "fm-again", "fm-short", "fm-refused", "fm-hangup", "fm-failed", "not-foreman", "fm-elsewhere"} {
		calls = append(calls, simulator.CallSummary{CallID: id, Completed: true})
	}
	v, err := verifyCalls(ctx, db, now, calls, want, 0)
	if err != nil {
		t.Fatal(err)
	}
	if v.Checked != 8 || v.Matched != 2 || v.Mismatch != 6 || v.Missing != 0 || v.Passed {
		t.Errorf("verification %+v", v)
	}
	// crew[1] has no entry yet.
	if c := v.Crew; c == nil || len(c.WorkDates) != 1 || c.Expected != 2 || c.Recorded != 1 || c.Missing != 1 || c.Doubled != 0 {
		t.Errorf("crew check %+v", c)
	}

	// Once the second crew member is in, the good calls pass.
	checkIn(crew[1])
	v, err = verifyCalls(ctx, db, now, calls[:2], want, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Passed || v.Matched != 2 || v.Crew == nil || v.Crew.Recorded != 2 || v.Crew.Missing != 0 {
		t.Errorf("verification %+v crew %+v", v, v.Crew)
	}
	// A technician's own call is no foreman call: no crew check.
	v, err = verifyCalls(ctx, db, now, calls[6:7], expectation{Site: "1234"}, 0)
	if err != nil || !v.Passed || v.Crew != nil {
		t.Errorf("checkin verification %+v, %v", v, err)
	}
}
