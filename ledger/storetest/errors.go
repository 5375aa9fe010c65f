package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

// testErrorsSayItOnce: what is not there is said once, in words a clerk
// can act on, and still matches the sentinels.
func testErrorsSayItOnce(t *testing.T, s store) {
	seed(t, s)
	errOf := func(_ any, err error) error { return err }
	tests := []struct {
		name string
		err  error
		want string
		is   []error
	}{
		{"technician", errOf(s.Technician(ctx(t), "99999999999999")),
			"technician 99999999999999 is not registered (add it with: dezura technician add)",
			[]error{ledger.ErrNotFound, ledger.ErrUnknownTechnician}},
		{"site", errOf(s.SiteByCode(ctx(t), "9999")),
			"site 9999 is not registered (add it with: dezura site add)", []error{ledger.ErrNotFound, ledger.ErrUnknownSite}},
		{"contractor", errOf(s.Contractor(ctx(t), "nobody")),
			"contractor nobody is not registered (add it with: dezura contractor add)", []error{ledger.ErrNotFound, ledger.ErrUnknownContractor}},
		{"phone", errOf(s.Phone(ctx(t), "090-9999-1234")),
			"phone +81909999**** is not registered (add it with: dezura phone add)", []error{ledger.ErrNotFound}},
		{"entry", errOf(s.Entry(ctx(t), 424242)),
			"entry 424242 does not exist (list them with: dezura entries list)", []error{ledger.ErrNotFound}},
		{"correct a missing entry", errOf(s.CorrectEntry(ctx(t), ledger.Correction{EntryID: 424242, CheckOut: time.Now(), Actor: "a", Reason: "b"})),
			"entry 424242 does not exist (list them with: dezura entries list)", []error{ledger.ErrNotFound}},
		{"disable a missing site", s.DisableSite(ctx(t), "9999"),
			"site 9999 is not registered (add it with: dezura site add)", []error{ledger.ErrNotFound, ledger.ErrUnknownSite}},
		{"add a technician of a missing contractor", s.AddTechnician(ctx(t), ledger.Technician{ID: "11111111111111", Name: "x", ContractorID: "nobody"}, ""),
			"add technician 11111111111111: contractor nobody is not registered (add it with: dezura contractor add)",
			[]error{ledger.ErrNotFound, ledger.ErrUnknownContractor}},
		{"add a contractor twice", s.AddContractor(ctx(t), ledger.Contractor{ID: ledger.DemoContractorID, Name: "x"}),
			"contractor demo is already registered", []error{ledger.ErrExists}},
		{"record at a missing site", errOf(s.RecordAttendance(ctx(t), ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID,
			SiteCode: "9999", Action: ledger.ActionCheckIn, At: jst(t, "2026-11-27 08:00")})),
			"record check_in for 12345678901234 at site 9999: site 9999 is not registered (add it with: dezura site add)",
			[]error{ledger.ErrNotFound, ledger.ErrUnknownSite}},
	}
	for _, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("%s: %v\n\twant %s", tt.name, tt.err, tt.want)
		}
		for _, is := range tt.is {
			if !errors.Is(tt.err, is) {
				t.Errorf("%s: %v does not match %v", tt.name, tt.err, is)
			}
		}
	}
}
