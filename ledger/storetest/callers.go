package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

// The callers' part of the suite: end reasons of calls, crew numbers, and
// phones a technician registers by his own call.

// testCallEndReason: the end reason is kept, and a record of a call that
// was refused (never answered) does not replace the record of the same
// Call-ID answered elsewhere, whichever is written last.
func testCallEndReason(t *testing.T, s store) {
	seed(t, s)
	at := jst(t, "2026-11-27 08:00")
	answered := ledger.CallRecord{CallID: "x", Caller: ledger.DemoPhone, ArrivedAt: at, AnsweredAt: at.Add(time.Second),
		EndedAt: at.Add(9 * time.Second), Outcome: "registered", EndReason: "service_hangup"}
	refused := ledger.CallRecord{CallID: "x", Caller: ledger.DemoPhone, ArrivedAt: at, EndedAt: at, Outcome: "refused", EndReason: "overload"}
	for i, order := range [][]ledger.CallRecord{{answered, refused}, {refused, answered}} {
		id := fmt.Sprint("x", i)
		for _, r := range order {
			r.CallID = id
			must(t, s.RecordCall(ctx(t), r))
		}
		all, err := s.ListCalls(ctx(t), ledger.CallFilter{Outcome: "registered"})
		must(t, err)
		found := false
		for _, c := range all {
			found = found || c.CallID == id && c.EndReason == "service_hangup" && !c.AnsweredAt.IsZero()
		}
		if !found {
			t.Errorf("order %d: the answered call's record was replaced: %+v", i, all)
		}
	}
	// A refused call alone is kept with its reason.
	refused.CallID = "y"
	must(t, s.RecordCall(ctx(t), refused))
	got, err := s.ListCalls(ctx(t), ledger.CallFilter{Outcome: "refused"})
	must(t, err)
	if len(got) != 1 || got[0].EndReason != "overload" || !got[0].AnsweredAt.IsZero() {
		t.Errorf("refused calls = %+v", got)
	}
}

func testCrewNumbers(t *testing.T, s store) {
	seed(t, s)
	crew := ledger.DemoCrew()
	must(t, s.SetCrewNumber(ctx(t), crew[0], "12"))
	must(t, s.SetCrewNumber(ctx(t), crew[1], "123"))
	must(t, s.AddContractor(ctx(t), ledger.Contractor{ID: "other", Name: "他社"}))
	// The same number in another contractor is another crew member.
	must(t, s.AddTechnician(ctx(t), ledger.Technician{ID: "44444444444444", Name: "他社員", ContractorID: "other", CrewNumber: "12"}, ""))

	tests := []struct {
		contractor, number, want string
		wantErr                  error
	}{
		{ledger.DemoContractorID, "12", crew[0], nil},
		{ledger.DemoContractorID, "123", crew[1], nil},
		{"other", "12", "44444444444444", nil},
		{ledger.DemoContractorID, "13", "", ledger.ErrNotFound},
		{"other", "123", "", ledger.ErrUnknownTechnician},
	}
	for _, tt := range tests {
		got, err := s.flow.CrewMember(ctx(t), tt.contractor, tt.number)
		if !errors.Is(err, tt.wantErr) || got.ID != tt.want {
			t.Errorf("CrewMember(%s, %s) = %s, %v; want %s, %v", tt.contractor, tt.number, got.ID, err, tt.want, tt.wantErr)
		}
	}
	// Unique within the contractor; the shape is checked; "" removes it.
	if err := s.SetCrewNumber(ctx(t), crew[2], "12"); !errors.Is(err, ledger.ErrExists) {
		t.Errorf("a second crew member 12: err %v, want ErrExists", err)
	}
	for _, bad := range []string{"1", "1234", "1a"} {
		if err := s.SetCrewNumber(ctx(t), crew[2], bad); !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("crew number %q: err %v, want ErrInvalid", bad, err)
		}
	}
	if err := s.SetCrewNumber(ctx(t), "99999999999999", "14"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("crew number of an unknown technician: err %v", err)
	}
	must(t, s.SetCrewNumber(ctx(t), crew[0], ""))
	if _, err := s.flow.CrewMember(ctx(t), ledger.DemoContractorID, "12"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("crew number removed, still found: %v", err)
	}
	ts, err := s.Technicians(ctx(t), ledger.DemoContractorID)
	must(t, err)
	for _, tc := range ts {
		if want := map[string]string{crew[1]: "123"}[tc.ID]; tc.CrewNumber != want {
			t.Errorf("technician %s crew number %q, want %q", tc.ID, tc.CrewNumber, want)
		}
	}
}

