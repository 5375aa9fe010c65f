package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// AddPlan stores a new plan. Plans are never edited in place: a price change
// is a new plan, and the old one's window is closed with ClosePlan.
func (b *Billing) AddPlan(ctx context.Context, p Plan) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, b.q(`INSERT INTO billing_plans
		(name, initial_fee, annual_fee, per_attendance, tax_rate, available_from, available_until, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`),
			p.Name, int64(p.InitialFee), int64(p.AnnualFee), int64(p.PerAttendance), p.TaxRate,
			p.AvailableFrom.String(), p.AvailableUntil.String(), b.stamp())
		if err != nil {
			return fmt.Errorf("billing: add plan %s: %w", p.Name, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("%w: %s", ErrPlanExists, p.Name)
		}
		return b.audit(ctx, tx, "plan.add", planObject(p.Name), nil, auditedPlan(p))
	})
}

// ClosePlan ends the window in which new subscriptions may take the plan
// (last day included). Existing subscriptions keep renewing.
func (b *Billing) ClosePlan(ctx context.Context, name string, last Date) error {
	return b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		p, err := b.plan(ctx, tx, name)
		if err != nil {
			return err
		}
		was := p.AvailableUntil
		p.AvailableUntil = last
		if err := p.Validate(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, b.q(`UPDATE billing_plans SET available_until = ? WHERE name = ?`), last.String(), name); err != nil {
			return fmt.Errorf("billing: close plan %s: %w", name, err)
		}
		return b.audit(ctx, tx, "plan.close", planObject(name), map[string]any{"available_until": was.String()},
			map[string]any{"available_until": last.String()})
	})
}

const planColumns = `name, initial_fee, annual_fee, per_attendance, tax_rate, available_from, available_until`

func scanPlan(sc interface{ Scan(...any) error }) (Plan, error) {
	var p Plan
	var initial, annual, per int64
	var from, until string
	if err := sc.Scan(&p.Name, &initial, &annual, &per, &p.TaxRate, &from, &until); err != nil {
		return Plan{}, err
	}
	p.InitialFee, p.AnnualFee, p.PerAttendance = Yen(initial), Yen(annual), Yen(per)
	p.ReducedRate = p.TaxRate == ReducedTaxRate
	var err error
	if p.AvailableFrom, err = parseStoredDate(from); err != nil {
		return Plan{}, err
	}
	if p.AvailableUntil, err = parseStoredDate(until); err != nil {
		return Plan{}, err
	}
	return p, nil
}

// Plan returns the named plan.
func (b *Billing) Plan(ctx context.Context, name string) (Plan, error) {
	return b.plan(ctx, b.db, name)
}

func (b *Billing) plan(ctx context.Context, db queryer, name string) (Plan, error) {
	p, err := scanPlan(db.QueryRowContext(ctx, b.q(`SELECT `+planColumns+` FROM billing_plans WHERE name = ?`), name))
	if errors.Is(err, sql.ErrNoRows) {
		return Plan{}, unknownPlan(name)
	}
	if err != nil {
		return Plan{}, fmt.Errorf("billing: plan %s: %w", name, err)
	}
	return p, nil
}

// Plans lists every plan by name.
func (b *Billing) Plans(ctx context.Context) ([]Plan, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT `+planColumns+` FROM billing_plans ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("billing: list plans: %w", err)
	}
	defer rows.Close()
	var out []Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("billing: list plans: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: list plans: %w", err)
	}
	return out, nil
}
