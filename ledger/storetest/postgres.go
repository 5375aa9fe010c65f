package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresURL returns the test server: DEZURA_TEST_POSTGRES, else the local
// default. A test that cannot reach it skips on a developer's machine but
// fails in CI (CI=true) or when DEZURA_TEST_POSTGRES names a server.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DEZURA_TEST_POSTGRES")
	explicit := u != ""
	if !explicit {
		u = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		if explicit || os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s unreachable: %v", u, err)
		}
		t.Skipf("no PostgreSQL at %s (set DEZURA_TEST_POSTGRES; in CI this fails): %v", u, err)
	}
	conn.Close(ctx)
	return u
}

// PostgresSchema creates an empty schema for one test, drops it when the
// test ends, and returns a URL whose connections use it (search_path).
func PostgresSchema(t testing.TB, prefix string) string {
	t.Helper()
	base := PostgresURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema := prefix + "_" + hex.EncodeToString(b)
	ctx := context.Background()
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
