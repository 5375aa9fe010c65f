package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dezura/dezura/ledger"
)

// testOfficeEdits: a contractor edits, disables and re-enables its
// records; each change is audited with its actor, before and after.
func testOfficeEdits(t *testing.T, s store) {
	a := tenants(t, s).A
	sc := ledger.ContractorScope(a.Contractor)
	c := ledger.WithActor(ctx(t), ledger.Actor{Kind: "user", Name: "clerk-a"})
	db := s.db
	must(t, db.UpdateSite(c, sc, ledger.Site{Code: a.Site, Name: "新しい名前", CCUSSiteID: "12345678901234", DID: "050-1111-2222"}))
	must(t, db.SetSiteDisabled(c, sc, a.Site, true))
	must(t, db.SetSiteDisabled(c, sc, a.Site, true)) // no change: no record
	must(t, db.SetSiteDisabled(c, sc, a.Site, false))
	site, err := db.ScopedSite(c, sc, a.Site)
	must(t, err)
	if site.Name != "新しい名前" || site.DID != "+815011112222" || site.Disabled || site.CCUSSiteID != "12345678901234" {
		t.Errorf("site after edits = %+v", site)
	}
	var fe *ledger.FieldError
	if err := db.UpdateSite(c, sc, ledger.Site{Code: a.OtherSite, Name: "x", DID: "05011112222"}); !errors.As(err, &fe) || fe.Field != "DID" || !errors.Is(err, ledger.ErrExists) {
		t.Errorf("DID of another site: err %v", err)
	}
	if err := db.UpdateSite(c, sc, ledger.Site{Code: a.OtherSite, Name: " "}); !errors.As(err, &fe) || fe.Field != "Name" || fe.Rule != ledger.RuleRequired {
		t.Errorf("empty name: err %v", err)
	}
	must(t, db.UpdateTechnician(c, sc, ledger.Technician{ID: a.Worker, Name: "改名 太郎", Language: "en"}))
	must(t, db.SetTechnicianDisabled(c, sc, a.Worker, true))
	if _, err := db.RecordAttendance(c, ledger.AttendanceRequest{TechnicianID: a.Worker, SiteCode: a.OtherSite,
		Action: ledger.ActionCheckIn, At: jst(t, "2026-12-06 08:00"), IdempotencyKey: "disabled"}); err == nil {
		t.Error("a disabled technician checked in")
	}
	must(t, db.SetTechnicianDisabled(c, sc, a.Worker, false))
	must(t, db.SetSecurityCode(c, sc, a.Worker, "4321"))
	if ok, err := db.CheckSecurityCode(c, a.Worker, "4321"); !ok || err != nil {
		t.Errorf("new security code: %v, %v", ok, err)
	}
	must(t, db.SetSecurityCode(c, sc, a.Worker, "5678"))
	if ok, _ := db.CheckSecurityCode(c, a.Worker, "4321"); ok {
		t.Error("old security code still matches after a reset")
	}
	phoneAndAssignmentEdits(t, s, c, a)
	wantHistory(t, s, sc, "site:"+a.Site, []string{"site.enable", "site.disable", "site.update", "site.add"}, "user:clerk-a")
	wantHistory(t, s, sc, "technician:"+a.Worker, []string{"technician.security_code.set", "technician.security_code.set",
		"technician.enable", "technician.disable", "technician.update", "technician.add"}, "user:clerk-a")
	h, err := db.History(c, sc, ledger.HistoryQuery{Object: "technician:" + a.Worker, Limit: 10})
	must(t, err)
	for _, ch := range h.Rows {
		if strings.Contains(ch.Before+ch.After, "4321") || strings.Contains(ch.Before+ch.After, "5678") {
			t.Errorf("the audit log keeps a security code: %+v", ch)
		}
	}
	if h.Rows[len(h.Rows)-2].Before == "" || !strings.Contains(h.Rows[len(h.Rows)-2].After, "改名 太郎") {
		t.Errorf("update record: %+v", h.Rows[len(h.Rows)-2])
	}
	// Another contractor reads none of it; the operator all of it.
	if h, _ := db.History(c, ledger.ContractorScope("bravo"), ledger.HistoryQuery{Object: "site:" + a.Site}); len(h.Rows) != 0 {
		t.Errorf("bravo reads alpha's history: %+v", h.Rows)
	}
	if h, _ := db.History(c, ledger.ForemanScope(a.Contractor, a.Foreman), ledger.HistoryQuery{}); len(h.Rows) != 0 {
		t.Errorf("a foreman reads the history: %+v", h.Rows)
	}
}

