package main

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/dezura/dezura/ledger"
)

// cli runs "dezura --db DB ARGS..." and returns its output.
func cli(t *testing.T, db string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(t.Context(), append([]string{"--db", db}, args...), cliEnv{Stdout: &out, Stderr: &errb})
	return out.String(), errb.String(), err
}

// ok runs a command that must succeed.
func ok(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, errOut, err := cli(t, db, args...)
	if err != nil {
		t.Fatalf("%v: %v\nstderr: %s", args, err, errOut)
	}
	return out
}

func tempDB(t *testing.T) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "dezura.db")
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON %q: %v", s, err)
	}
	return v
}

// seededStore opens the store at db with the demo data; the caller closes it.
func seededStore(t *testing.T, db string) (ledger.DB, ledger.Admin) {
	t.Helper()
	st, err := openLedger(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedDemo(t.Context()); err != nil {
		st.Close()
		t.Fatal(err)
	}
	return st, st
}

// record writes attendance straight through the store, as the IVR does.
func record(t *testing.T, db string, reqs ...ledger.AttendanceRequest) {
	t.Helper()
	st, err := ledger.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, r := range reqs {
		if _, err := st.RecordAttendance(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMigrateAndEmptyLists(t *testing.T) {
	db := tempDB(t)
	if out := ok(t, db, "migrate"); !strings.Contains(out, "up to date") {
		t.Errorf("migrate said %q", out)
	}
	ok(t, db, "migrate") // again: nothing to do
	if out := ok(t, db, "entries", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("entries list --json on an empty store = %q, want []", out)
	}
	if out := ok(t, db, "calls", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("calls list --json on an empty store = %q, want []", out)
	}
	// --db on the subcommand overrides env.DB.
	other := tempDB(t)
	ok(t, "sqlite:/nonexistent/dir/x.db", "migrate", "--db", other)
}

func TestRegistrationCommands(t *testing.T) {
	db := tempDB(t)
	steps := []struct {
		noun string
		args []string
	}{
		{"contractor", []string{"add", "--id", "acme", "--name", "アクメ建設", "--ccus-business-id", "123456789012"}},
		{"site", []string{"add", "--code", "77", "--name", "駅前ビル", "--ccus-site-id", "98765432109876", "--contractor", "acme", "--opens", "2026-04-01"}},
		{"technician", []string{"add", "--id", "11111111111111", "--name", "山田 花子", "--contractor", "acme", "--security-code", "0420", "--phone", "090-1111-2222"}},
		{"phone", []string{"add", "03-1234-5678", "--foreman-of", "acme"}},
		{"assign", []string{"add", "--site", "77", "--technician", "11111111111111", "--trade", "型枠工", "--role", "職長"}},
	}
	for _, s := range steps {
		ok(t, db, append([]string{s.noun}, s.args...)...)
	}
	cs := decode[[]contractorJSON](t, ok(t, db, "contractor", "list", "--json"))
	if len(cs) != 1 || cs[0].CCUSBusinessID != "123456789012" {
		t.Errorf("contractor list = %+v", cs)
	}
	tech := decode[technicianJSON](t, ok(t, db, "technician", "show", "11111111111111", "--json"))
	if tech.Name != "山田 花子" || tech.ContractorID != "acme" || tech.Language != "ja" {
		t.Errorf("technician show = %+v", tech)
	}
	ps := decode[[]phoneJSON](t, ok(t, db, "phone", "list", "--json"))
	if len(ps) != 2 || ps[0].E164 != "+81312345678" || ps[0].ForemanOf != "acme" || ps[1].TechnicianID != "11111111111111" {
		t.Errorf("phone list = %+v", ps)
	}
	site := decode[siteJSON](t, ok(t, db, "site", "show", "--json", "77"))
	if site.OpensOn != "2026-04-01" || site.CCUSSiteID != "98765432109876" {
		t.Errorf("site show = %+v", site)
	}
	as := decode[[]assignmentJSON](t, ok(t, db, "assign", "list", "--site", "77", "--json"))
	if len(as) != 1 || as[0].Role != "職長" {
		t.Errorf("assign list = %+v", as)
	}
	if out := ok(t, db, "site", "list"); !strings.Contains(out, "駅前ビル") || !strings.HasPrefix(out, "CODE") {
		t.Errorf("site list table = %q", out)
	}
	// Site codes in the order people read them, phones as dialled,
	// assignments with names.
	ok(t, db, "site", "add", "--code", "1001", "--name", "北口")
	ok(t, db, "site", "add", "--code", "202", "--name", "南口")
	var codes []string
	for _, s := range decode[[]siteJSON](t, ok(t, db, "site", "list", "--json")) {
		codes = append(codes, s.Code)
	}
	if strings.Join(codes, ",") != "77,202,1001" {
		t.Errorf("site list order %v, want 77, 202, 1001", codes)
	}
	if out := ok(t, db, "phone", "list"); !strings.Contains(out, "03-1234-5678") || !strings.Contains(out, "090-1111-2222") || strings.Contains(out, "+81") {
		t.Errorf("phone list table = %q", out)
	}
	if p := decode[phoneJSON](t, ok(t, db, "phone", "show", "090-1111-2222", "--json")); p.National != "090-1111-2222" || p.E164 != "+819011112222" {
		t.Errorf("phone show = %+v", p)
	}
	if a := decode[[]assignmentJSON](t, ok(t, db, "assign", "show", "77", "--json")); len(a) != 1 || a[0].SiteName != "駅前ビル" || a[0].TechnicianName != "山田 花子" {
		t.Errorf("assign show = %+v", a)
	}
	if out := ok(t, db, "assign", "list"); !strings.Contains(out, "駅前ビル") || !strings.Contains(out, "山田 花子") {
		t.Errorf("assign list table = %q", out)
	}
	ok(t, db, "phone", "disable", "090-1111-2222")
	ok(t, db, "assign", "disable", "--site", "77", "--technician", "11111111111111")
	ok(t, db, "technician", "disable", "11111111111111")
	if tech := decode[technicianJSON](t, ok(t, db, "technician", "show", "11111111111111", "--json")); !tech.Disabled {
		t.Error("technician not disabled")
	}

	bad := []struct {
		name    string
		noun    string
		args    []string
		usage   bool
		mention string
	}{
		{"duplicate contractor", "contractor", []string{"add", "--id", "acme", "--name", "x"}, false, "contractor acme is already registered"},
		{"missing flags", "site", []string{"add", "--code", "5"}, true, "--name"},
		{"bad date", "site", []string{"add", "--code", "5", "--name", "x", "--opens", "4/1"}, true, "--opens"},
		{"short technician ID", "technician", []string{"add", "--id", "123", "--name", "x"}, false, "14 digits"},
		{"phone for nobody", "phone", []string{"add", "09000000000"}, true, "--technician"},
		{"unknown verb", "site", []string{"delete", "77"}, true, "add, list, show or disable"},
		{"show needs a key", "contractor", []string{"show"}, true, "missing <key>: the contractor ID"},
		{"disable unknown", "site", []string{"disable", "999"}, false, "site 999 is not registered (add it with: dezura site add)"},
		{"show unknown", "technician", []string{"show", "99999999999999"}, false,
			"technician 99999999999999 is not registered (add it with: dezura technician add)"},
		{"unknown flag", "contractor", []string{"list", "--yaml"}, true, "yaml"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			_, _, err := cli(t, db, append([]string{b.noun}, b.args...)...)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, errUsage) != b.usage {
				t.Errorf("err %v: usage error %v, want %v", err, errors.Is(err, errUsage), b.usage)
			}
			if !strings.Contains(err.Error(), b.mention) {
				t.Errorf("err %q does not mention %q", err, b.mention)
			}
		})
	}
}

func TestEntriesAndCallsList(t *testing.T) {
	db := tempDB(t)
	st, adm := seededStore(t, db)
	if err := adm.AddSite(t.Context(), ledger.Site{Code: "55", Name: "別現場", ContractorID: ledger.DemoContractorID}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, ledger.Tokyo)
	if err := st.RecordCall(t.Context(), ledger.CallRecord{CallID: "c1", Caller: ledger.DemoPhone, ArrivedAt: at,
		EndedAt: at.Add(9 * time.Second), Outcome: "registered", Steps: []string{"greet"}, EntryIDs: []int64{1}}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordCall(t.Context(), ledger.CallRecord{CallID: "c2", ArrivedAt: at.Add(time.Hour), Outcome: "abandoned"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	tech := ledger.DemoTechnicianID
	record(t, db,
		ledger.AttendanceRequest{TechnicianID: tech, SiteCode: "1234", Action: ledger.ActionCheckIn, At: at},
		ledger.AttendanceRequest{TechnicianID: tech, SiteCode: "1234", Action: ledger.ActionCheckOut, At: at.Add(9 * time.Hour)},
		ledger.AttendanceRequest{TechnicianID: tech, SiteCode: "55", Action: ledger.ActionCheckIn, At: at.AddDate(0, 0, 1)},
	)
	tests := []struct {
		args []string
		want []string // work_date/site
	}{
		{[]string{"list", "--json"}, []string{"2026-11-27/1234", "2026-11-28/55"}},
		{[]string{"list", "--json", "--date", "2026-11-28"}, []string{"2026-11-28/55"}},
		{[]string{"list", "--json", "--site", "1234"}, []string{"2026-11-27/1234"}},
		{[]string{"list", "--json", "--status", "open"}, []string{"2026-11-28/55"}},
		{[]string{"list", "--json", "--from", "2026-11-29"}, nil},
	}
	for _, tt := range tests {
		es := decode[[]entryJSON](t, ok(t, db, append([]string{"entries"}, tt.args...)...))
		var got []string
		for _, e := range es {
			got = append(got, e.WorkDate+"/"+e.SiteCode)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("entries %v = %v, want %v", tt.args, got, tt.want)
		}
	}
	es := decode[[]entryJSON](t, ok(t, db, "entries", "list", "--json", "--site", "1234"))
	if e := es[0]; e.CheckIn != "2026-11-27T08:00:00+09:00" || e.CheckOut != "2026-11-27T17:00:00+09:00" ||
		e.Status != "closed" || e.TechnicianID != tech || e.Trade != "とび工" {
		t.Errorf("entry = %+v", e)
	}
	if out := ok(t, db, "entries", "list", "--date", "2026-11-27"); !strings.Contains(out, "2026-11-27 08:00") || !strings.Contains(out, "closed") {
		t.Errorf("entries table = %q", out)
	}
	calls := decode[[]callJSON](t, ok(t, db, "calls", "list", "--json", "--outcome", "registered"))
	if len(calls) != 1 || calls[0].CallID != "c1" || calls[0].Caller != ledger.DemoPhone || len(calls[0].EntryIDs) != 1 {
		t.Errorf("calls = %+v", calls)
	}
	calls = decode[[]callJSON](t, ok(t, db, "calls", "list", "--json", "--since", "2026-11-27T08:30:00+09:00"))
	if len(calls) != 1 || calls[0].CallID != "c2" || calls[0].Steps == nil {
		t.Errorf("calls since 08:30 = %+v", calls)
	}
	if out := ok(t, db, "calls", "list"); !strings.Contains(out, "c1") || !strings.Contains(out, "registered") {
		t.Errorf("calls table = %q", out)
	}
	for _, args := range [][]string{{"list", "--date", "27/11"}, {"list", "--status", "done"}, {"remove"}, {}} {
		if _, _, err := cli(t, db, append([]string{"entries"}, args...)...); !errors.Is(err, errUsage) {
			t.Errorf("entries %v: err %v, want a usage error", args, err)
		}
	}
	if _, _, err := cli(t, db, "calls", "list", "--since", "yesterday"); !errors.Is(err, errUsage) {
		t.Errorf("calls --since yesterday: err %v", err)
	}
}

func TestTechnicianImport(t *testing.T) {
	db := tempDB(t)
	ok(t, db, "contractor", "add", "--id", "acme", "--name", "アクメ")
	ok(t, db, "technician", "add", "--id", "99999999999999", "--name", "既存", "--phone", "08099999999")
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badFile := write("bad.csv", []byte("技能者ID,氏名,所属,電話番号\n"+
		"10000000000001,一郎,acme,09010000001\n"+ // 2 fine
		"10000000000002,二郎,nope,\n"+ // 3 unknown contractor
		"99999999999999,三郎,,\n"+ // 4 already registered
		"10000000000004,四郎,,080-9999-9999\n"+ // 5 phone taken
		"123,五郎,nope,\n"+ // 6 bad ID and unknown contractor
		"10000000000006,"+strings.Repeat("長", 300)+",,\n"+ // 7 too long
		"10000000000007,=cmd|' /C calc'!A0,,\n"+ // 8 a formula
		"10000000000008,八\xff郎,,\n")) // 9 not UTF-8
	// Every bad line in one report: the file's own problems and the
	// database's together.
	_, stderr, err := cli(t, db, "technician", "import", badFile)
	if err == nil || !strings.Contains(err.Error(), "nothing imported") {
		t.Fatalf("import with bad rows: err %v", err)
	}
	for _, want := range []string{"bad.csv:3: contractor \"nope\" is not registered", "bad.csv:4: technician 99999999999999 is already",
		"bad.csv:5: phone is already", "bad.csv:6: technician ID \"123\": want 14 digits; contractor \"nope\"",
		"bad.csv:7: name has 300 characters, at most 60", "bad.csv:8: name starts with \"=\"",
		"bad.csv:9: name has bytes that are neither UTF-8 nor Shift_JIS"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	if strings.Contains(stderr, "bad.csv:2:") {
		t.Errorf("good line reported: %q", stderr)
	}
	if ts := decode[[]technicianJSON](t, ok(t, db, "technician", "list", "--json")); len(ts) != 1 {
		t.Errorf("%d technicians after a failed import, want 1", len(ts))
	}
	good := "technician_id,name,contractor_id,language,security_code,phone\r\n" +
		"10000000000001,出面 一郎,acme,ja,1234,090-1000-0001\r\n" +
		"10000000000002,出面 二郎,acme,en,,\r\n"
	sj, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if out := ok(t, db, "technician", "import", write("sjis.csv", sj)); !strings.Contains(out, "imported 2") {
		t.Errorf("import said %q", out)
	}
	ts := decode[[]technicianJSON](t, ok(t, db, "technician", "list", "--json", "--contractor", "acme"))
	if len(ts) != 2 || ts[0].Name != "出面 一郎" || ts[1].Language != "en" {
		t.Errorf("imported = %+v", ts)
	}
	if p := decode[phoneJSON](t, ok(t, db, "phone", "show", "09010000001", "--json")); p.TechnicianID != "10000000000001" {
		t.Errorf("imported phone = %+v", p)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestEntriesExport(t *testing.T) {
	db := tempDB(t)
	st, adm := seededStore(t, db)
	if err := adm.AddTechnician(t.Context(), ledger.Technician{ID: "20000000000000", Name: "=1+2", ContractorID: ledger.DemoContractorID}, ""); !errors.Is(err, ledger.ErrInvalid) {
		t.Fatalf("add a technician named like a formula: err %v, want ErrInvalid", err)
	}
	if err := adm.AddTechnician(t.Context(), ledger.Technician{ID: "20000000000000", Name: "二郎", ContractorID: ledger.DemoContractorID}, ""); err != nil {
		t.Fatal(err)
	}
	if err := adm.Assign(t.Context(), ledger.Assignment{SiteCode: "1234", TechnicianID: "20000000000000", Trade: "とび工"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// A name stored before the ledger refused formula-like text: the
	// export still keeps a spreadsheet from running it.
	sqlDB, err := sql.Open("sqlite", strings.TrimPrefix(db, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.ExecContext(t.Context(), `UPDATE technicians SET name = '=1+2' WHERE id = '20000000000000'`); err != nil {
		t.Fatal(err)
	}
	sqlDB.Close()
	day := time.Date(2026, 11, 2, 8, 0, 0, 0, ledger.Tokyo)
	record(t, db,
		ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "1234", Action: ledger.ActionCheckIn, At: day},
		ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "1234", Action: ledger.ActionCheckOut, At: day.Add(9 * time.Hour)},
		ledger.AttendanceRequest{TechnicianID: "20000000000000", SiteCode: "1234", Action: ledger.ActionCheckIn, At: day},
	)
	if _, msg, err := cli(t, db, "entries", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--only-new", "--dry-run"); err != nil ||
		strings.TrimSpace(msg) != "would export 2 entries" {
		t.Errorf("dry run said %q, %v", msg, err)
	}
	out := filepath.Join(t.TempDir(), "export.csv")
	if _, msg, err := cli(t, db, "entries", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv", "--encoding", "sjis", "--only-new", "--out", out); err != nil ||
		strings.TrimSpace(msg) != "exported 2 entries" {
		t.Fatalf("export said %q, %v", msg, err)
	}
	raw := must(os.ReadFile(out))
	recs, err := csv.NewReader(japanese.ShiftJIS.NewDecoder().Reader(bytes.NewReader(raw))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0][0] != "work_date" {
		t.Fatalf("export = %q", recs)
	}
	r := recs[1]
	if r[1] != ledger.DemoTechnicianID || r[2] != ledger.DemoCCUSSiteID || r[4] != "とび工" || r[6] != "2026-11-02 08:00" || r[7] != "2026-11-02 17:00" {
		t.Errorf("row = %q", r)
	}
	if recs[2][9] != "'=1+2" {
		t.Errorf("formula name exported as %q", recs[2][9])
	}
	if r[11] != "new" || recs[2][11] != "new" || recs[2][7] != "" {
		t.Errorf("rows = %q, want two new ones, the second still open", recs[1:])
	}
	// A second --only-new export has only what changed since: nothing new
	// was recorded, and the exported closed entry is not repeated.
	again := ok(t, db, "entries", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "jsonl", "--only-new")
	if strings.TrimSpace(again) != "" {
		t.Errorf("second --only-new export = %q, want nothing", again)
	}
	// The evening's check-out of the entry exported open that morning
	// comes out as a change (it used to be lost: the mark stayed).
	record(t, db, ledger.AttendanceRequest{TechnicianID: "20000000000000", SiteCode: "1234", Action: ledger.ActionCheckOut, At: day.Add(10 * time.Hour)})
	evening, msg, err := cli(t, db, "entries", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "jsonl", "--only-new")
	if err != nil || strings.TrimSpace(msg) != "exported 1 entry (1 changed)" {
		t.Errorf("evening export said %q, %v", msg, err)
	}
	if row := decode[map[string]any](t, evening); row["operation"] != "changed" || row["check_out"] != "2026-11-02 18:00" || row["version"] != 2.0 {
		t.Errorf("evening export = %v", row)
	}
	all := ok(t, db, "entries", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "jsonl", "--dry-run")
	if n := strings.Count(all, "\n"); n != 2 {
		t.Errorf("export without --only-new: %d lines, want 2", n)
	}
	for _, args := range [][]string{{"export", "--from", "2026-11-01"}, {"export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx"},
		{"export", "--from", "2026-11-01", "--to", "2026-11-30", "--encoding", "euc-jp"}} {
		if _, _, err := cli(t, db, append([]string{"entries"}, args...)...); !errors.Is(err, errUsage) {
			t.Errorf("entries %v: err %v, want a usage error", args, err)
		}
	}
}

// Rows whose site or contractor lacks its CCUS ID are held back and
// listed; the rest is written; the command fails (exit 1) so a script
// notices; the held-back rows come out once the IDs are registered.
func TestEntriesExportHeldBack(t *testing.T) {
	db := tempDB(t)
	st, err := ledger.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	adm := st
	for _, err := range []error{
		adm.SeedDemo(t.Context()),
		adm.AddSite(t.Context(), ledger.Site{Code: "77", Name: "駅前ビル", ContractorID: ledger.DemoContractorID}),
		adm.AddContractor(t.Context(), ledger.Contractor{ID: "acme", Name: "アクメ建設"}),
		adm.AddSite(t.Context(), ledger.Site{Code: "88", Name: "港倉庫", CCUSSiteID: "88888888888888", ContractorID: "acme"}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	day := time.Date(2026, 11, 2, 8, 0, 0, 0, ledger.Tokyo)
	var reqs []ledger.AttendanceRequest
	for i, site := range []string{"1234", "77", "88"} {
		reqs = append(reqs, ledger.AttendanceRequest{TechnicianID: ledger.DemoCrew()[i], SiteCode: site, Action: ledger.ActionCheckIn, At: day})
	}
	st.Close()
	record(t, db, reqs...)
	out := filepath.Join(t.TempDir(), "export.csv")
	_, msg, err := cli(t, db, "entries", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--only-new", "--out", out)
	if !errors.Is(err, ledger.ErrHeldBack) || exitCode(err) != 1 {
		t.Errorf("export with rows held back: err %v (exit %d), want ErrHeldBack, exit 1", err, exitCode(err))
	}
	for _, want := range []string{"exported 1 entry; 2 held back:",
		"2026-11-02 site 77 technician " + ledger.DemoCrew()[1] + ": site 77 (駅前ビル) has no CCUS site ID",
		"2026-11-02 site 88 technician " + ledger.DemoCrew()[2] + ": contractor acme has no CCUS business ID"} {
		if !strings.Contains(msg, want) {
			t.Errorf("export said %q, want %q in it", msg, want)
		}
	}
	if recs, err := csv.NewReader(bytes.NewReader(must(os.ReadFile(out)))).ReadAll(); err != nil || len(recs) != 2 || recs[1][8] != "1234" {
		t.Errorf("written: %q, %v; want the row of site 1234", recs, err)
	}
	st, err = ledger.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	adm = st
	if err := adm.SetSiteCCUSID(t.Context(), "77", "77777777777777"); err != nil {
		t.Fatal(err)
	}
	if err := adm.SetContractorCCUSBusinessID(t.Context(), "acme", "123456789012"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	rows, msg, err := cli(t, db, "entries", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--only-new", "--format", "jsonl")
	if err != nil || strings.TrimSpace(msg) != "exported 2 entries" || strings.Count(rows, `"operation":"new"`) != 2 {
		t.Errorf("after registering the IDs: %q, %q, %v; want the 2 held-back rows as new", rows, msg, err)
	}
}

func TestEntriesCorrectCancelShow(t *testing.T) {
	db := tempDB(t)
	st, _ := seededStore(t, db)
	st.Close()
	in := time.Date(2026, 11, 27, 20, 0, 0, 0, ledger.Tokyo)
	record(t, db, ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID, SiteCode: "1234", Action: ledger.ActionCheckIn,
		At: in, CallID: "call-1", IdempotencyKey: "call-1/1"})
	es := decode[[]entryJSON](t, ok(t, db, "entries", "list", "--json"))
	id := strconv.FormatInt(es[0].ID, 10)

	// 05:30 is before the 20:00 check-in: the next morning (night shift).
	out := ok(t, db, "entries", "correct", id, "--out", "05:30", "--by", "事務 佐藤", "--reason", "退場の電話忘れ")
	if !strings.Contains(out, "2026-11-28 05:30") || !strings.Contains(out, "closed") {
		t.Errorf("correct said %q", out)
	}
	ok(t, db, "entries", "cancel", id, "--by", "事務 佐藤", "--reason", "誤登録")
	shown := decode[struct {
		entryJSON
		Events []eventJSON `json:"events"`
	}](t, ok(t, db, "entries", "show", id, "--json"))
	if shown.Status != "cancelled" || shown.CheckOut != "2026-11-28T05:30:00+09:00" || len(shown.Events) != 3 {
		t.Fatalf("entries show = %+v", shown)
	}
	if e := shown.Events[1]; e.Kind != "correction" || e.Actor != "事務 佐藤" || e.Reason != "退場の電話忘れ" {
		t.Errorf("correction event = %+v", e)
	}
	if shown.Events[0].CallID != "call-1" || shown.Events[0].Actor != "phone" {
		t.Errorf("check-in event = %+v", shown.Events[0])
	}
	if txt := ok(t, db, "entries", "show", id); !strings.Contains(txt, "誤登録") || !strings.Contains(txt, "cancel") {
		t.Errorf("entries show = %q", txt)
	}
	for _, args := range [][]string{
		{"correct", id, "--out", "06:00"},                                  // no --by/--reason
		{"correct", id, "--by", "x", "--reason", "y"},                      // no times
		{"correct", "abc", "--out", "06:00", "--by", "x", "--reason", "y"}, // bad ID
		{"correct", id, "--out", "6 pm", "--by", "x", "--reason", "y"},     // bad time
		{"cancel", id},
		{"show"},
	} {
		if _, _, err := cli(t, db, append([]string{"entries"}, args...)...); !errors.Is(err, errUsage) {
			t.Errorf("entries %v: err %v, want a usage error", args, err)
		}
	}
	if _, _, err := cli(t, db, "entries", "cancel", id, "--by", "x", "--reason", "again"); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("cancel twice: err %v", err)
	}
	if _, _, err := cli(t, db, "entries", "show", "999"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("show unknown: err %v", err)
	}
}
