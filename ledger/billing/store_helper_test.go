package billing

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testIssuer uses the National Tax Agency's registration number, whose
// check digit is known to be valid.
var testIssuer = Issuer{Name: "株式会社デズラ", Registration: "T7000012050002"}

var fixedClock = func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }

// pgURL is the PostgreSQL server tests use. DEZURA_TEST_PG=off skips the
// PostgreSQL half explicitly (never silently; and never when CI=true).
func pgURL() string {
	if u := os.Getenv("DEZURA_TEST_PG"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// newPGSchema creates a fresh schema and returns a URL whose search_path is
// it; the schema is dropped when the test ends.
func newPGSchema(t testing.TB) string {
	t.Helper()
	base := pgURL()
	if base == "off" {
		if os.Getenv("CI") == "true" {
			t.Fatal("DEZURA_TEST_PG=off is not allowed when CI=true")
		}
		t.Skip("PostgreSQL half disabled by DEZURA_TEST_PG=off")
	}
	ctx := context.Background()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("PostgreSQL at %s: %v", base, err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("PostgreSQL at %s unreachable (set DEZURA_TEST_PG=off to skip outside CI): %v", base, err)
	}
	var buf [6]byte
	rand.Read(buf[:])
	schema := "billing_test_" + hex.EncodeToString(buf[:])
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

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

func openTest(t testing.TB, url string) *Billing {
	t.Helper()
	b, err := Open(context.Background(), url, WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
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
	s, err := b.Subscribe(context.Background(), contractor, contractor+" 御中", plan, d(start))
	if err != nil {
		t.Fatalf("subscribe %s: %v", contractor, err)
	}
	return s
}
