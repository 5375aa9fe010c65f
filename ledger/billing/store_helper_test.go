package billing

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	_ "github.com/dezura/dezura/ledger/postgres" // postgres:// for ledger.Open
	_ "github.com/dezura/dezura/ledger/sqlite"   // sqlite: for ledger.Open
	"github.com/dezura/dezura/ledger/storetest"
)

// testIssuer uses the National Tax Agency's registration number, whose
// check digit is known to be valid.
var testIssuer = Issuer{Name: "株式会社デズラ", Registration: "T7000012050002"}

var fixedClock = func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }

// newPGSchema gives a test a fresh PostgreSQL schema of its own (dropped
// when it ends): DEZURA_TEST_POSTGRES or the local server; without one the
// test skips on a developer's machine and fails in CI.
func newPGSchema(t testing.TB) string { return storetest.PostgresSchema(t, "billing_test") }

type backend struct {
	name string
	url  func(t testing.TB) string
}

var backends = []backend{
	{"sqlite", func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "dezura.db") }},
	{"postgres", newPGSchema},
}

// eachBackend runs f against a fresh, migrated database of each kind.
func eachBackend(t *testing.T, f func(t *testing.T, b *Billing, url string)) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			url := be.url(t)
			b := openTest(t, url)
			f(t, b, url)
		})
	}
}

// openLedger opens the ledger at url as a process of its own would,
// closed when the test ends.
func openLedger(t testing.TB, url string) ledger.DB {
	t.Helper()
	db, err := ledger.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testLedgers maps each Billing a test opened to its ledger (register).
var testLedgers = struct {
	sync.Mutex
	m map[*Billing]ledger.DB
}{m: map[*Billing]ledger.DB{}}

// ledgerOf is the ledger openTest opened b on.
func ledgerOf(t testing.TB, b *Billing) ledger.DB {
	t.Helper()
	testLedgers.Lock()
	defer testLedgers.Unlock()
	db, ok := testLedgers.m[b]
	if !ok {
		t.Fatal("billing not opened by openTest")
	}
	return db
}

// openTest opens the ledger at url and billing on it.
func openTest(t testing.TB, url string) *Billing {
	t.Helper()
	db := openLedger(t, url)
	b, err := New(context.Background(), db, WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	testLedgers.Lock()
	testLedgers.m[b] = db
	testLedgers.Unlock()
	t.Cleanup(func() {
		testLedgers.Lock()
		delete(testLedgers.m, b)
		testLedgers.Unlock()
	})
	return b
}

// register adds contractors to b's ledger (those it has already stay).
func register(t testing.TB, b *Billing, ids ...string) {
	t.Helper()
	db := ledgerOf(t, b)
	for _, id := range ids {
		err := db.AddContractor(context.Background(), ledger.Contractor{ID: id, Name: id + " 建設"})
		if err != nil && !errors.Is(err, ledger.ErrExists) {
			t.Fatal(err)
		}
	}
}

func run(t *testing.T, b *Billing, asOf string) RunResult {
	t.Helper()
	res, err := b.Run(context.Background(), RunOptions{AsOf: d(asOf), Issuer: testIssuer})
	if err != nil {
		t.Fatalf("run as of %s: %v", asOf, err)
	}
	return res
}

func subscribe(t *testing.T, b *Billing, contractor, plan, start string) Subscription {
	t.Helper()
	register(t, b, contractor)
	s, err := b.Subscribe(context.Background(), contractor, contractor+" 御中", plan, d(start))
	if err != nil {
		t.Fatalf("subscribe %s: %v", contractor, err)
	}
	return s
}
