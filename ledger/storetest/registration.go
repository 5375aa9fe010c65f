package storetest

import (
	"errors"
	"testing"

	"github.com/dezura/dezura/ledger"
)

func testRegistration(t *testing.T, s store) {
	c := ledger.Contractor{ID: "acme", Name: "アクメ建設", CCUSBusinessID: "123456789012"}
	must(t, s.AddContractor(ctx(t), c))
	if err := s.AddContractor(ctx(t), c); !errors.Is(err, ledger.ErrExists) {
		t.Errorf("duplicate contractor: err %v", err)
	}
	if got, err := s.Contractor(ctx(t), "acme"); err != nil || got != c {
		t.Errorf("Contractor = %+v, %v", got, err)
	}
	bad := []struct {
		name string
		err  error
	}{
		{"short technician ID", s.AddTechnician(ctx(t), ledger.Technician{ID: "123", Name: "x"}, "")},
		{"no name", s.AddTechnician(ctx(t), ledger.Technician{ID: "11111111111111"}, "")},
		{"bad language", s.AddTechnician(ctx(t), ledger.Technician{ID: "11111111111111", Name: "x", Language: "fr"}, "")},
		{"bad security code", s.AddTechnician(ctx(t), ledger.Technician{ID: "11111111111111", Name: "x"}, "12a4")},
		{"unknown contractor", s.AddTechnician(ctx(t), ledger.Technician{ID: "11111111111111", Name: "x", ContractorID: "nope"}, "")},
		{"bad site code", s.AddSite(ctx(t), ledger.Site{Code: "12ab", Name: "x"})},
		{"site closes before it opens", s.AddSite(ctx(t), ledger.Site{Code: "5", Name: "x", OpensOn: jst(t, "2026-02-01 00:00"), ClosesOn: jst(t, "2026-01-01 00:00")})},
		{"phone of nobody", s.AddPhone(ctx(t), ledger.Phone{E164: "09011112222"})},
		{"bad phone", s.AddPhone(ctx(t), ledger.Phone{E164: "abc", ContractorID: "acme"})},
		{"phone of unknown technician", s.AddPhone(ctx(t), ledger.Phone{E164: "09011112222", TechnicianID: "11111111111111"})},
	}
	for _, b := range bad {
		if b.err == nil {
			t.Errorf("%s: no error", b.name)
		}
	}
	must(t, s.AddTechnician(ctx(t), ledger.Technician{ID: "11111111111111", Name: "山田 花子", ContractorID: "acme", Language: "en"}, "0420"))
	tech, err := s.Technician(ctx(t), "11111111111111")
	must(t, err)
	if tech.Language != "en" || tech.ContractorID != "acme" {
		t.Errorf("technician = %+v", tech)
	}
	for code, want := range map[string]bool{"0420": true, "0421": false, "": false} {
		ok, err := s.CheckSecurityCode(ctx(t), "11111111111111", code)
		if err != nil || ok != want {
			t.Errorf("CheckSecurityCode(%q) = %v, %v; want %v", code, ok, err, want)
		}
	}
	must(t, s.AddPhone(ctx(t), ledger.Phone{E164: "090-1111-2222", TechnicianID: "11111111111111"}))
	if err := s.AddPhone(ctx(t), ledger.Phone{E164: "+81 90 1111 2222", ContractorID: "acme"}); !errors.Is(err, ledger.ErrExists) {
		t.Errorf("same number twice: err %v", err)
	}
	must(t, s.AddPhone(ctx(t), ledger.Phone{E164: "0312345678", ContractorID: "acme"}))
	if got, err := s.TechnicianByPhone(ctx(t), "+819011112222"); err != nil || got.ID != "11111111111111" {
		t.Errorf("TechnicianByPhone = %+v, %v", got, err)
	}
	if _, err := s.TechnicianByPhone(ctx(t), "+81312345678"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("foreman's phone as technician: err %v", err)
	}
	if p, err := s.Phone(ctx(t), "03-1234-5678"); err != nil || p.ContractorID != "acme" || p.TechnicianID != "" {
		t.Errorf("Phone = %+v, %v", p, err)
	}
	must(t, s.DisablePhone(ctx(t), "09011112222"))
	if _, err := s.TechnicianByPhone(ctx(t), "+819011112222"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("disabled phone: err %v", err)
	}
	site := ledger.Site{Code: "77", CCUSSiteID: "98765432109876", Name: "駅前ビル", ContractorID: "acme",
		OpensOn: jst(t, "2026-04-01 00:00"), DID: "050-1234-5678"}
	must(t, s.AddSite(ctx(t), site))
	got, err := s.SiteByCode(ctx(t), "77")
	must(t, err)
	if !got.OpensOn.Equal(site.OpensOn) || !got.ClosesOn.IsZero() || got.DID != "+815012345678" || got.ContractorID != "acme" {
		t.Errorf("site = %+v", got)
	}
	must(t, s.Assign(ctx(t), ledger.Assignment{SiteCode: "77", TechnicianID: "11111111111111", Trade: "型枠工", Role: "職長"}))
	if err := s.Assign(ctx(t), ledger.Assignment{SiteCode: "77", TechnicianID: "11111111111111"}); !errors.Is(err, ledger.ErrExists) {
		t.Errorf("assign twice: err %v", err)
	}
	if err := s.Assign(ctx(t), ledger.Assignment{SiteCode: "78", TechnicianID: "11111111111111"}); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("assign to unknown site: err %v", err)
	}
	as, err := s.Assignments(ctx(t), "77")
	must(t, err)
	if len(as) != 1 || as[0].Trade != "型枠工" {
		t.Errorf("assignments = %+v", as)
	}
	for name, err := range map[string]error{
		"contractor": s.DisableContractor(ctx(t), "nope"),
		"technician": s.DisableTechnician(ctx(t), "00000000000000"),
		"site":       s.DisableSite(ctx(t), "0"),
		"assignment": s.DisableAssignment(ctx(t), "77", "00000000000000"),
	} {
		if !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("disable unknown %s: err %v", name, err)
		}
	}
	must(t, s.DisableContractor(ctx(t), "acme"))
	if got, _ := s.Contractor(ctx(t), "acme"); !got.Disabled {
		t.Error("contractor not disabled")
	}
}