func testOwnPhone(t *testing.T, s store) {
	seed(t, s)
	const number = "+81311112222"
	at := jst(t, "2026-11-27 08:00")
	own := ledger.OwnPhone{E164: number, TechnicianID: ledger.DemoTechnicianID, CallID: "c1", At: at}
	must(t, s.flow.RegisterOwnPhone(ctx(t), own))
	got, err := s.TechnicianByPhone(ctx(t), number)
	if err != nil || got.ID != ledger.DemoTechnicianID {
		t.Fatalf("TechnicianByPhone after registration = %+v, %v", got, err)
	}
	p, err := s.flow.Phone(ctx(t), number)
	must(t, err)
	if p.Source != ledger.PhoneSourceSelf || p.Disabled || !p.Since.Equal(at) {
		t.Errorf("phone = %+v", p)
	}
	// Taken: neither registered again nor by another technician.
	if err := s.flow.RegisterOwnPhone(ctx(t), own); !errors.Is(err, ledger.ErrExists) {
		t.Errorf("register twice: err %v, want ErrExists", err)
	}
	// The office's numbers are not his to take or drop.
	if err := s.flow.RegisterOwnPhone(ctx(t), ledger.OwnPhone{E164: ledger.DemoForemanPhone, TechnicianID: ledger.DemoTechnicianID}); !errors.Is(err, ledger.ErrExists) {
		t.Errorf("take the foreman's number: err %v", err)
	}
	if err := s.flow.UnregisterOwnPhone(ctx(t), ledger.OwnPhone{E164: ledger.DemoPhone, TechnicianID: ledger.DemoTechnicianID}); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("drop the office's registration: err %v", err)
	}
	if err := s.flow.UnregisterOwnPhone(ctx(t), ledger.OwnPhone{E164: number, TechnicianID: ledger.DemoCrew()[0]}); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("another technician drops it: err %v", err)
	}
	// He takes it back by his own call, and may register it again.
	must(t, s.flow.UnregisterOwnPhone(ctx(t), ledger.OwnPhone{E164: number, TechnicianID: ledger.DemoTechnicianID, CallID: "c2", At: at.Add(time.Hour)}))
	if _, err := s.TechnicianByPhone(ctx(t), number); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("after unregistering: %v", err)
	}
	must(t, s.flow.RegisterOwnPhone(ctx(t), ledger.OwnPhone{E164: number, TechnicianID: ledger.DemoTechnicianID, CallID: "c3", At: at.Add(2 * time.Hour)}))
	// Disabled by the office: no more self-service for that number.
	must(t, s.DisablePhone(ctx(t), number))
	if err := s.flow.RegisterOwnPhone(ctx(t), own); !errors.Is(err, ledger.ErrExists) {
		t.Errorf("register a number the office disabled: err %v", err)
	}
	evs, err := s.PhoneEvents(ctx(t), "03-1111-2222")
	must(t, err)
	want := []string{"register self c1", "disable self c2", "register self c3", "disable office "}
	var gotEvs []string
	for _, ev := range evs {
		gotEvs = append(gotEvs, ev.Kind+" "+ev.Actor+" "+ev.CallID)
		if ev.TechnicianID != ledger.DemoTechnicianID || ev.E164 != number || ev.At.IsZero() {
			t.Errorf("event %+v", ev)
		}
	}
	if fmt.Sprint(gotEvs) != fmt.Sprint(want) {
		t.Errorf("phone log %v, want %v", gotEvs, want)
	}
	// The office's own registrations are in the log too.
	must(t, s.AddPhone(ctx(t), ledger.Phone{E164: "090-5555-6666", TechnicianID: ledger.DemoCrew()[0]}))
	all, err := s.PhoneEvents(ctx(t), "")
	must(t, err)
	if last := all[len(all)-1]; len(all) != len(evs)+1 || last.Actor != ledger.PhoneSourceOffice ||
		last.Kind != ledger.PhoneEventRegister || last.E164 != "+819055556666" {
		t.Errorf("whole phone log = %+v", all)
	}
}
