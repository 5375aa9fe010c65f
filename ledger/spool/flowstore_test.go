package spool_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/spool"
)

// The call flows reach FlowStore through the spool-wrapped store serve
// gives them; each method must reach the database.
func TestStorePassesFlowStoreThrough(t *testing.T) {
	db := openSQLite(t)
	ctx := t.Context()
	if err := db.AddSite(ctx, ledger.Site{Code: "55", Name: "直通", DID: "05055550001"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddTechnician(ctx, ledger.Technician{ID: "22222222222222", Name: "暗証"}, "4321"); err != nil {
		t.Fatal(err)
	}
	var fs ledger.FlowStore = spool.New(db, openSpool(t, filepath.Join(t.TempDir(), "s")), spool.Options{})
	st := fs.(*spool.Store)
	res, err := st.RecordAttendance(ctx, ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID,
		SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn, At: day, IdempotencyKey: "k"})
	if err != nil || res.EventID == 0 {
		t.Fatalf("RecordAttendance = %+v, %v", res, err)
	}
	checks := []struct {
		name string
		call func() error
	}{
		{"SiteByDID", func() error {
			s, err := fs.SiteByDID(ctx, "+815055550001")
			if err == nil && s.Code != "55" {
				err = errors.New("wrong site " + s.Code)
			}
			return err
		}},
		{"Phone", func() error { _, err := fs.Phone(ctx, ledger.DemoPhone); return err }},
		{"LastSite", func() error { _, err := fs.LastSite(ctx, ledger.DemoTechnicianID); return err }},
		{"PhoneEntry", func() error {
			p, err := fs.PhoneEntry(ctx, "22222222222222", day)
			if err == nil && !p.HasCode {
				err = errors.New("no code")
			}
			return err
		}},
		{"VerifySecurityCode", func() error {
			c, err := fs.VerifySecurityCode(ctx, ledger.CodeAttempt{TechnicianID: "22222222222222", Code: "4321", At: day})
			if err == nil && !c.OK {
				err = errors.New("right code refused")
			}
			return err
		}},
		{"DayEvents", func() error {
			evs, err := fs.DayEvents(ctx, ledger.DemoTechnicianID, "2026-11-27")
			if err == nil && len(evs) != 1 {
				err = errors.New("want one event")
			}
			return err
		}},
		{"UndoAttendance", func() error {
			e, err := fs.UndoAttendance(ctx, res.EventID, "phone", "test", time.Time{})
			if err == nil && e.Status != ledger.EntryStatusCancelled {
				err = errors.New("not cancelled")
			}
			return err
		}},
	}
	for _, c := range checks {
		if err := c.call(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
