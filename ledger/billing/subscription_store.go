package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// Subscribe starts a subscription for a contractor on a plan. The
// contractor must be registered in the ledger and not disabled
// (ErrUnknownContractor, ErrContractorDisabled), the plan must be available
// on the start date, and the contractor must not already have a
// subscription that is not cancelled. Invoices are addressed to recipient,
// by default the contractor's registered name with 御中.
func (b *Billing) Subscribe(ctx context.Context, contractorID, recipient, plan string, start Date) (Subscription, error) {
	contractorID = strings.TrimSpace(contractorID)
	if contractorID == "" || start.IsZero() {
		return Subscription{}, fmt.Errorf("billing: subscribe: contractor ID and start date are required")
	}
	recipient = strings.TrimSpace(recipient)
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return Subscription{}, fmt.Errorf("billing: subscribe %s: %w", contractorID, err)
	}
	defer tx.Rollback()
	if err := b.txLock(ctx, tx, "subscribe:"+contractorID); err != nil {
		return Subscription{}, fmt.Errorf("billing: subscribe %s: %w", contractorID, err)
	}
	name, err := b.checkContractor(ctx, tx, contractorID, true)
	if err != nil {
		return Subscription{}, err
	}
	if recipient == "" {
		recipient = DefaultRecipient(name)
	}
	p, err := b.plan(ctx, tx, plan)
	if err != nil {
		return Subscription{}, err
	}
	if !p.AvailableOn(start) {
		return Subscription{}, fmt.Errorf("%w: %s is available from %s to %s, not %s", ErrPlanNotAvailable, p.Name, p.AvailableFrom, orOpen(p.AvailableUntil), start)
	}
	var n int
	if err := tx.QueryRowContext(ctx, b.q(`SELECT COUNT(*) FROM billing_subscriptions WHERE contractor_id = ? AND cancelled_on = ''`), contractorID).Scan(&n); err != nil {
		return Subscription{}, fmt.Errorf("billing: subscribe %s: %w", contractorID, err)
	}
	if n > 0 {
		return Subscription{}, fmt.Errorf("%w: %s", ErrAlreadySubscribed, contractorID)
	}
	s := Subscription{ContractorID: contractorID, Recipient: recipient, Plan: plan, Start: start}
	if err := tx.QueryRowContext(ctx, b.q(`INSERT INTO billing_subscriptions (contractor_id, recipient, plan, start_on, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), contractorID, recipient, plan, start.String(), b.stamp()).Scan(&s.ID); err != nil {
		return Subscription{}, fmt.Errorf("billing: subscribe %s: %w", contractorID, err)
	}
	if err := b.audit(ctx, tx, "subscription.add", subscriptionObject(s.ID), nil, map[string]any{"contractor_id": contractorID,
		"recipient": recipient, "plan": plan, "start": start.String()}); err != nil {
		return Subscription{}, err
	}
	if err := tx.Commit(); err != nil {
		return Subscription{}, fmt.Errorf("billing: subscribe %s: %w", contractorID, err)
	}
	return s, nil
}

func orOpen(d Date) string {
	if d.IsZero() {
		return "(open)"
	}
	return d.String()
}

// Cancel cancels a subscription as of the given date: periods starting on or
// after it are not billed. Invoices already issued stay (no refund implied;
// void one explicitly if a refund is agreed).
func (b *Billing) Cancel(ctx context.Context, id int64, on Date) error {
	if on.IsZero() {
		return fmt.Errorf("%w: cancel needs the date from which periods are not billed", ErrInvalidDate)
	}
	return b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, b.q(`UPDATE billing_subscriptions SET cancelled_on = ? WHERE id = ? AND cancelled_on = ''`), on.String(), id)
		if err != nil {
			return fmt.Errorf("billing: cancel subscription %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("billing: cancel subscription %d: %w", id, err)
		} else if n == 1 {
			return b.audit(ctx, tx, "subscription.cancel", subscriptionObject(id), map[string]any{"cancelled_on": ""},
				map[string]any{"cancelled_on": on.String()})
		}
		if _, err := b.subscription(ctx, tx, id); err != nil {
			return err
		}
		return fmt.Errorf("%w: %d", ErrAlreadyCancelled, id)
	})
}

func subscriptionObject(id int64) string { return fmt.Sprintf("billing-subscription:%d", id) }

const subscriptionColumns = `id, contractor_id, recipient, plan, start_on, cancelled_on`

func scanSubscription(sc interface{ Scan(...any) error }) (Subscription, error) {
	var s Subscription
	var start, cancelled string
	if err := sc.Scan(&s.ID, &s.ContractorID, &s.Recipient, &s.Plan, &start, &cancelled); err != nil {
		return Subscription{}, err
	}
	var err error
	if s.Start, err = parseStoredDate(start); err != nil {
		return Subscription{}, err
	}
	if s.CancelledOn, err = parseStoredDate(cancelled); err != nil {
		return Subscription{}, err
	}
	return s, nil
}

// Subscription returns one subscription.
func (b *Billing) Subscription(ctx context.Context, id int64) (Subscription, error) {
	return b.subscription(ctx, b.db, id)
}

func (b *Billing) subscription(ctx context.Context, db queryer, id int64) (Subscription, error) {
	s, err := scanSubscription(db.QueryRowContext(ctx, b.q(`SELECT `+subscriptionColumns+` FROM billing_subscriptions WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, ledger.NewError(ErrUnknownSubscription, "subscription %d does not exist (list them with: dezura billing list)", id)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("billing: subscription %d: %w", id, err)
	}
	return s, nil
}

// Subscriptions lists subscriptions in ID order; contractorID "" lists all.
func (b *Billing) Subscriptions(ctx context.Context, contractorID string) ([]Subscription, error) {
	query, args := `SELECT `+subscriptionColumns+` FROM billing_subscriptions ORDER BY id`, []any(nil)
	if contractorID != "" {
		query, args = `SELECT `+subscriptionColumns+` FROM billing_subscriptions WHERE contractor_id = ? ORDER BY id`, []any{contractorID}
	}
	return b.querySubscriptions(ctx, b.q(query), args...)
}

func (b *Billing) querySubscriptions(ctx context.Context, query string, args ...any) ([]Subscription, error) {
	rows, err := b.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("billing: list subscriptions: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("billing: list subscriptions: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: list subscriptions: %w", err)
	}
	return out, nil
}
