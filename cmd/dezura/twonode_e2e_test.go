package main

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/storetest"
	"github.com/dezura/dezura/simulator"
)

// TestE2ETwoNodesOnePostgres: two dezura services on one PostgreSQL
// database (each with its own SIP socket, pool and spool) take a check-in
// from the same technician for the same site at the same moment. There is
// one work-history entry, not two; one caller hears "registered", the
// other "already registered".
func TestE2ETwoNodesOnePostgres(t *testing.T) {
	t.Parallel()
	db := storetest.PostgresSchema(t, "e2e_two_nodes")
	node := func(name string) *testService {
		return startTestService(t, func(c *serveConfig) {
			c.DB = db
			c.Spool = filepath.Join(t.TempDir(), name+".spool")
		})
	}
	a := node("a") // seeds the demo data first
	b := node("b")

	var wg sync.WaitGroup
	results := make([]simulator.Result, 2)
	for i, s := range []*testService{a, b} {
		wg.Go(func() {
			results[i] = s.call(t, simulator.Options{From: "09012345678", Keys: []string{"1234#", "1"}})
		})
	}
	wg.Wait()
	outcomes := map[string]int{}
	for i, res := range results {
		wantAnsweredAndHungUp(t, res)
		outcomes[[]*testService{a, b}[i].callRecord(t, res.CallID).Outcome]++
	}
	if outcomes["registered"] != 1 || outcomes["already_registered"] != 1 {
		t.Errorf("outcomes %v, want one registered and one already registered", outcomes)
	}
	es := a.entries(t)
	if len(es) != 1 || es[0].TechnicianID != ledger.DemoTechnicianID {
		t.Fatalf("entries = %+v, want exactly one", es)
	}
}
