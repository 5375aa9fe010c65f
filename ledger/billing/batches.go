package billing

import (
	"context"
	"fmt"
)

// TransferBatch is the account transfers requested for one collection
// date: how many, how much, and what became of them.
type TransferBatch struct {
	CollectOn Date
	Count     int
	Amount    Yen
	// Pending are waiting for the bank's result (the batch can still be
	// withdrawn); Collected, Failed and Withdrawn are the rest.
	Pending, Collected, Failed, Withdrawn int
	PendingAmount, CollectedAmount        Yen
}

// TransferBatches lists the account-transfer batches, the newest
// collection date first.
func (b *Billing) TransferBatches(ctx context.Context) ([]TransferBatch, error) {
	rows, err := b.db.QueryContext(ctx, b.q(`SELECT collect_on, COUNT(*), SUM(amount),
			SUM(CASE WHEN result_code = '' THEN 1 ELSE 0 END), SUM(CASE WHEN result_code = '' THEN amount ELSE 0 END),
			SUM(CASE WHEN result_code = '0' THEN 1 ELSE 0 END), SUM(CASE WHEN result_code = '0' THEN amount ELSE 0 END),
			SUM(CASE WHEN result_code = ? THEN 1 ELSE 0 END)
		FROM billing_transfers GROUP BY collect_on ORDER BY collect_on DESC`), withdrawn)
	if err != nil {
		return nil, fmt.Errorf("billing: transfer batches: %w", err)
	}
	defer rows.Close()
	var out []TransferBatch
	for rows.Next() {
		var t TransferBatch
		var on string
		var amount, pending, collected int64
		if err := rows.Scan(&on, &t.Count, &amount, &t.Pending, &pending, &t.Collected, &collected, &t.Withdrawn); err != nil {
			return nil, fmt.Errorf("billing: transfer batches: %w", err)
		}
		if t.CollectOn, err = ParseDate(on); err != nil {
			return nil, err
		}
		t.Amount, t.PendingAmount, t.CollectedAmount = Yen(amount), Yen(pending), Yen(collected)
		t.Failed = t.Count - t.Pending - t.Collected - t.Withdrawn
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: transfer batches: %w", err)
	}
	return out, nil
}

// RefundBatchSummary is the refunds of one 総合振込 payment date.
type RefundBatchSummary struct {
	PayOn                    Date
	Count                    int
	Amount                   Yen
	Pending, Paid, Withdrawn int
}

// RefundBatches lists the 総合振込 refund batches, the newest payment
// date first.
func (b *Billing) RefundBatches(ctx context.Context) ([]RefundBatchSummary, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT pay_on, COUNT(*), SUM(amount),
			SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), SUM(CASE WHEN state = 'paid' THEN 1 ELSE 0 END)
		FROM billing_refund_transfers GROUP BY pay_on ORDER BY pay_on DESC`)
	if err != nil {
		return nil, fmt.Errorf("billing: refund batches: %w", err)
	}
	defer rows.Close()
	var out []RefundBatchSummary
	for rows.Next() {
		var r RefundBatchSummary
		var on string
		var amount int64
		if err := rows.Scan(&on, &r.Count, &amount, &r.Pending, &r.Paid); err != nil {
			return nil, fmt.Errorf("billing: refund batches: %w", err)
		}
		if r.PayOn, err = ParseDate(on); err != nil {
			return nil, err
		}
		r.Amount, r.Withdrawn = Yen(amount), r.Count-r.Pending-r.Paid
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: refund batches: %w", err)
	}
	return out, nil
}
