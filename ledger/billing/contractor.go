package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// checkContractor says whether the ledger has the contractor and, with
// enabled, whether it is not disabled; it returns the contractor's name. Billing reads the ledger's
// contractors table directly: its own tables refer to it by foreign key,
// and the check must see the transaction's snapshot.
func (b *Billing) checkContractor(ctx context.Context, db queryer, id string, enabled bool) (name string, err error) {
	var disabled bool
	err = db.QueryRowContext(ctx, b.q(`SELECT name, disabled FROM contractors WHERE id = ?`), id).Scan(&name, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ledger.NewError(ErrUnknownContractor, "contractor %s is not registered (add it first with: dezura contractor add --id %s --name NAME)", id, id)
	}
	if err != nil {
		return "", fmt.Errorf("billing: look up contractor %s: %w", id, err)
	}
	if disabled && enabled {
		return "", ledger.NewError(ErrContractorDisabled, "contractor %s is disabled and cannot subscribe (enable it again first)", id)
	}
	return name, nil
}

// DefaultRecipient is how an invoice is addressed when no recipient is
// given: the contractor's registered name and 御中, the honorific for a
// company.
func DefaultRecipient(contractorName string) string {
	name := strings.TrimSpace(contractorName)
	if strings.HasSuffix(name, "御中") || strings.HasSuffix(name, "様") {
		return name
	}
	return name + " 御中"
}
