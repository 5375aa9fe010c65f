package billing

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/dezura/dezura/ledger"
)

// Delivery channels: how a copy of an invoice was handed out.
const (
	ChannelEmail = "email" // sent by mail as a PDF attachment
	ChannelPrint = "print" // in a print batch, to post
	ChannelPDF   = "pdf"   // a PDF written for the office to hand out
)

// Delivery is one copy of an invoice or credit note handed out.
type Delivery struct {
	Number      string
	Channel     string
	Recipient   string // the address mailed to
	Reissue     bool   // a reprint (再発行)
	DeliveredAt string // UTC, RFC 3339
}

// Document loads an invoice or credit note for printing: with the issuer
// settings it was issued under (for one issued before the settings were
// stored: its own name and registration number with the current
// address and account) and marked as a reprint if a copy was handed out
// before.
func (b *Billing) Document(ctx context.Context, number, issuer string) (PDFDocument, error) {
	return b.document(ctx, b.db, number, issuer)
}

func (b *Billing) document(ctx context.Context, db queryer, number, issuer string) (PDFDocument, error) {
	in, err := b.invoiceWhere(ctx, db, number, issuer)
	if err != nil {
		return PDFDocument{}, err
	}
	var iss IssuerSettings
	if in.IssuerVersion != 0 {
		iss, err = b.issuerVersion(ctx, db, in.IssuerVersion)
	} else {
		iss, err = b.currentIssuer(ctx, db)
		if errors.Is(err, ErrNoIssuer) {
			err = nil
		}
		iss.Name, iss.Registration, iss.SealPNG = in.IssuerName, in.IssuerRegistration, nil
	}
	if err != nil {
		return PDFDocument{}, err
	}
	var n int
	if err := db.QueryRowContext(ctx, b.q(`SELECT COUNT(*) FROM billing_deliveries WHERE invoice_id = ?`), in.ID).Scan(&n); err != nil {
		return PDFDocument{}, fmt.Errorf("billing: deliveries of %s: %w", number, err)
	}
	return PDFDocument{Invoice: in, Issuer: iss, Reissue: n > 0}, nil
}

// recordDelivery notes that a copy of invoice id was handed out.
func (b *Billing) recordDelivery(ctx context.Context, db queryer, id int64, channel, recipient string, reissue bool) error {
	var x int64
	if err := db.QueryRowContext(ctx, b.q(`INSERT INTO billing_deliveries (invoice_id, channel, recipient, reissue, delivered_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), id, channel, recipient, boolInt(reissue), b.stamp()).Scan(&x); err != nil {
		return fmt.Errorf("billing: record delivery: %w", err)
	}
	return nil
}

// IssuePDF writes an invoice or credit note as a PDF for the office to
// hand out and records the copy: the first copy is the original, every
// later one (by mail, print or PDF) says 再発行.
func (b *Billing) IssuePDF(ctx context.Context, w io.Writer, font *Font, number, issuer string) (PDFReport, error) {
	var buf bytes.Buffer
	var rep PDFReport
	err := b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if err := b.txLock(ctx, tx, "invoice:"+number); err != nil {
			return fmt.Errorf("billing: PDF of %s: %w", number, err)
		}
		doc, err := b.document(ctx, tx, number, issuer)
		if err != nil {
			return err
		}
		if rep, err = WritePDF(&buf, font, doc); err != nil {
			return err
		}
		if err := b.recordDelivery(ctx, tx, doc.Invoice.ID, ChannelPDF, "", doc.Reissue); err != nil {
			return err
		}
		return b.audit(ctx, tx, "invoice.pdf", invoiceObject(doc.Invoice.Number), nil, map[string]any{"reissue": doc.Reissue})
	})
	if err != nil {
		return PDFReport{}, err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return PDFReport{}, fmt.Errorf("billing: PDF of %s: %w", number, err)
	}
	return rep, nil
}

// PrintBatch is one PDF of every invoice and credit note never handed out
// whose contractor has no billing email address (those go by mail), in
// number order, for the office to print and post; each is recorded as
// delivered. With none waiting it is ErrNothingToPrint and records nothing.
func (b *Billing) PrintBatch(ctx context.Context, font *Font) (pdf []byte, numbers []string, rep PDFReport, err error) {
	err = b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if err := b.txLock(ctx, tx, "deliveries"); err != nil {
			return fmt.Errorf("billing: print batch: %w", err)
		}
		numbers, err = b.undelivered(ctx, tx, false)
		if err != nil {
			return err
		}
		if len(numbers) == 0 {
			return ledger.NewError(ErrNothingToPrint, "no invoice is waiting to be printed: every one was mailed, printed or handed out already")
		}
		docs := make([]PDFDocument, len(numbers))
		for i, n := range numbers {
			if docs[i], err = b.document(ctx, tx, n, ""); err != nil {
				return err
			}
			if err := b.recordDelivery(ctx, tx, docs[i].Invoice.ID, ChannelPrint, "", false); err != nil {
				return err
			}
		}
		var buf bytes.Buffer
		if rep, err = WritePDF(&buf, font, docs...); err != nil {
			return err
		}
		pdf = buf.Bytes()
		return b.audit(ctx, tx, "print", "billing-print", nil, map[string]any{"documents": len(numbers), "numbers": numbers})
	})
	if err != nil {
		return nil, nil, PDFReport{}, err
	}
	return pdf, numbers, rep, nil
}

// undelivered lists the numbers of the documents never handed out nor
// queued for mail, of contractors with (withEmail) or without a billing
// email address.
func (b *Billing) undelivered(ctx context.Context, db queryer, withEmail bool) ([]string, error) {
	cond := "NOT EXISTS"
	if withEmail {
		cond = "EXISTS"
	}
	rows, err := db.QueryContext(ctx, `SELECT i.number FROM billing_invoices i
		WHERE NOT EXISTS (SELECT 1 FROM billing_deliveries d WHERE d.invoice_id = i.id)
		AND NOT EXISTS (SELECT 1 FROM billing_outbox o WHERE o.invoice_id = i.id)
		AND `+cond+` (SELECT 1 FROM billing_contacts c WHERE c.contractor_id = i.contractor_id)
		ORDER BY i.issue_date, i.number`)
	if err != nil {
		return nil, fmt.Errorf("billing: invoices to deliver: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("billing: invoices to deliver: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: invoices to deliver: %w", err)
	}
	return out, nil
}

// Deliveries lists the copies of an invoice handed out, oldest first.
func (b *Billing) Deliveries(ctx context.Context, number string) ([]Delivery, error) {
	rows, err := b.db.QueryContext(ctx, b.q(`SELECT i.number, d.channel, d.recipient, d.reissue, d.delivered_at
		FROM billing_deliveries d JOIN billing_invoices i ON i.id = d.invoice_id WHERE i.number = ? ORDER BY d.id`), number)
	if err != nil {
		return nil, fmt.Errorf("billing: deliveries of %s: %w", number, err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var reissue int
		if err := rows.Scan(&d.Number, &d.Channel, &d.Recipient, &reissue, &d.DeliveredAt); err != nil {
			return nil, fmt.Errorf("billing: deliveries of %s: %w", number, err)
		}
		d.Reissue = reissue != 0
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: deliveries of %s: %w", number, err)
	}
	return out, nil
}
