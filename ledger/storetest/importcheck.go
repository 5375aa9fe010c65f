package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dezura/dezura/ledger"
)

// One call checks a technician import against the file's rules and the
// database together (what the CLI and the console's preview show).
func testCheckTechnicianImport(t *testing.T, s store) {
	seed(t, s)
	rows := []ledger.TechnicianImport{
		{Technician: ledger.Technician{ID: "40000000000001", Name: "良", ContractorID: ledger.DemoContractorID}, Phone: "080-4000-0001"},
		{Technician: ledger.Technician{ID: ledger.DemoTechnicianID, Name: "既存"}},
		{Technician: ledger.Technician{ID: "40000000000003", Name: "所属なし", ContractorID: "nope"}},
		{Technician: ledger.Technician{ID: "40000000000004", Name: "電話"}, Phone: ledger.DemoPhone},
		{Technician: ledger.Technician{ID: "4000", Name: "=1+2", ContractorID: "nope"}},
		{Technician: ledger.Technician{ID: "40000000000006", Name: "重複"}, Phone: "080-4000-0001"},
	}
	err := ledger.CheckTechnicianImport(ctx(t), s.Admin, rows)
	var bad ledger.ImportErrors
	if !errors.As(err, &bad) {
		t.Fatalf("err %v, want ImportErrors", err)
	}
	want := map[int][]string{
		2: {"technician " + ledger.DemoTechnicianID + " is already registered"},
		3: {`contractor "nope" is not registered`},
		4: {"phone is already registered"},
		5: {"want 14 digits", "formula", `contractor "nope"`},
		6: {"phone also on line 1"},
	}
	got := map[int]string{}
	for _, e := range bad {
		got[e.Line] = e.Reason
	}
	if len(got) != len(want) {
		t.Errorf("bad rows %v, want lines 2-6", bad)
	}
	for line, parts := range want {
		for _, p := range parts {
			if !strings.Contains(got[line], p) {
				t.Errorf("row %d: %q, want %q in it", line, got[line], p)
			}
		}
	}
	if err := ledger.CheckTechnicianImport(ctx(t), s.Admin, rows[:1]); err != nil {
		t.Errorf("a good row: %v", err)
	}
	// Many keys: the lookups go in batches.
	var keys ledger.ImportKeys
	for i := range 1200 {
		keys.TechnicianIDs = append(keys.TechnicianIDs, fmt.Sprintf("5%013d", i))
	}
	keys.TechnicianIDs = append(keys.TechnicianIDs, ledger.DemoCrew()...)
	keys.ContractorIDs = []string{ledger.DemoContractorID, "nope"}
	keys.Phones = []string{ledger.DemoPhone, "+818000000000"}
	reg, err := s.Registered(ctx(t), keys)
	must(t, err)
	if len(reg.Technicians) != len(ledger.DemoCrew()) || !reg.Contractors[ledger.DemoContractorID] || reg.Contractors["nope"] ||
		!reg.Phones[ledger.DemoPhone] || len(reg.Phones) != 1 {
		t.Errorf("Registered = %+v", reg)
	}
}

// Text that a spreadsheet would run, that reorders itself on screen, or
// that is too long is refused wherever it enters.
func testTextRefused(t *testing.T, s store) {
	seed(t, s)
	for name, err := range map[string]error{
		"technician named like a formula": s.AddTechnician(ctx(t), ledger.Technician{ID: "40000000000001", Name: "@SUM(A1)"}, ""),
		"technician name too long":        s.AddTechnician(ctx(t), ledger.Technician{ID: "40000000000002", Name: strings.Repeat("名", 61)}, ""),
		"contractor name with a bell":     s.AddContractor(ctx(t), ledger.Contractor{ID: "bell", Name: "ベル\a建設"}),
		"site name turned around":         s.AddSite(ctx(t), ledger.Site{Code: "90", Name: "現場\u202e逆"}),
		"trade too long":                  s.Assign(ctx(t), ledger.Assignment{SiteCode: ledger.DemoSiteCode, TechnicianID: "30000000000000", Trade: strings.Repeat("工", 31)}),
		"role like a formula":             s.Assign(ctx(t), ledger.Assignment{SiteCode: ledger.DemoSiteCode, TechnicianID: "30000000000000", Role: "-1"}),
	} {
		if !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("%s: err %v, want ErrInvalid", name, err)
		}
	}
	must(t, s.AddTechnician(ctx(t), ledger.Technician{ID: "40000000000003", Name: strings.Repeat("名", 60)}, ""))
}
