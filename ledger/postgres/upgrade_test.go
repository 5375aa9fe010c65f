package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/internal/sqlstore"
	"github.com/dezura/dezura/ledger/storetest"
)

func TestUpgradeToFeed(t *testing.T) {
	u := storetest.PostgresSchema(t, "ledger_upgrade")
	pool, err := pgxpool.New(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	storetest.UpgradeToFeed(t, sqlstore.NewUnmigrated(stdlib.OpenDBFromPool(pool), dialect, nil), func(t *testing.T) ledger.Store {
		s, err := Open(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
