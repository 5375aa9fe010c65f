package storetest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

// The replay property: any sequence of calls (check-ins and check-outs,
// night shifts included), corrections, cancellations, undos, CCUS IDs
// taken away and given back, and exports of every kind, replayed by a
// reader that has nothing but the exported files, leaves the reader with
// exactly the ledger's entries of the exported range.

// A small world (3 technicians, 3 sites, 4 days, the middle two
// exported) so that the steps keep hitting the same entries.
const (
	replayFrom, replayTo = "2026-11-02", "2026-11-03"
	replayDays           = 4
	replaySteps          = 400
)

// replayReader applies export files by the replay rule of
// ledger/README.md, checking that each operation fits what it holds.
type replayReader struct {
	t    *testing.T
	held map[string]map[string]string // entry_id -> the row's cells by column
}

func (rr *replayReader) apply(data []byte, format string, onlyNew bool) {
	t := rr.t
	t.Helper()
	for _, row := range parseExport(t, data, format) {
		id, v := row["entry_id"], atoi(t, row["version"])
		old, holds := rr.held[id]
		switch op := row["operation"]; {
		case !onlyNew && op != "new":
			t.Errorf("full export row %v: operation %q, want new", row, op)
		case onlyNew && op == "new" && holds:
			t.Errorf("feed row %v: new, but the reader holds version %s", row, old["version"])
		case onlyNew && op != "new" && (!holds || atoi(t, old["version"]) >= v):
			t.Errorf("feed row %v: %s, but the reader holds %v", row, op, old)
		}
		if holds && atoi(t, old["version"]) >= v {
			continue // not newer than what the reader has
		}
		if row["operation"] == "cancelled" {
			delete(rr.held, id)
		} else {
			rr.held[id] = row
		}
	}
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return n
}

// parseExport reads an export file: cells by column name.
func parseExport(t *testing.T, data []byte, format string) []map[string]string {
	t.Helper()
	var out []map[string]string
	if format == "jsonl" {
		dec := json.NewDecoder(bytes.NewReader(data))
		for dec.More() {
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				t.Fatalf("JSON line: %v", err)
			}
			row := map[string]string{}
			for k, v := range m {
				row[k] = fmt.Sprint(v)
			}
			out = append(out, row)
		}
		return out
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("CSV %q: %v", data, err)
	}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, col := range recs[0] {
			row[col] = rec[i]
		}
		out = append(out, row)
	}
	return out
}

// replayWorld is the ledger the random steps run against.
type replayWorld struct {
	t      *testing.T
	s      store
	rnd    *rand.Rand
	reader *replayReader
	techs  []string
	sites  map[string]string // site code -> its CCUS site ID
	events []int64           // check-in and check-out events, for undo
	n      int               // requests made, for idempotency keys
}

func testFeedReplay(t *testing.T, s store) {
	rseed := uint64(time.Now().UnixNano())
	if v := os.Getenv("DEZURA_FEED_SEED"); v != "" {
		rseed = uint64(atoi(t, v))
	}
	t.Logf("random steps from seed %d (DEZURA_FEED_SEED=%d repeats them)", rseed, rseed)
	w := newReplayWorld(t, s, rseed)
	for range replaySteps {
		w.step()
	}
	// Give every site and contractor its CCUS ID back, then one last
	// feed with the entries needing review: the reader must now hold
	// exactly the ledger's entries of the range.
	for code, id := range w.sites {
		must(t, s.SetSiteCCUSID(ctx(t), code, id))
	}
	must(t, s.SetContractorCCUSBusinessID(ctx(t), ledger.DemoContractorID, "000000000001"))
	must(t, s.SetContractorCCUSBusinessID(ctx(t), "acme", "000000000002"))
	w.export(true, ledger.ExportOptions{IncludeReview: true}, "csv")
	if live := w.compare(func(ledger.Entry) bool { return false }); live < 4 {
		t.Errorf("only %d live entries in the range at the end: the steps tested little", live)
	}
	if rows := w.export(true, ledger.ExportOptions{IncludeReview: true}, "jsonl"); rows != 0 {
		t.Errorf("a feed right after the last one sent %d rows, want none", rows)
	}
	if t.Failed() {
		t.Logf("failed with seed %d", rseed)
	}
}

func newReplayWorld(t *testing.T, s store, rseed uint64) *replayWorld {
	seed(t, s)
	must(t, s.AddTechnician(ctx(t), ledger.Technician{ID: "30000000000001", Name: "未配置"}, ""))
	must(t, s.AddContractor(ctx(t), ledger.Contractor{ID: "acme", Name: "アクメ建設", CCUSBusinessID: "000000000002"}))
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "55", Name: "別現場", CCUSSiteID: "55555555555555", ContractorID: ledger.DemoContractorID}))
	must(t, s.AddSite(ctx(t), ledger.Site{Code: "66", Name: "港倉庫", CCUSSiteID: "66666666666666", ContractorID: "acme"}))
	return &replayWorld{
		t: t, s: s, rnd: rand.New(rand.NewPCG(rseed, rseed^0x9e3779b97f4a7c15)),
		reader: &replayReader{t: t, held: map[string]map[string]string{}},
		techs:  []string{ledger.DemoTechnicianID, "30000000000001", ledger.DemoCrew()[0]},
		sites:  map[string]string{ledger.DemoSiteCode: ledger.DemoCCUSSiteID, "55": "55555555555555", "66": "66666666666666"},
	}
}

