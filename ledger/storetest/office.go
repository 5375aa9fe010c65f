package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dezura/dezura/ledger"
)

const tenantDay = "2026-12-05"

func tenants(t *testing.T, s store) Tenants {
	t.Helper()
	ts, err := SeedTenants(ctx(t), s.db, tenantDay)
	must(t, err)
	return ts
}

func siteCodes(p ledger.Page[ledger.Site]) []string {
	var out []string
	for _, s := range p.Rows {
		out = append(out, s.Code)
	}
	return out
}

func technicianIDs(p ledger.Page[ledger.TechnicianRow]) []string {
	var out []string
	for _, r := range p.Rows {
		out = append(out, r.ID)
	}
	return out
}

// testOfficeScopes: each scope sees exactly its own records.
func testOfficeScopes(t *testing.T, s store) {
	ts := tenants(t, s)
	a, b := ts.A, ts.B
	tests := []struct {
		name        string
		sc          ledger.Scope
		sites       []string
		technicians []string
		phones      int
	}{
		{"all", ledger.ScopeAll(), []string{a.Site, a.OtherSite, b.Site, b.OtherSite},
			[]string{a.Foreman, a.Worker, a.Loner, b.Foreman, b.Worker, b.Loner}, 4},
		{"contractor A", ledger.ContractorScope(a.Contractor), []string{a.Site, a.OtherSite}, []string{a.Foreman, a.Worker, a.Loner}, 2},
		{"foreman of A", ledger.ForemanScope(a.Contractor, a.Foreman), []string{a.Site}, []string{a.Foreman, a.Worker}, 1},
		{"technician of A", ledger.TechnicianScope(a.Loner), []string{a.OtherSite}, []string{a.Loner}, 0},
		{"nobody", ledger.Scope{}, nil, nil, 0},
		{"contractor that does not exist", ledger.ContractorScope("nobody"), nil, nil, 0},
	}
	for _, tt := range tests {
		sites, err := s.db.SitesPage(ctx(t), tt.sc, ledger.ListQuery{})
		must(t, err)
		if got := siteCodes(sites); !slices.Equal(got, tt.sites) {
			t.Errorf("%s: sites %v, want %v", tt.name, got, tt.sites)
		}
		techs, err := s.db.TechniciansPage(ctx(t), tt.sc, ledger.ListQuery{})
		must(t, err)
		if got := technicianIDs(techs); !slices.Equal(got, tt.technicians) {
			t.Errorf("%s: technicians %v, want %v", tt.name, got, tt.technicians)
		}
		phones, err := s.db.PhonesPage(ctx(t), tt.sc, ledger.ListQuery{})
		must(t, err)
		if len(phones.Rows) != tt.phones {
			t.Errorf("%s: %d phones, want %d: %+v", tt.name, len(phones.Rows), tt.phones, phones.Rows)
		}
	}
	// Contractor B, B's foreman and A's technician cannot see or change
	// A's records: not found, whatever the operation.
	for _, sc := range []ledger.Scope{ledger.ContractorScope(b.Contractor), ledger.ForemanScope(b.Contractor, b.Foreman), ledger.TechnicianScope(b.Worker)} {
		for name, err := range outsiderErrors(t, s, sc, a) {
			if !errors.Is(err, ledger.ErrNotFound) {
				t.Errorf("%v on A's %s: err %v, want not found", sc, name, err)
			}
		}
	}
	// A's foreman sees his site but changes nothing.
	fa := ledger.ForemanScope(a.Contractor, a.Foreman)
	if err := s.db.SetSiteDisabled(ctx(t), fa, a.Site, true); !errors.Is(err, ledger.ErrForbidden) {
		t.Errorf("foreman disables his site: err %v, want ErrForbidden", err)
	}
	if err := s.db.CreateSite(ctx(t), ledger.ContractorScope(b.Contractor), ledger.Site{Code: "999", Name: "x", ContractorID: a.Contractor}); !errors.Is(err, ledger.ErrForbidden) {
		t.Errorf("B adds a site for A: err %v, want ErrForbidden", err)
	}
	if err := s.db.CreatePhone(ctx(t), ledger.ContractorScope(b.Contractor), ledger.Phone{E164: "09099990000", TechnicianID: a.Worker}); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("B adds a phone to A's worker: err %v, want not found", err)
	}
	if err := s.db.CreateAssignment(ctx(t), ledger.ContractorScope(b.Contractor), ledger.Assignment{SiteCode: b.Site, TechnicianID: a.Worker}); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("B assigns A's worker: err %v, want not found", err)
	}
	// Nothing of A changed.
	if site, _ := s.SiteByCode(ctx(t), a.Site); site.Disabled || !strings.HasPrefix(site.Name, a.Marker) {
		t.Errorf("A's site after the outsiders: %+v", site)
	}
}

// outsiderErrors tries every Office read and change of tenant a's records
// within sc.
func outsiderErrors(t *testing.T, s store, sc ledger.Scope, a Tenant) map[string]error {
	errOf := func(_ any, err error) error { return err }
	db := s.db
	return map[string]error{
		"site":                errOf(db.ScopedSite(ctx(t), sc, a.Site)),
		"site update":         db.UpdateSite(ctx(t), sc, ledger.Site{Code: a.Site, Name: "乗っ取り"}),
		"site disable":        db.SetSiteDisabled(ctx(t), sc, a.Site, true),
		"site assignments":    errOf(db.SiteAssignments(ctx(t), sc, a.Site)),
		"technician":          errOf(db.ScopedTechnician(ctx(t), sc, a.Worker)),
		"technician update":   db.UpdateTechnician(ctx(t), sc, ledger.Technician{ID: a.Worker, Name: "乗っ取り", Language: "ja"}),
		"technician disable":  db.SetTechnicianDisabled(ctx(t), sc, a.Worker, true),
		"security code":       db.SetSecurityCode(ctx(t), sc, a.Foreman, "0000"),
		"phone":               errOf(db.ScopedPhone(ctx(t), sc, a.Phone)),
		"phone update":        db.UpdatePhone(ctx(t), sc, ledger.Phone{E164: a.Phone, ContractorID: sc.ContractorID}),
		"phone disable":       db.SetPhoneDisabled(ctx(t), sc, a.Phone, true),
		"assignment add":      db.CreateAssignment(ctx(t), sc, ledger.Assignment{SiteCode: a.Site, TechnicianID: a.Loner}),
		"assignment update":   db.UpdateAssignment(ctx(t), sc, ledger.Assignment{SiteCode: a.Site, TechnicianID: a.Worker, Trade: "x"}),
		"assignment disable":  db.SetAssignmentDisabled(ctx(t), sc, a.Site, a.Worker, true),
		"site add to A":       notFoundIfForbidden(db.CreateSite(ctx(t), sc, ledger.Site{Code: "998", Name: "x", ContractorID: a.Contractor})),
		"foreman phone for A": notFoundIfForbidden(db.CreatePhone(ctx(t), sc, ledger.Phone{E164: "09099990001", ContractorID: a.Contractor})),
	}
}

// notFoundIfForbidden: adding a record for another contractor is refused
// as forbidden (the contractor is named by the caller, so nothing is
// revealed); the test counts it as refused.
func notFoundIfForbidden(err error) error {
	if errors.Is(err, ledger.ErrForbidden) {
		return ledger.NotFound(nil, "refused")
	}
	return err
}
