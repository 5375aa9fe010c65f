package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
)

// demoService builds the service binary and runs `dezura serve --demo` on
// a fresh SQLite store with SIP on 127.0.0.1 at a port it picks, the way
// an operator would. It returns the SIP URI to call and the store URL;
// the service gets SIGTERM when the test ends.
func demoService(t *testing.T) (uri, db string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "dezura")
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command builds the service: %v", err)
	}
	if out, err := exec.Command(goTool, "build", "-o", bin, "github.com/dezura/dezura/cmd/dezura").CombinedOutput(); err != nil {
		t.Fatalf("build the service: %v\n%s", err, out)
	}
	db = "sqlite:" + filepath.Join(dir, "dezura.db")
	cmd := exec.Command(bin, "serve", "--demo", "--web", "off", "--db", db, "--sip", "127.0.0.1:0", "--rtp-ports", "0-0",
		"--billing-at", "off", "--log-level", "warn", "--drain-timeout", "5s")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the service: %v", err)
	}
	addr := make(chan string, 1)
	var read sync.WaitGroup
	read.Go(func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			// "  SIP  udp 127.0.0.1:PORT", printed once SIP is listening.
			if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "SIP" && f[1] == "udp" {
				addr <- f[2]
			}
		}
	})
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		read.Wait()
		if err := cmd.Wait(); err != nil {
			t.Errorf("service exit: %v\n%s", err, stderr.String())
		}
		if t.Failed() {
			t.Logf("service stderr:\n%s", stderr.String())
		}
	})
	select {
	case a := <-addr:
		return "sip:ivr@" + a, db
	case <-time.After(2 * time.Minute):
		t.Fatalf("the service did not say where it listens\n%s", stderr.String())
	}
	return "", ""
}

// loadJSON is the part of `load --json` the tests read.
type loadJSON struct {
	Attempted int            `json:"attempted"`
	Completed int            `json:"completed"`
	Failed    int            `json:"failed"`
	FailedBy  map[string]int `json:"failed_by"`
	Records   *verification  `json:"records"`
}

// A foreman load against the real demo service: every call from the demo
// foreman checks in the demo crew, and the service's records show it.
func TestLoadForemanAgainstDemoService(t *testing.T) {
	uri, db := demoService(t)
	var out, errb bytes.Buffer
	// Three calls at once from the same foreman entering the same crew:
	// one of them registers each technician, the others hear "already
	// registered", and no one is checked in twice.
	code := runMain(context.Background(), []string{"load", "--to", uri, "--scenario", "foreman", "--concurrency", "3", "--cps", "0",
		"--duration", "1s", "--db", db, "--json"}, &out, &errb)
	var r loadJSON
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("JSON: %v\n%s\nstderr %s", err, out.String(), errb.String())
	}
	if code != exitOK || r.Attempted < 2 || r.Completed != r.Attempted || r.Failed != 0 {
		t.Fatalf("exit %d, report %s\nstderr %s", code, out.String(), errb.String())
	}
	v := r.Records
	if v == nil || !v.Passed || v.Checked != r.Attempted || v.Matched != v.Checked || v.Crew == nil {
		t.Fatalf("records check %+v", v)
	}
	crew := ledger.DemoCrew()
	if c := v.Crew; len(c.WorkDates) == 0 || c.Expected != len(crew)*len(c.WorkDates) || c.Recorded != c.Expected || c.Missing != 0 || c.Doubled != 0 {
		t.Errorf("crew check %+v", c)
	}

	// Look in the ledger directly too: one entry per crew member, checked
	// in by the foreman, and nothing for the demo technician, who was not
	// keyed.
	st, err := ledger.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	adm := st
	es, err := adm.ListEntries(context.Background(), ledger.EntryFilter{SiteCode: ledger.DemoSiteCode})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range es {
		got[e.TechnicianID]++
		evs, err := adm.EntryEvents(context.Background(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Kind != "check_in" || evs[0].Actor != "foreman:"+ledger.DemoContractorID+":"+ledger.DemoForemanPhone {
			t.Errorf("events of entry %+v: %+v, want one check-in by the demo foreman", e, evs)
		}
	}
	if len(es) != len(crew)*len(v.Crew.WorkDates) {
		t.Errorf("entries %+v, want one per crew member and work date", es)
	}
	for _, id := range crew {
		if got[id] != len(v.Crew.WorkDates) {
			t.Errorf("crew member %s has %d entries", id, got[id])
		}
	}
}
