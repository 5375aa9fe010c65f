package storetest

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

// The FlowStore part of the suite: what the call flows need beyond Store.

const codeTech = "22222222222222"

func testSecurityCodeLockout(t *testing.T, s store) {
	seed(t, s)
	must(t, s.AddTechnician(ctx(t), ledger.Technician{ID: codeTech, Name: "暗証 一郎", ContractorID: ledger.DemoContractorID}, "4321"))
	t0 := jst(t, "2026-11-27 07:00")
	if st, err := s.flow.PhoneEntry(ctx(t), ledger.DemoTechnicianID, t0); err != nil || st.HasCode || !st.LockedUntil.IsZero() {
		t.Errorf("PhoneEntry(demo, no code) = %+v, %v", st, err)
	}
	if _, err := s.flow.PhoneEntry(ctx(t), "99999999999999", t0); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("PhoneEntry(unknown) err = %v, want ErrNotFound", err)
	}
	try := func(code string, at time.Time) ledger.CodeCheck {
		t.Helper()
		res, err := s.flow.VerifySecurityCode(ctx(t), ledger.CodeAttempt{TechnicianID: codeTech, Code: code,
			Caller: "+81311112222", CallID: "c-" + at.Format("1504"), At: at})
		must(t, err)
		return res
	}
	steps := []struct {
		code         string
		at           string
		wantOK       bool
		wantFailures int
		wantLocked   bool
	}{
		{"1111", "07:00", false, 1, false},
		{"4321", "07:01", true, 0, false}, // a right code clears the count
		{"1111", "07:02", false, 1, false},
		{"2222", "07:03", false, 2, false},
		{"3333", "07:04", false, 3, true}, // third wrong in a row locks
		{"4321", "07:10", false, 3, true}, // right code while locked: still refused
		{"4321", "07:19", true, 0, false}, // 15 minutes after the lock: open again
		{"0000", "07:20", false, 1, false},
	}
	for i, st := range steps {
		at := jst(t, "2026-11-27 "+st.at)
		res := try(st.code, at)
		if res.OK != st.wantOK || res.Failures != st.wantFailures || res.LockedUntil.IsZero() == st.wantLocked {
			t.Errorf("step %d (%s at %s) = %+v, want ok %v failures %d locked %v", i, st.code, st.at, res, st.wantOK, st.wantFailures, st.wantLocked)
		}
		if st.wantLocked && !res.LockedUntil.Equal(jst(t, "2026-11-27 07:19")) {
			t.Errorf("step %d: locked until %v, want 07:19 JST", i, res.LockedUntil)
		}
	}
	if st, err := s.flow.PhoneEntry(ctx(t), codeTech, jst(t, "2026-11-27 07:20")); err != nil || !st.HasCode || st.Failures != 1 || !st.LockedUntil.IsZero() {
		t.Errorf("PhoneEntry after the steps = %+v, %v", st, err)
	}
	if st, err := s.flow.PhoneEntry(ctx(t), codeTech, jst(t, "2026-11-27 07:12")); err != nil || st.LockedUntil.IsZero() {
		t.Errorf("PhoneEntry during the lock = %+v, %v", st, err)
	}
	// The code is never stored: no column holds it in clear.
	var n int
	must(t, s.flowDB(t).QueryRowContext(ctx(t), `SELECT COUNT(*) FROM code_attempts WHERE caller LIKE '%4321%' OR call_id LIKE '%4321%'`).Scan(&n))
	if n != 0 {
		t.Errorf("%d attempt rows contain the code", n)
	}
	must(t, s.flowDB(t).QueryRowContext(ctx(t), `SELECT COUNT(*) FROM code_attempts`).Scan(&n))
	if n != len(steps)-1 { // the attempt while locked is not recorded
		t.Errorf("%d attempts recorded, want %d", n, len(steps)-1)
	}
}

