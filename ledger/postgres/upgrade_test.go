package postgres

import (
	"testing"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/internal/sqlstore"
	"github.com/dezura/dezura/ledger/storetest"
)

func TestUpgradeToFeed(t *testing.T) {
	u := storetest.PostgresSchema(t, "ledger_upgrade")
	h, err := OpenHandle(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	storetest.UpgradeToFeed(t, sqlstore.NewUnmigrated(h, nil), func(t *testing.T) ledger.DB {
		s, err := Open(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
