package spool_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/spool"
	"github.com/dezura/dezura/ledger/sqlite"
)

var day = time.Date(2026, 11, 27, 8, 0, 0, 0, ledger.Tokyo)

func attendance(action ledger.Action, at time.Time, key string) spool.Record {
	return spool.Record{Kind: "attendance", SpooledAt: at.UTC(), Attendance: &ledger.AttendanceRequest{
		TechnicianID: ledger.DemoTechnicianID, SiteCode: ledger.DemoSiteCode, Action: action, At: at,
		CallID: "call-" + key, IdempotencyKey: key}}
}

func TestRecordRoundTrip(t *testing.T) {
	recs := []spool.Record{
		attendance(ledger.ActionCheckIn, day, "k1"),
		{Kind: "call", SpooledAt: day.UTC(), Call: &ledger.CallRecord{CallID: "c1", Caller: "+819012345678", ArrivedAt: day.UTC(),
			Outcome: "registered", Steps: []string{"greet"}, EntryIDs: []int64{}}},
	}
	for _, r := range recs {
		line, err := spool.EncodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := spool.DecodeRecord(bytes.TrimSuffix(line, []byte("\n")))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := spool.EncodeRecord(got)
		if !bytes.Equal(a, line) {
			t.Errorf("round trip:\n%s\n%s", line, a)
		}
	}
	line, _ := spool.EncodeRecord(recs[0])
	bad := []struct {
		name string
		line []byte
	}{
		{"empty", nil},
		{"flipped byte", bytes.Replace(line[:len(line)-1], []byte("k1"), []byte("k2"), 1)},
		{"bad checksum", append([]byte("zzzzzzzz"), line[8:len(line)-1]...)},
		{"no key", mustEncode(t, spool.Record{Kind: "attendance", Attendance: &ledger.AttendanceRequest{}})},
		{"unknown kind", mustEncode(t, spool.Record{Kind: "billing"})},
	}
	for _, b := range bad {
		if _, err := spool.DecodeRecord(b.line); !errors.Is(err, spool.ErrCorrupt) {
			t.Errorf("%s: err %v, want ErrCorrupt", b.name, err)
		}
	}
}

func mustEncode(t *testing.T, r spool.Record) []byte {
	t.Helper()
	line, err := spool.EncodeRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(line, []byte("\n"))
}