// phoneAndAssignmentEdits: the clerk gives a phone to another technician,
// disables and re-enables it, and edits, ends and takes up an assignment.
func phoneAndAssignmentEdits(t *testing.T, s store, c context.Context, a Tenant) {
	sc := ledger.ContractorScope(a.Contractor)
	db := s.db
	must(t, db.UpdatePhone(c, sc, ledger.Phone{E164: ledger.FormatPhoneNational(a.Phone), TechnicianID: a.Loner}))
	if got, err := db.TechnicianByPhone(c, a.Phone); err != nil || got.ID != a.Loner {
		t.Errorf("phone given to the loner: %+v, %v", got, err)
	}
	must(t, db.SetPhoneDisabled(c, sc, a.Phone, true))
	must(t, db.SetPhoneDisabled(c, sc, a.Phone, false))
	// The phone log (the callers' own registration rules read it) has the
	// office's registration, reassignment, disabling and re-enabling.
	evs, err := db.PhoneEvents(c, a.Phone)
	must(t, err)
	var kinds []string
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind+"/"+ev.Actor+"/"+ev.TechnicianID)
	}
	if want := []string{"register/office/" + a.Worker, "register/office/" + a.Loner, "disable/office/" + a.Loner, "register/office/" + a.Loner}; !slices.Equal(kinds, want) {
		t.Errorf("phone log %v, want %v", kinds, want)
	}
	must(t, db.UpdateAssignment(c, sc, ledger.Assignment{SiteCode: a.Site, TechnicianID: a.Worker, Trade: "鳶工", Role: "職長"}))
	must(t, db.SetAssignmentDisabled(c, sc, a.Site, a.Worker, true))
	must(t, db.SetAssignmentDisabled(c, sc, a.Site, a.Worker, false))
	as, err := db.SiteAssignments(c, sc, a.Site)
	must(t, err)
	if len(as) != 2 || as[1].TechnicianID != a.Worker && as[0].TechnicianID != a.Worker {
		t.Errorf("assignments = %+v", as)
	}
	wantHistory(t, s, sc, "phone:"+a.Phone, []string{"phone.enable", "phone.disable", "phone.update", "phone.add"}, "user:clerk-a")
}

func wantHistory(t *testing.T, s store, sc ledger.Scope, object string, actions []string, lastActor string) {
	t.Helper()
	h, err := s.db.History(ctx(t), sc, ledger.HistoryQuery{Object: object})
	must(t, err)
	var got []string
	for _, c := range h.Rows {
		got = append(got, c.Action)
		if c.Object != object || c.At.IsZero() || c.After == "" {
			t.Errorf("%s: record %+v", object, c)
		}
	}
	if !slices.Equal(got, actions) {
		t.Errorf("%s: history %v, want %v", object, got, actions)
	}
	if len(h.Rows) > 0 && h.Rows[0].Actor != lastActor {
		t.Errorf("%s: last change by %q, want %q", object, h.Rows[0].Actor, lastActor)
	}
}

