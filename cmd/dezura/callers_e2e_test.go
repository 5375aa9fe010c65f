package main

import (
	"context"
	"encoding/binary"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
	"github.com/dezura/dezura/simulator"
)

// End-to-end tests of what callers meet: the real service on 127.0.0.1,
// the simulator on the wire, the ledger checked afterwards, and what the
// caller heard matched clip by clip against the prompt catalogue.

const (
	e2eSiteDID  = "05055550001" // site 55's own number
	e2eCodeTech = "22222222222222"
	e2eForeman  = "09077770000"
)

// toNumber is the service's SIP URI with number as the dialled user part.
func (s *testService) toNumber(number string) string {
	return "sip:" + number + "@" + s.sip.Addr().String()
}

func (s *testService) must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// withDIDSite adds site 55, dialled on its own number; it keeps no
// assignments, so any technician may check in there.
func (s *testService) withDIDSite(t *testing.T) {
	t.Helper()
	s.must(t, s.admin.AddSite(context.Background(), ledger.Site{Code: "55", Name: "直通現場",
		ContractorID: ledger.DemoContractorID, DID: e2eSiteDID}))
}

func (s *testService) eventKinds(t *testing.T, entryID int64) string {
	t.Helper()
	evs, err := s.admin.EntryEvents(context.Background(), entryID)
	s.must(t, err)
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Kind)
	}
	return strings.Join(out, " ")
}

var e2eCatalogue = func() func(t *testing.T) *prompts.Catalogue {
	return func(t *testing.T) *prompts.Catalogue {
		t.Helper()
		cat, err := prompts.Load("")
		if err != nil {
			t.Fatal(err)
		}
		return cat
	}
}()

// heardClips is what the caller heard, as "lang:name" of each complete
// clip found in the call's audio, in order.
func heardClips(t *testing.T, cat *prompts.Catalogue, res simulator.Result) []string {
	t.Helper()
	pcm := make([]byte, 2*len(res.Heard))
	for i, v := range res.Heard {
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(v))
	}
	// Match in A-law whatever the call's codec: μ-law's two zeros (0x7F and
	// 0xFF, both in the generated clips) decode to the same sample, so μ-law
	// frames cannot be rebuilt byte for byte from the decoded audio, while
	// the catalogue's A-law frames are the μ-law clips encoded from exactly
	// this decoded audio.
	var out []string
	for _, h := range cat.RecognisePCM(prompts.Alaw, pcm) {
		if h.Complete {
			out = append(out, h.Lang+":"+h.Name)
		}
	}
	return out
}

func TestE2EOneCallCheckInCheckOutAndUndo(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	s.withDIDSite(t)
	cat := e2eCatalogue(t)
	to := s.toNumber(e2eSiteDID)

	// No keys at all: check-in, said with the short greeting and the undo offer.
	res := s.call(t, simulator.Options{To: to, From: "09012345678"})
	wantAnsweredAndHungUp(t, res)
	want := []string{"ja:" + prompts.GreetingShort, "ja:" + prompts.RecordedCheckIn, "ja:" + prompts.UndoOffer}
	if got := heardClips(t, cat, res); !slices.Equal(got, want) {
		t.Errorf("heard %v, want %v", got, want)
	}
	es := s.entries(t)
	if len(es) != 1 || es[0].SiteCode != "55" || es[0].Status != ledger.EntryStatusOpen {
		t.Fatalf("entries after the first call = %+v", es)
	}
	cr := s.callRecord(t, res.CallID)
	if cr.Outcome != "registered" || cr.Called != "+815055550001" || cr.SiteCode != "55" || !slices.Contains(cr.Steps, "site_by_did") ||
		cr.ArrivedAt.IsZero() || cr.EndedAt.Before(cr.ArrivedAt) || cr.Language != "ja" {
		t.Errorf("call record = %+v", cr)
	}

	// A later call: check-out.
	res = s.call(t, simulator.Options{To: to, From: "09012345678"})
	wantAnsweredAndHungUp(t, res)
	want[1] = "ja:" + prompts.RecordedCheckOut
	if got := heardClips(t, cat, res); !slices.Equal(got, want) {
		t.Errorf("heard %v, want %v", got, want)
	}
	if es := s.entries(t); len(es) != 1 || es[0].Status != ledger.EntryStatusClosed {
		t.Fatalf("entries after the second call = %+v", es)
	}

	// Another, and 9 after the offer: the check-out is undone (an undo
	// event; the entry is open again, nothing deleted).
	res = s.call(t, simulator.Options{To: to, From: "09012345678", Keys: []string{"9"}})
	wantAnsweredAndHungUp(t, res)
	if got := heardClips(t, cat, res); len(got) == 0 || got[len(got)-1] != "ja:"+prompts.Undone {
		t.Errorf("heard %v, want it to end with %s", got, prompts.Undone)
	}
	es = s.entries(t)
	if len(es) != 1 || es[0].Status != ledger.EntryStatusClosed {
		t.Fatalf("entries after the undo = %+v, want the first check-out back", es)
	}
	if got := s.eventKinds(t, es[0].ID); got != "check_in check_out check_out undo" {
		t.Errorf("events %s", got)
	}
	if cr := s.callRecord(t, res.CallID); cr.Outcome != "cancelled" || !slices.Contains(cr.Steps, "undo") {
		t.Errorf("call record = %+v", cr)
	}
}