func testUndoCheckIn(t *testing.T, s store) {
	seed(t, s)
	in := record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-27 08:00"), "in")
	if in.EventID == 0 {
		t.Fatalf("check-in result has no event: %+v", in)
	}
	if again := record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-27 08:00"), "in"); again.EventID != in.EventID {
		t.Errorf("replay event %d, want %d", again.EventID, in.EventID)
	}
	if _, err := s.flow.UndoAttendance(ctx(t), in.EventID, "", "x", time.Time{}); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("undo without actor: err %v", err)
	}
	e, err := s.flow.UndoAttendance(ctx(t), in.EventID, "phone", "undo by caller", jst(t, "2026-11-27 08:00"))
	must(t, err)
	if e.Status != ledger.EntryStatusCancelled || e.ID != in.Entry.ID {
		t.Errorf("entry after undo = %+v", e)
	}
	if _, err := s.flow.UndoAttendance(ctx(t), in.EventID, "phone", "again", time.Time{}); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("second undo: err %v, want ErrInvalid", err)
	}
	if _, err := s.flow.UndoAttendance(ctx(t), 987654, "phone", "x", time.Time{}); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("undo of an unknown event: err %v", err)
	}
	evs, err := s.EntryEvents(ctx(t), e.ID)
	must(t, err)
	if len(evs) != 2 || evs[1].Kind != "undo" || evs[1].Detail != fmt.Sprintf("undo=%d", in.EventID) || evs[1].Reason != "undo by caller" {
		t.Errorf("events = %+v", evs)
	}
	if _, err := s.flow.UndoAttendance(ctx(t), evs[1].ID, "phone", "x", time.Time{}); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("undo of an undo: err %v", err)
	}
	// Checking in again the same day registers it afresh.
	if r := record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-27 08:05"), "in2"); r.AlreadyRegistered || r.Entry.Status != ledger.EntryStatusOpen {
		t.Errorf("check-in after undo = %+v", r)
	}
}

func testUndoCheckOut(t *testing.T, s store) {
	seed(t, s)
	record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-27 08:00"), "in")
	out1 := record(t, s, ledger.ActionCheckOut, jst(t, "2026-11-27 12:00"), "out1")
	out2 := record(t, s, ledger.ActionCheckOut, jst(t, "2026-11-27 17:00"), "out2")
	e, err := s.flow.UndoAttendance(ctx(t), out2.EventID, "phone", "undo", time.Time{})
	must(t, err)
	if e.Status != ledger.EntryStatusClosed || !e.CheckOut.Equal(jst(t, "2026-11-27 12:00")) {
		t.Errorf("after undoing the second check-out: %+v, want closed at 12:00", e)
	}
	e, err = s.flow.UndoAttendance(ctx(t), out1.EventID, "phone", "undo", time.Time{})
	must(t, err)
	if e.Status != ledger.EntryStatusOpen || !e.CheckOut.IsZero() || e.CheckIn.IsZero() {
		t.Errorf("after undoing both check-outs: %+v, want open", e)
	}
	if got, err := s.Entry(ctx(t), e.ID); err != nil || got != e {
		t.Errorf("Entry = %+v, %v; want %+v", got, err, e)
	}
	// A lone check-out (no check-in) undone leaves nothing to count.
	lone := record(t, s, ledger.ActionCheckOut, jst(t, "2026-11-30 17:00"), "lone")
	e, err = s.flow.UndoAttendance(ctx(t), lone.EventID, "phone", "undo", time.Time{})
	must(t, err)
	if e.Status != ledger.EntryStatusCancelled {
		t.Errorf("lone check-out undone: %+v", e)
	}
}