func FuzzDecodeRecord(f *testing.F) {
	line, _ := spool.EncodeRecord(attendance(ledger.ActionCheckOut, day, "k"))
	f.Add(bytes.TrimSuffix(line, []byte("\n")))
	f.Add([]byte("00000000 {}"))
	f.Add([]byte("short"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := spool.DecodeRecord(b)
		if err != nil {
			if !errors.Is(err, spool.ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		if _, err := spool.EncodeRecord(r); err != nil {
			t.Fatalf("decoded record does not encode: %v", err)
		}
	})
}

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.SeedDemo(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

func openSpool(t *testing.T, path string) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return sp
}

// A crash between the spool write and the database write, then a crash
// after the database write but before the spool was emptied: every
// confirmed entry appears, once.
func TestCrashBetweenSpoolAndDatabase(t *testing.T) {
	db := openSQLite(t)
	path := filepath.Join(t.TempDir(), "attendance.spool")
	sp := openSpool(t, path)
	in, out := day, day.Add(9*time.Hour)
	for _, r := range []spool.Record{attendance(ledger.ActionCheckIn, in, "c1/in"), attendance(ledger.ActionCheckOut, out, "c2/out")} {
		if err := sp.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	sp.Close() // kill -9: nothing reached the database
	// A write torn by the crash: never confirmed, never replayed.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`1234abcd {"kind":"attendance","attend`)
	f.Close()
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	sp = openSpool(t, path)
	if sp.Len() != 2 {
		t.Fatalf("spool has %d records after restart, want 2", sp.Len())
	}
	rep, err := sp.Replay(t.Context(), db)
	if err != nil || rep.Replayed != 2 || rep.Left != 0 || sp.Len() != 0 {
		t.Fatalf("replay = %+v, %v; len %d", rep, err, sp.Len())
	}
	check := func() {
		t.Helper()
		es, err := db.ListEntries(t.Context(), ledger.EntryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].Status != ledger.EntryStatusClosed || !es[0].CheckIn.Equal(in) || !es[0].CheckOut.Equal(out) {
			t.Fatalf("entries = %+v, want one closed entry", es)
		}
	}
	check()
	sp.Close()
	// Crash after the database write, before the spool was emptied.
	if err := os.WriteFile(path, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	sp = openSpool(t, path)
	if rep, err := sp.Replay(t.Context(), db); err != nil || rep.Replayed != 2 {
		t.Fatalf("second replay = %+v, %v", rep, err)
	}
	check()
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("spool after replay: %v, %v; want empty", fi, err)
	}
}

func TestReplayRejectsForGood(t *testing.T) {
	db := openSQLite(t)
	path := filepath.Join(t.TempDir(), "s")
	sp := openSpool(t, path)
	bad := attendance(ledger.ActionCheckIn, day, "bad")
	bad.Attendance.SiteCode = "9999"
	for _, r := range []spool.Record{bad, attendance(ledger.ActionCheckIn, day, "good")} {
		if err := sp.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := sp.Replay(t.Context(), db)
	if err != nil || rep.Replayed != 1 || rep.Rejected != 1 || len(rep.Errs) != 1 || !errors.Is(rep.Errs[0], ledger.ErrUnknownSite) {
		t.Fatalf("replay = %+v, %v", rep, err)
	}
	rejected, err := os.ReadFile(sp.RejectedPath())
	if err != nil || !strings.Contains(string(rejected), `"9999"`) {
		t.Errorf("rejected file = %q, %v", rejected, err)
	}
	if sp.Len() != 0 {
		t.Errorf("spool len %d after replay", sp.Len())
	}
}

func TestStorePassesThrough(t *testing.T) {
	db := openSQLite(t)
	st := spool.New(db, openSpool(t, filepath.Join(t.TempDir(), "s")), spool.Options{})
	res, err := st.RecordAttendance(t.Context(), ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID,
		SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn, At: day})
	if err != nil || res.Spooled || res.Entry.ID == 0 {
		t.Fatalf("RecordAttendance = %+v, %v", res, err)
	}
	if _, err := st.RecordAttendance(t.Context(), ledger.AttendanceRequest{TechnicianID: "99999999999999",
		SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn, At: day}); !errors.Is(err, ledger.ErrUnknownTechnician) {
		t.Errorf("unknown technician: err %v", err)
	}
	if st.Spool().Len() != 0 {
		t.Errorf("spool len %d, want 0", st.Spool().Len())
	}
}

func TestOpenStoreReplaysLeftovers(t *testing.T) {
	db := openSQLite(t)
	path := filepath.Join(t.TempDir(), "s")
	sp, err := spool.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Append(attendance(ledger.ActionCheckIn, day, "left")); err != nil {
		t.Fatal(err)
	}
	sp.Close()
	st, rep, err := spool.OpenStore(t.Context(), db, path, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Spool().Close()
	if rep.Replayed != 1 || st.Spool().Len() != 0 {
		t.Errorf("OpenStore replay = %+v, len %d", rep, st.Spool().Len())
	}
	if es, err := db.ListEntries(t.Context(), ledger.EntryFilter{}); err != nil || len(es) != 1 {
		t.Errorf("entries = %+v, %v", es, err)
	}
}

func TestRunDrainsAndStops(t *testing.T) {
	db := openSQLite(t)
	sp := openSpool(t, filepath.Join(t.TempDir(), "s"))
	if err := sp.Append(attendance(ledger.ActionCheckIn, day, "run")); err != nil {
		t.Fatal(err)
	}
	st := spool.New(db, sp, spool.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- st.Run(ctx, time.Millisecond) }()
	for sp.Len() > 0 {
		select {
		case err := <-done:
			t.Fatalf("Run returned early: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if es, err := db.ListEntries(t.Context(), ledger.EntryFilter{}); err != nil || len(es) != 1 {
		t.Errorf("entries = %+v, %v", es, err)
	}
}