// BenchmarkE2EOneCall measures the one-call path from INVITE to the
// service's BYE, spoken confirmation and undo window included; run with
// -benchtime=10x for the median of 10 calls (goal: under 6 s).
func BenchmarkE2EOneCall(b *testing.B) {
	s := startBenchService(b)
	var ds []time.Duration
	for b.Loop() {
		res, err := simulator.Call(context.Background(), simulator.Options{To: s.toNumber(e2eSiteDID), From: "09012345678",
			MaxDuration: 30 * time.Second, DiscardAudio: true})
		if err != nil || res.EndedBy != simulator.EndedRemoteBye {
			b.Fatalf("call: %+v, %v", res, err)
		}
		ds = append(ds, res.Duration)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[len(ds)/2].Milliseconds()), "median-ms")
	b.ReportMetric(float64(ds[len(ds)-1].Milliseconds()), "max-ms")
}

func TestE2ESecurityCodeAndLockout(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	ctx := context.Background()
	s.must(t, s.admin.AddTechnician(ctx, ledger.Technician{ID: e2eCodeTech, Name: "暗証 一郎", ContractorID: ledger.DemoContractorID}, "4321"))
	s.must(t, s.admin.AddTechnician(ctx, ledger.Technician{ID: "22222222222223", Name: "暗証 二郎", ContractorID: ledger.DemoContractorID}, "8765"))

	// The right code registers. Site 1234 keeps assignments, none of them
	// his: he is told, and the entry waits for the contractor's review.
	res := s.call(t, simulator.Options{From: "0311112222", Keys: []string{"22222222222223", "8765", "1234#", "1"}})
	wantAnsweredAndHungUp(t, res)
	if es := s.entries(t); len(es) != 1 || es[0].TechnicianID != "22222222222223" || es[0].Status != ledger.EntryStatusNeedsReview {
		t.Fatalf("entries = %+v, want one needs_review", es)
	}
	if !slices.Contains(heardClips(t, e2eCatalogue(t), res), "ja:"+prompts.NotAssigned) {
		t.Error("the caller was not told he is not assigned")
	}
	if cr := s.callRecord(t, res.CallID); cr.Outcome != "registered" || !slices.Contains(cr.Steps, "security_code_ok") {
		t.Errorf("call record = %+v", cr)
	}

	// Three wrong codes lock phone entry for that technician.
	res = s.call(t, simulator.Options{From: "0311112222", Keys: []string{e2eCodeTech, "1111", "2222", "3333"}})
	wantAnsweredAndHungUp(t, res)
	cr := s.callRecord(t, res.CallID)
	wrong := 0
	for _, st := range cr.Steps {
		if st == "security_code_wrong" {
			wrong++
		}
	}
	if cr.Outcome != "failed" || cr.Reason != "locked" || wrong != 3 {
		t.Errorf("call record = %+v", cr)
	}
	// Locked: even the right code is not asked for now.
	res = s.call(t, simulator.Options{From: "0311112222", Keys: []string{e2eCodeTech, "4321", "1234#", "1"}})
	wantAnsweredAndHungUp(t, res)
	if cr := s.callRecord(t, res.CallID); cr.Reason != "locked" {
		t.Errorf("call while locked = %+v", cr)
	}
	if es := s.entries(t); len(es) != 1 {
		t.Errorf("entries = %+v, want only the first", es)
	}
	// The attempts are in the ledger, the code nowhere in clear.
	for _, c := range s.calls(t) {
		for _, st := range c.Steps {
			if strings.ContainsAny(st, "0123456789") {
				t.Errorf("call %s step %q holds digits", c.CallID, st)
			}
		}
	}
}