func testLastSiteAndDayEvents(t *testing.T, s store) {
	seed(t, s)
	if _, err := s.flow.LastSite(ctx(t), ledger.DemoTechnicianID); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("LastSite with no events: err %v", err)
	}
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "77", Name: "第二現場", ContractorID: ledger.DemoContractorID}))
	record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-27 08:00"), "in")
	_, err := s.RecordAttendance(ctx(t), ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "77",
		Action: ledger.ActionCheckIn, At: jst(t, "2026-11-27 13:00"), IdempotencyKey: "in77"})
	must(t, err)
	if st, err := s.flow.LastSite(ctx(t), ledger.DemoTechnicianID); err != nil || st.Code != "77" {
		t.Errorf("LastSite = %+v, %v", st, err)
	}
	record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-28 08:00"), "next-day")
	evs, err := s.flow.DayEvents(ctx(t), ledger.DemoTechnicianID, "2026-11-27")
	must(t, err)
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Kind+"@"+ev.SiteCode+"@"+ev.At.In(ledger.Tokyo).Format("15:04"))
	}
	if fmt.Sprint(got) != "[check_in@1234@08:00 check_in@77@13:00]" {
		t.Errorf("DayEvents = %v", got)
	}
	if evs, err := s.flow.DayEvents(ctx(t), "99999999999999", "2026-11-27"); err != nil || len(evs) != 0 {
		t.Errorf("DayEvents(nobody) = %v, %v", evs, err)
	}
}

func testNotAssigned(t *testing.T, s store) {
	seed(t, s)
	must(t, s.AddTechnician(ctx(t), ledger.Technician{ID: codeTech, Name: "応援 次郎", ContractorID: ledger.DemoContractorID}, ""))
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "66", Name: "配置なし現場", ContractorID: ledger.DemoContractorID}))
	tests := []struct {
		name, site      string
		wantNotAssigned bool
		wantStatus      ledger.EntryStatus
	}{
		{"site with assignments, technician not among them", ledger.DemoSiteCode, true, ledger.EntryStatusNeedsReview},
		{"site with no assignments takes everyone", "66", false, ledger.EntryStatusOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ledger.AttendanceRequest{TechnicianID: codeTech, SiteCode: tt.site, Action: ledger.ActionCheckIn,
				At: jst(t, "2026-11-27 08:00"), IdempotencyKey: "na-" + tt.site}
			res, err := s.RecordAttendance(ctx(t), req)
			must(t, err)
			if res.NotAssigned != tt.wantNotAssigned || res.Entry.Status != tt.wantStatus {
				t.Errorf("result = %+v", res)
			}
			if again, err := s.RecordAttendance(ctx(t), req); err != nil || again != res {
				t.Errorf("replay = %+v, %v; want %+v", again, err, res)
			}
			req.Action, req.At, req.IdempotencyKey = ledger.ActionCheckOut, jst(t, "2026-11-27 17:00"), "na-out-"+tt.site
			out, err := s.RecordAttendance(ctx(t), req)
			must(t, err)
			want := ledger.EntryStatusClosed
			if tt.wantNotAssigned {
				want = ledger.EntryStatusNeedsReview // still for the contractor to look at
			}
			if out.Entry.Status != want || out.Entry.CheckOut.IsZero() {
				t.Errorf("check-out = %+v, want status %v", out, want)
			}
		})
	}
	if r := record(t, s, ledger.ActionCheckIn, jst(t, "2026-11-27 08:00"), "demo"); r.NotAssigned || r.Entry.Status != ledger.EntryStatusOpen {
		t.Errorf("assigned technician = %+v", r)
	}
}

func testEnteredBy(t *testing.T, s store) {
	seed(t, s)
	res, err := s.RecordAttendance(ctx(t), ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: ledger.DemoSiteCode,
		Action: ledger.ActionCheckIn, At: jst(t, "2026-11-27 08:00"), CallID: "c1", IdempotencyKey: "k1",
		EnteredBy: "foreman:demo:+819011110000"})
	must(t, err)
	evs, err := s.EntryEvents(ctx(t), res.Entry.ID)
	must(t, err)
	if len(evs) != 1 || evs[0].Actor != "foreman:demo:+819011110000" || evs[0].ID != res.EventID {
		t.Errorf("events = %+v, result %+v", evs, res)
	}
}

// flowDB is the store's database, for checks no API answers.
func (s store) flowDB(t *testing.T) *sql.DB {
	t.Helper()
	return s.db.Handle().SQL()
}