// day is a random moment of a day from 2026-11-01 on (some outside the
// exported range) at one of hours.
func (w *replayWorld) day(hours ...int) time.Time {
	return time.Date(2026, 11, 1+w.rnd.IntN(replayDays), hours[w.rnd.IntN(len(hours))], w.rnd.IntN(60), 0, 0, ledger.Tokyo)
}

func (w *replayWorld) step() {
	t, s := w.t, w.s
	switch k := w.rnd.IntN(100); {
	case k < 30:
		w.attend(ledger.ActionCheckIn, w.day(6, 8, 9, 14, 20, 22))
	case k < 40:
		w.attend(ledger.ActionCheckOut, w.day(5, 12, 17, 19, 23)) // 05:00 closes a night shift
	case k < 55:
		w.checkOutOpen()
	case k < 63:
		if e, ok := w.anyEntry(); ok {
			wd, _ := ledger.ParseWorkDate(e.WorkDate)
			c := ledger.Correction{EntryID: e.ID, Actor: "事務", Reason: "修正",
				CheckIn: wd.Add(time.Duration(6+w.rnd.IntN(4))*time.Hour + time.Duration(w.rnd.IntN(60))*time.Minute)}
			if w.rnd.IntN(2) == 0 {
				c.CheckOut = c.CheckIn.Add(time.Duration(1+w.rnd.IntN(20)) * time.Hour)
			}
			w.tolerate(s.CorrectEntry(ctx(t), c))
		}
	case k < 69:
		if e, ok := w.anyEntry(); ok {
			w.tolerate(s.CancelEntry(ctx(t), e.ID, "事務", "取消", time.Time{}))
		}
	case k < 77:
		if len(w.events) > 0 {
			w.tolerate(s.flow.UndoAttendance(ctx(t), w.events[w.rnd.IntN(len(w.events))], "事務", "取消", time.Time{}))
		}
	case k < 82:
		w.toggleIDs()
	default:
		o := ledger.ExportOptions{IncludeReview: w.rnd.IntN(2) == 0, DryRun: w.rnd.IntN(7) == 0}
		w.export(w.rnd.IntN(10) < 7, o, []string{"csv", "jsonl"}[w.rnd.IntN(2)])
	}
}

func (w *replayWorld) attend(a ledger.Action, at time.Time) {
	w.record(ledger.AttendanceRequest{TechnicianID: w.techs[w.rnd.IntN(len(w.techs))],
		SiteCode: []string{ledger.DemoSiteCode, "55", "66"}[w.rnd.IntN(3)], Action: a, At: at})
}

// checkOutOpen checks out of an open entry, as most technicians do: the
// same evening, or the next morning after a night shift.
func (w *replayWorld) checkOutOpen() {
	var open []ledger.Entry
	for _, e := range entries(w.t, w.s) {
		if e.Status == ledger.EntryStatusOpen {
			open = append(open, e)
		}
	}
	if len(open) == 0 {
		return
	}
	e := open[w.rnd.IntN(len(open))]
	wd, _ := ledger.ParseWorkDate(e.WorkDate)
	at := wd.Add(time.Duration(17+w.rnd.IntN(3)) * time.Hour)
	if w.rnd.IntN(3) == 0 {
		at = wd.Add(29 * time.Hour) // 05:00 the next day
	}
	w.record(ledger.AttendanceRequest{TechnicianID: e.TechnicianID, SiteCode: e.SiteCode, Action: ledger.ActionCheckOut, At: at})
}

func (w *replayWorld) record(req ledger.AttendanceRequest) {
	w.n++
	req.IdempotencyKey = fmt.Sprintf("replay-%d", w.n)
	res, err := w.s.RecordAttendance(ctx(w.t), req)
	must(w.t, err)
	if res.EventID != 0 {
		w.events = append(w.events, res.EventID)
	}
}

func (w *replayWorld) anyEntry() (ledger.Entry, bool) {
	es := entries(w.t, w.s)
	if len(es) == 0 {
		return ledger.Entry{}, false
	}
	return es[w.rnd.IntN(len(es))], true
}

// tolerate accepts what the ledger refuses for good reason (a cancelled
// entry corrected, an event undone twice, ...).
func (w *replayWorld) tolerate(_ ledger.Entry, err error) {
	if err != nil && !errors.Is(err, ledger.ErrInvalid) {
		w.t.Fatal(err)
	}
}