func TestE2EForemanEntersFiveTechnicians(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	ctx := context.Background()
	s.must(t, s.admin.AddPhone(ctx, ledger.Phone{E164: e2eForeman, ContractorID: ledger.DemoContractorID}))
	keys := []string{"1234#", "1"}
	var ids []string
	for i := range 5 {
		id := "3333333333333" + string(rune('0'+i))
		s.must(t, s.admin.AddTechnician(ctx, ledger.Technician{ID: id, Name: "班員", ContractorID: ledger.DemoContractorID}, ""))
		s.must(t, s.admin.Assign(ctx, ledger.Assignment{SiteCode: ledger.DemoSiteCode, TechnicianID: id}))
		ids = append(ids, id)
		keys = append(keys, id)
	}
	keys = append(keys, "#")
	// The foreman knows the drill: he keys each group as a prompt starts,
	// over the read-back of the one before.
	res := s.call(t, simulator.Options{From: e2eForeman, Keys: keys, KeyEarly: true})
	wantAnsweredAndHungUp(t, res)
	es := s.entries(t)
	if len(es) != 5 {
		t.Fatalf("entries = %+v, want 5", es)
	}
	for _, e := range es {
		evs, err := s.admin.EntryEvents(ctx, e.ID)
		s.must(t, err)
		if !slices.Contains(ids, e.TechnicianID) || e.SiteCode != "1234" || len(evs) != 1 || evs[0].Actor != "foreman:demo:+819077770000" {
			t.Errorf("entry %+v events %+v", e, evs)
		}
	}
	cr := s.callRecord(t, res.CallID)
	if cr.Outcome != "registered" || len(cr.EntryIDs) != 5 || !slices.Contains(cr.Steps, "foreman_done") {
		t.Errorf("call record = %+v", cr)
	}
	// The end of the call says how many were registered.
	heard := heardClips(t, e2eCatalogue(t), res)
	if i := slices.Index(heard, "ja:"+prompts.CountRegistered); i < 1 || heard[i-1] != "ja:num_5" {
		t.Errorf("heard %v, want num_5 count_registered", heard)
	}
}

func TestE2EStatusAndCancelLast(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	// Today's check-in an hour ago, or at midnight (through the store, to
	// keep the test short).
	now := time.Now().In(ledger.Tokyo)
	at := max(now.Add(-time.Hour).Unix(), time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, ledger.Tokyo).Unix())
	if _, err := s.store.RecordAttendance(context.Background(), ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID,
		SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn, At: time.Unix(at, 0), IdempotencyKey: "morning"}); err != nil {
		t.Fatal(err)
	}
	// Same site (1), today's entries (3), then cancel the last entry (4).
	res := s.call(t, simulator.Options{From: "09012345678", Keys: []string{"1", "3", "4"}})
	wantAnsweredAndHungUp(t, res)
	heard := heardClips(t, e2eCatalogue(t), res)
	es := s.entries(t)
	if len(es) != 1 {
		t.Fatalf("entries = %+v", es)
	}
	in := es[0].CheckIn.In(ledger.Tokyo)
	tn, err := prompts.TimeNames(prompts.Japanese, in.Hour(), in.Minute())
	s.must(t, err)
	if i := slices.Index(heard, "ja:"+prompts.TodaysEntries); i < 0 || !isSubsequence(prefixed("ja:", tn), heard[i:]) ||
		!slices.Contains(heard, "ja:"+prompts.EntryCancelled) {
		t.Errorf("heard %v, want today's entries read back with the time %v and the cancellation", heard, tn)
	}
	if len(es) != 1 || es[0].Status != ledger.EntryStatusCancelled {
		t.Fatalf("entries = %+v, want one cancelled", es)
	}
	if got := s.eventKinds(t, es[0].ID); got != "check_in undo" {
		t.Errorf("events %s", got)
	}
	if cr := s.callRecord(t, res.CallID); cr.Outcome != "cancelled" || !slices.Contains(cr.Steps, "status") {
		t.Errorf("call record = %+v", cr)
	}
}

