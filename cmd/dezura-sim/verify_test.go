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
	v, err := verifyCalls(ctx, db, now, calls, "1234", 0)
	if err != nil {
		t.Fatal(err)
	}
	if v.Checked != 3 || v.Matched != 1 || v.Mismatch != 1 || v.Missing != 1 || len(v.Examples) != 1 {
		t.Errorf("verification %+v", v)
	}
	if _, err := verifyCalls(ctx, "nosuch:x", now, calls, "1234", 0); err == nil {
		t.Error("bad store URL accepted")
	}
}