func testImportAllOrNothing(t *testing.T, s store) {
	seed(t, s)
	rows := []ledger.TechnicianImport{
		{Technician: ledger.Technician{ID: "30000000000001", Name: "一", ContractorID: ledger.DemoContractorID}, Phone: "080-3000-0001"},
		{Technician: ledger.Technician{ID: "30000000000002", Name: "二"}, SecurityCode: "1234"},
		{Technician: ledger.Technician{ID: ledger.DemoTechnicianID, Name: "重複"}}, // already registered
	}
	if err := s.ImportTechnicians(ctx(t), rows); !errors.Is(err, ledger.ErrExists) {
		t.Fatalf("import with a duplicate: err %v, want ErrExists", err)
	}
	ts, err := s.Technicians(ctx(t), "")
	must(t, err)
	if want := 1 + len(ledger.DemoCrew()); len(ts) != want {
		t.Errorf("%d technicians after a failed import, want %d (the demo ones)", len(ts), want)
	}
	if _, err := s.Phone(ctx(t), "08030000001"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("phone of a failed import: err %v", err)
	}
	must(t, s.ImportTechnicians(ctx(t), rows[:2]))
	if ts, _ := s.Technicians(ctx(t), ledger.DemoContractorID); len(ts) != 2+len(ledger.DemoCrew()) {
		t.Errorf("%d technicians of the demo contractor, want %d", len(ts), 2+len(ledger.DemoCrew()))
	}
	if got, err := s.TechnicianByPhone(ctx(t), "+818030000001"); err != nil || got.ID != "30000000000001" {
		t.Errorf("imported phone: %+v, %v", got, err)
	}
}