func TestE2EEnglishAndPromptsInOrder(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	cat := e2eCatalogue(t)
	// An unregistered phone: 9 at the greeting, the ID, the site, check-in.
	res := s.call(t, simulator.Options{From: "0311112222", Keys: []string{"9", ledger.DemoTechnicianID, "1234#", "1"}})
	wantAnsweredAndHungUp(t, res)
	// english_offer is the same English audio in both catalogues; Recognise
	// names it by the first language, en.
	want := []string{"ja:" + prompts.Greeting, "en:" + prompts.EnglishOffer, "en:" + prompts.EnterID,
		"en:" + prompts.EnterSite, "en:" + prompts.ChooseAction, "en:" + prompts.ChooseActionMore, "en:" + prompts.SiteCodeIs,
		"en:digit_1", "en:digit_2", "en:digit_3", "en:digit_4", "en:" + prompts.ActionCheckIn,
		"en:" + prompts.Registered, "en:" + prompts.Goodbye}
	got := heardClips(t, cat, res)
	// The caller keys over the prompts, which then are not heard whole:
	// compare the clips that were.
	if !isSubsequence(got, want) || !slices.Contains(got, "en:"+prompts.Registered) || got[0] != want[0] {
		t.Errorf("heard %v\nwant (in order, barge-in may cut some) %v", got, want)
	}
	if cr := s.callRecord(t, res.CallID); cr.Language != "en" || cr.Outcome != "registered" || !slices.Contains(cr.Steps, "english") {
		t.Errorf("call record = %+v", cr)
	}
	if es := s.entries(t); len(es) != 1 {
		t.Fatalf("entries = %+v", es)
	}
}

func TestE2EKeysDuringEveryPrompt(t *testing.T) {
	t.Parallel()
	s := startTestService(t, nil)
	res := s.call(t, simulator.Options{From: "0311112222", Keys: []string{ledger.DemoTechnicianID, "1234#", "1"}, KeyEarly: true})
	wantAnsweredAndHungUp(t, res)
	if es := s.entries(t); len(es) != 1 || es[0].TechnicianID != ledger.DemoTechnicianID {
		t.Fatalf("entries = %+v", es)
	}
	if cr := s.callRecord(t, res.CallID); cr.Outcome != "registered" {
		t.Errorf("call record = %+v", cr)
	}
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}

// startBenchService is startTestService for a benchmark.
func startBenchService(b *testing.B) *testService {
	b.Helper()
	// The flags' defaults, then what the end-to-end tests set.
	cfg, err := parseServe()
	if err != nil {
		b.Fatal(err)
	}
	cfg.DB, cfg.Demo = "sqlite:"+filepath.Join(b.TempDir(), "dezura.db"), true
	cfg.SIP, cfg.RTPPorts, cfg.BillingAt, cfg.LogLevel = "127.0.0.1:0", "0-0", "off", "warn"
	cfg.Trust, cfg.UntrustedOptions = "127.0.0.0/8,::1", "answer"
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := startService(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- svc.wait(ctx, cfg.DrainTimeout) }()
	b.Cleanup(func() {
		cancel()
		if err := <-waited; err != nil {
			b.Errorf("service shutdown: %v", err)
		}
	})
	s := &testService{service: svc, uri: "sip:ivr@" + svc.sip.Addr().String(), admin: svc.db}
	if err := s.admin.AddSite(ctx, ledger.Site{Code: "55", Name: "直通現場", ContractorID: ledger.DemoContractorID, DID: e2eSiteDID}); err != nil {
		b.Fatal(err)
	}
	return s
}

// isSubsequence reports whether sub appears in seq in order.
func isSubsequence(sub, seq []string) bool {
	j := 0
	for _, s := range seq {
		if j < len(sub) && sub[j] == s {
			j++
		}
	}
	return j == len(sub)
}