// toggleIDs takes a CCUS ID away, gives it back, or changes it.
func (w *replayWorld) toggleIDs() {
	t, s := w.t, w.s
	if w.rnd.IntN(2) == 0 {
		code := []string{ledger.DemoSiteCode, "55", "66"}[w.rnd.IntN(3)]
		id := []string{"", w.sites[code], "1" + w.sites[code][1:]}[w.rnd.IntN(3)]
		must(t, s.SetSiteCCUSID(ctx(t), code, id))
		return
	}
	c, id := ledger.DemoContractorID, "000000000001"
	if w.rnd.IntN(2) == 0 {
		c, id = "acme", "000000000002"
	}
	id = []string{"", id, "9" + id[1:]}[w.rnd.IntN(3)]
	must(t, s.SetContractorCCUSBusinessID(ctx(t), c, id))
}

// ccusIDs are the sites' CCUS site IDs and their contractors' business
// IDs as the ledger has them now, by site code.
func (w *replayWorld) ccusIDs() (site, business map[string]string) {
	sites, err := w.s.Sites(ctx(w.t), "")
	must(w.t, err)
	cs, err := w.s.Contractors(ctx(w.t))
	must(w.t, err)
	byID := map[string]string{}
	for _, c := range cs {
		byID[c.ID] = c.CCUSBusinessID
	}
	site, business = map[string]string{}, map[string]string{}
	for _, st := range sites {
		site[st.Code], business[st.Code] = st.CCUSSiteID, byID[st.ContractorID]
	}
	return site, business
}

// export runs one export of the range and hands the file to the reader
// (unless a dry run: nobody sends those). A full export is run twice:
// the same rows both times. It returns the number of rows.
func (w *replayWorld) export(onlyNew bool, o ledger.ExportOptions, format string) int {
	t := w.t
	t.Helper()
	f := ledger.EntryFilter{From: replayFrom, To: replayTo, OnlyNew: onlyNew}
	file := func() ([]byte, ledger.ExportSummary) {
		var buf bytes.Buffer
		ew, err := ledger.NewExportWriter(&buf, format, "utf-8")
		must(t, err)
		sum, err := w.s.ExportEntries(ctx(t), f, o, ew)
		must(t, err)
		return buf.Bytes(), sum
	}
	data, sum := file()
	if !onlyNew && !o.DryRun {
		if again, _ := file(); !bytes.Equal(again, data) {
			t.Errorf("a full export run twice:\n%s\nthen\n%s", data, again)
		}
	}
	if !o.DryRun {
		w.reader.apply(data, format, onlyNew)
	}
	if onlyNew && !o.DryRun {
		// The feed is never behind but for what it said it left out.
		late := map[int64]bool{}
		for _, h := range sum.HeldBack {
			late[h.Row.ID] = true
		}
		w.compare(func(e ledger.Entry) bool {
			return late[e.ID] || e.Status == ledger.EntryStatusNeedsReview && !o.IncludeReview
		})
	}
	return sum.Rows()
}

// compare checks the reader holds exactly the ledger's entries of the
// range that are not cancelled, as they are now, except those the last
// export left out for good reason (late).
func (w *replayWorld) compare(late func(ledger.Entry) bool) int {
	t, s := w.t, w.s
	es, err := s.ListEntries(ctx(t), ledger.EntryFilter{From: replayFrom, To: replayTo})
	must(t, err)
	siteIDs, businessIDs := w.ccusIDs()
	want, live := map[string]bool{}, 0
	for _, e := range es {
		id := strconv.FormatInt(e.ID, 10)
		if late(e) {
			want[id] = w.reader.held[id] != nil // whatever it has is allowed
			continue
		}
		if e.Status == ledger.EntryStatusCancelled {
			continue
		}
		want[id] = true
		live++
		got, ok := w.reader.held[id]
		if !ok {
			t.Errorf("entry %+v: the reader does not have it", e)
			continue
		}
		cells := map[string]string{"work_date": e.WorkDate, "technician_id": e.TechnicianID, "site_code": e.SiteCode,
			"check_in": minute(e.CheckIn), "check_out": minute(e.CheckOut), "status": e.Status.String(),
			"trade": e.Trade, "role": e.Role, "version": strconv.FormatInt(e.Version, 10),
			"ccus_site_id": siteIDs[e.SiteCode], "ccus_business_id": businessIDs[e.SiteCode]}
		for col, v := range cells {
			if got[col] != v {
				t.Errorf("entry %d %s: the reader has %q, the ledger %q", e.ID, col, got[col], v)
			}
		}
	}
	for id, row := range w.reader.held {
		if !want[id] {
			t.Errorf("the reader holds %v, which the ledger has not (or has cancelled)", row)
		}
	}
	return live
}

func minute(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ledger.Tokyo).Format("2006-01-02 15:04")
}
