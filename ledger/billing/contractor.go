package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/dezura/dezura/ledger"
)

// checkContractor says whether the ledger has the contractor and, with
// enabled, whether it is not disabled. Billing reads the ledger's
// contractors table directly: its own tables refer to it by foreign key,
// and the check must see the transaction's snapshot.
func (b *Billing) checkContractor(ctx context.Context, db queryer, id string, enabled bool) error {
	var disabled bool
	err := db.QueryRowContext(ctx, b.q(`SELECT disabled FROM contractors WHERE id = ?`), id).Scan(&disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.NewError(ErrUnknownContractor, "contractor %s is not registered (add it first with: dezura contractor add --id %s --name NAME)", id, id)
	}
	if err != nil {
		return fmt.Errorf("billing: look up contractor %s: %w", id, err)
	}
	if disabled && enabled {
		return ledger.NewError(ErrContractorDisabled, "contractor %s is disabled and cannot subscribe (enable it again first)", id)
	}
	return nil
}
