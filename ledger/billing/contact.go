package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// Contact is where a contractor's invoices are mailed. Billing keeps the
// address itself (billing_contacts) rather than in the ledger's
// contractors: it is the accounts department's address for invoices,
// often not the site office's, and billing's own migrations can add it
// without touching the ledger's.
type Contact struct {
	ContractorID string
	Email        string
}

// SetContact stores the address a contractor's invoices are mailed to;
// an empty email removes it (invoices then go into the print batch).
func (b *Billing) SetContact(ctx context.Context, contractorID, email string) error {
	email = strings.TrimSpace(email)
	if email != "" {
		if err := checkEmail(email); err != nil {
			return err
		}
	}
	return b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		was, err := b.contactOf(ctx, tx, contractorID)
		if err != nil && !errors.Is(err, ErrNoEmail) {
			return err
		}
		if was == email {
			return nil
		}
		object := "billing-contact:" + contractorID
		if email == "" {
			if _, err := tx.ExecContext(ctx, b.q(`DELETE FROM billing_contacts WHERE contractor_id = ?`), contractorID); err != nil {
				return fmt.Errorf("billing: remove the email address of %s: %w", contractorID, err)
			}
			return b.audit(ctx, tx, "contact.remove", object, map[string]any{"email": was}, nil)
		}
		if _, err := b.checkContractor(ctx, tx, contractorID, false); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, b.q(`INSERT INTO billing_contacts (contractor_id, email, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (contractor_id) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at`),
			contractorID, email, b.stamp()); err != nil {
			return fmt.Errorf("billing: set the email address of %s: %w", contractorID, err)
		}
		return b.audit(ctx, tx, "contact.set", object, map[string]any{"email": was}, map[string]any{"email": email})
	})
}

// ContactOf returns a contractor's billing email address (ErrNoEmail if
// none is stored).
func (b *Billing) ContactOf(ctx context.Context, contractorID string) (string, error) {
	return b.contactOf(ctx, b.db, contractorID)
}

func (b *Billing) contactOf(ctx context.Context, db queryer, contractorID string) (string, error) {
	var email string
	err := db.QueryRowContext(ctx, b.q(`SELECT email FROM billing_contacts WHERE contractor_id = ?`), contractorID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ledger.NewError(ErrNoEmail, "contractor %s has no billing email address (set one with: dezura billing contact set --contractor %s --email ADDRESS)",
			contractorID, contractorID)
	}
	if err != nil {
		return "", fmt.Errorf("billing: email address of %s: %w", contractorID, err)
	}
	return email, nil
}

// Contacts lists the stored addresses by contractor.
func (b *Billing) Contacts(ctx context.Context) ([]Contact, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT contractor_id, email FROM billing_contacts ORDER BY contractor_id`)
	if err != nil {
		return nil, fmt.Errorf("billing: email addresses: %w", err)
	}
	defer rows.Close()
	var out []Contact
	for rows.Next() {
		var c Contact
		if err := rows.Scan(&c.ContractorID, &c.Email); err != nil {
			return nil, fmt.Errorf("billing: email addresses: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: email addresses: %w", err)
	}
	return out, nil
}