// testAuditActors: the CLI's and the demo's changes name their actor; a
// change with none is still recorded, as unattributed; a failed change
// records nothing.
func testAuditActors(t *testing.T, s store) {
	seed(t, s)
	cli := ledger.WithActor(ctx(t), ledger.Actor{Kind: "cli", Name: "tanaka"})
	must(t, s.AddContractor(cli, ledger.Contractor{ID: "acme", Name: "アクメ"}))
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "5", Name: "x", ContractorID: "acme"}))
	if err := s.AddSite(cli, ledger.Site{Code: "5", Name: "dup", ContractorID: "acme"}); !errors.Is(err, ledger.ErrExists) {
		t.Fatalf("duplicate site: %v", err)
	}
	h, err := s.db.History(ctx(t), ledger.ScopeAll(), ledger.HistoryQuery{})
	must(t, err)
	var got []string
	for _, c := range h.Rows {
		got = append(got, fmt.Sprintf("%s %s %s", c.Actor, c.Action, c.Object))
	}
	want := []string{"unattributed site.add site:5", "cli:tanaka contractor.add contractor:acme", "system:demo demo.seed contractor:demo"}
	if !slices.Equal(got, want) {
		t.Errorf("audit log:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// testOfficePages: sites sort as numbers and lists page by key.
func testOfficePages(t *testing.T, s store) {
	must(t, s.AddContractor(ctx(t), ledger.Contractor{ID: "acme", Name: "アクメ"}))
	for _, code := range []string{"1001", "77", "2002", "5", "300"} {
		must(t, s.AddSite(ctx(t), ledger.Site{Code: code, Name: "現場" + code, ContractorID: "acme"}))
	}
	sc := ledger.ContractorScope("acme")
	var got []string
	after := ""
	for range 5 {
		p, err := s.db.SitesPage(ctx(t), sc, ledger.ListQuery{After: after, Limit: 2})
		must(t, err)
		got = append(got, siteCodes(p)...)
		if after = p.Next; after == "" {
			break
		}
	}
	if want := []string{"5", "77", "300", "1001", "2002"}; !slices.Equal(got, want) {
		t.Errorf("sites page by page: %v, want %v", got, want)
	}
	p, err := s.db.SitesPage(ctx(t), sc, ledger.ListQuery{Search: "現場7"})
	must(t, err)
	if codes := siteCodes(p); !slices.Equal(codes, []string{"77"}) {
		t.Errorf("search 現場7: %v", codes)
	}
	p, err = s.db.SitesPage(ctx(t), sc, ledger.ListQuery{Search: "%"})
	must(t, err)
	if len(p.Rows) != 0 {
		t.Errorf("search %%: %v (a wildcard typed is taken literally)", siteCodes(p))
	}
	must(t, s.DisableSite(ctx(t), "77"))
	if p, _ := s.db.SitesPage(ctx(t), sc, ledger.ListQuery{}); slices.Contains(siteCodes(p), "77") {
		t.Error("a disabled site is listed")
	}
	if p, _ := s.db.SitesPage(ctx(t), sc, ledger.ListQuery{WithDisabled: true}); !slices.Contains(siteCodes(p), "77") {
		t.Error("a disabled site is not listed with WithDisabled")
	}
}

// testBoard: the board shows who is in, who left, who is open from the
// day before and what needs review, per site of the scope.
func testBoard(t *testing.T, s store) {
	ts := tenants(t, s)
	a := ts.A
	b, err := s.db.Board(ctx(t), ledger.ContractorScope(a.Contractor), ledger.BoardQuery{Date: tenantDay})
	must(t, err)
	if b.Yesterday != "2026-12-04" || len(b.Sites) != 2 {
		t.Fatalf("board = %+v", b)
	}
	want := ledger.BoardTotals{In: 1, Left: 1, OpenYesterday: 1, Review: 1}
	if b.Totals != want {
		t.Errorf("totals %+v, want %+v", b.Totals, want)
	}
	site, other := b.Sites[0], b.Sites[1]
	if len(site.In) != 1 || site.In[0].TechnicianID != a.Worker || site.In[0].TechnicianName != a.Marker+" 作業員" ||
		len(site.Left) != 1 || site.Left[0].TechnicianID != a.Foreman {
		t.Errorf("site %s: %+v", site.Site.Code, site)
	}
	if len(other.OpenYesterday) != 1 || other.OpenYesterday[0].TechnicianID != a.Worker ||
		len(other.Review) != 1 || other.Review[0].TechnicianID != a.Loner {
		t.Errorf("site %s: %+v", other.Site.Code, other)
	}
	fb, err := s.db.Board(ctx(t), ledger.ForemanScope(a.Contractor, a.Foreman), ledger.BoardQuery{Date: tenantDay})
	must(t, err)
	if len(fb.Sites) != 1 || fb.Sites[0].Site.Code != a.Site || fb.Totals != (ledger.BoardTotals{In: 1, Left: 1}) {
		t.Errorf("foreman's board = %+v", fb)
	}
	all, err := s.db.Board(ctx(t), ledger.ScopeAll(), ledger.BoardQuery{Date: tenantDay, Limit: 3})
	must(t, err)
	if len(all.Sites) != 3 || all.Next == "" || all.Totals.In != 2 {
		t.Errorf("operator's first page: %d sites, next %q, totals %+v", len(all.Sites), all.Next, all.Totals)
	}
	mine, err := s.db.EntriesPage(ctx(t), ledger.TechnicianScope(a.Worker), ledger.EntryFilter{}, "")
	must(t, err)
	if len(mine.Rows) != 2 || mine.Rows[0].WorkDate != tenantDay || mine.Rows[0].SiteName != a.Marker+"駅前現場" {
		t.Errorf("the worker's own entries: %+v", mine.Rows)
	}
}
