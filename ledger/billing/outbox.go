package billing

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/dezura/dezura/ledger"
)

// Outbox states.
const (
	OutboxQueued = "queued" // waiting for its first attempt
	OutboxRetry  = "retry"  // an attempt failed; tried again at NextAttempt
	OutboxSent   = "sent"
	OutboxFailed = "failed" // given up: the office must look at LastError
)

// OutboxEntry is one mail in the queue, sent or not.
type OutboxEntry struct {
	ID          int64
	Number      string
	To          string
	Reissue     bool
	State       string
	Attempts    int
	NextAttempt time.Time
	LastError   string
	QueuedAt    time.Time
	SentAt      time.Time // zero until sent
}

// queueTime is the fixed-width UTC text the queue stores, so that times
// compare as text in both databases.
const queueTime = "2006-01-02T15:04:05.000000000Z"

func (b *Billing) queueNow() string { return b.now().UTC().Format(queueTime) }

// DefaultRetryDelays are the waits after each failed attempt; after the
// last the mail is given up (OutboxFailed).
var DefaultRetryDelays = []time.Duration{5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 24 * time.Hour}

// QueueMail queues, for mailing, every invoice and credit note never
// handed out whose contractor has a billing email address. It returns how
// many it queued.
func (b *Billing) QueueMail(ctx context.Context) (int, error) {
	var n int
	err := b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if err := b.txLock(ctx, tx, "deliveries"); err != nil {
			return fmt.Errorf("billing: queue mail: %w", err)
		}
		now := b.queueNow()
		res, err := tx.ExecContext(ctx, b.q(`INSERT INTO billing_outbox (invoice_id, to_addr, state, next_attempt_at, queued_at)
			SELECT i.id, c.email, ?, ?, ? FROM billing_invoices i JOIN billing_contacts c ON c.contractor_id = i.contractor_id
			WHERE NOT EXISTS (SELECT 1 FROM billing_deliveries d WHERE d.invoice_id = i.id)
			AND NOT EXISTS (SELECT 1 FROM billing_outbox o WHERE o.invoice_id = i.id)
			ORDER BY i.issue_date, i.number`), OutboxQueued, now, now)
		if err != nil {
			return fmt.Errorf("billing: queue mail: %w", err)
		}
		c, err := res.RowsAffected()
		if n = int(c); err != nil || n == 0 {
			return err
		}
		return b.audit(ctx, tx, "mail.queue", "billing-mail", nil, map[string]any{"queued": n})
	})
	return n, err
}

// QueueResend queues one document again (a reprint, 再発行) to to, or to
// the contractor's billing address if to is "".
func (b *Billing) QueueResend(ctx context.Context, number, to string) error {
	in, err := b.InvoiceByNumber(ctx, number, "")
	if err != nil {
		return err
	}
	if to == "" {
		if to, err = b.ContactOf(ctx, in.ContractorID); err != nil {
			return err
		}
	} else if err := checkEmail(to); err != nil {
		return err
	}
	now := b.queueNow()
	return b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, b.q(`INSERT INTO billing_outbox (invoice_id, to_addr, reissue, state, next_attempt_at, queued_at)
		VALUES (?, ?, 1, ?, ?, ?)`), in.ID, to, OutboxQueued, now, now); err != nil {
			return fmt.Errorf("billing: queue %s again: %w", number, err)
		}
		return b.audit(ctx, tx, "invoice.resend", invoiceObject(in.Number), nil, map[string]any{"to": to})
	})
}

// SendOptions tune SendQueued.
type SendOptions struct {
	Limit       int             // at most this many mails in one pass (0: all due)
	RetryDelays []time.Duration // nil: DefaultRetryDelays
}

// SendResult counts what one pass did.
type SendResult struct {
	Sent, Retrying, Failed int
	// Errors lists each failure of this pass: "2026-000001 to x@y: reason".
	Errors []string
}

// SendQueued sends the queued mail that is due, each invoice as a PDF
// attachment: one pass, under the named lock billing-mail so that two
// nodes never send the same mail. A sent mail is recorded as a delivery
// (with the address and the time); a failed one is tried again after the
// next of opts.RetryDelays, or given up at once if the server refused it
// for good. A mail the server took just before a crash is sent again on
// the next pass (with the same Message-ID).
func (b *Billing) SendQueued(ctx context.Context, m Mailer, font *Font, opts SendOptions) (SendResult, error) {
	lock, err := b.h.Lock(ctx, "billing-mail")
	if err != nil {
		return SendResult{}, fmt.Errorf("billing: mail lock: %w", err)
	}
	defer lock.Release()
	iss, err := b.CurrentIssuer(ctx)
	if err != nil {
		return SendResult{}, err
	}
	if iss.Email == "" {
		return SendResult{}, ledger.NewError(ErrInvalidIssuer, "the issuer has no sender address for invoice mail (set one with: dezura billing issuer set --email ADDRESS)")
	}
	due, err := b.dueMail(ctx, opts.Limit)
	if err != nil {
		return SendResult{}, err
	}
	delays := opts.RetryDelays
	if delays == nil {
		delays = DefaultRetryDelays
	}
	var res SendResult
	for _, e := range due {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		sendErr, err := b.sendOne(ctx, m, font, e)
		if err != nil {
			return res, err
		}
		if sendErr == nil {
			res.Sent++
			continue
		}
		res.Errors = append(res.Errors, fmt.Sprintf("%s to %s: %v", e.Number, e.To, sendErr))
		state, err := b.failed(ctx, e, sendErr, delays)
		if err != nil {
			return res, err
		}
		if state == OutboxFailed {
			res.Failed++
		} else {
			res.Retrying++
		}
	}
	return res, nil
}

// dueMail lists the entries whose time has come, oldest first.
func (b *Billing) dueMail(ctx context.Context, limit int) ([]OutboxEntry, error) {
	query := `SELECT o.id, i.number, o.to_addr, o.reissue, o.state, o.attempts, o.next_attempt_at, o.last_error, o.queued_at, o.sent_at
		FROM billing_outbox o JOIN billing_invoices i ON i.id = o.invoice_id
		WHERE o.state IN (?, ?) AND o.next_attempt_at <= ? ORDER BY o.id`
	args := []any{OutboxQueued, OutboxRetry, b.queueNow()}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	return b.queryOutbox(ctx, b.q(query), args...)
}

// sendOne sends one entry and, if the server took it, records it as sent.
// sendErr is the mail's failure; err is the database's.
func (b *Billing) sendOne(ctx context.Context, m Mailer, font *Font, e OutboxEntry) (sendErr, err error) {
	doc, err := b.Document(ctx, e.Number, "")
	if err != nil {
		return nil, err
	}
	doc.Reissue = doc.Reissue || e.Reissue
	var pdf bytes.Buffer
	if _, err := WritePDF(&pdf, font, doc); err != nil {
		return nil, err
	}
	id := fmt.Sprintf("invoice-%s.%d@dezura", e.Number, e.ID)
	if sendErr = m.Send(ctx, invoiceMail(doc, e.To, pdf.Bytes(), id, b.now())); sendErr != nil {
		return sendErr, nil
	}
	err = b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, b.q(`UPDATE billing_outbox SET state = ?, attempts = attempts + 1, sent_at = ?, last_error = ''
			WHERE id = ?`), OutboxSent, b.queueNow(), e.ID); err != nil {
			return fmt.Errorf("billing: mark %s sent: %w", e.Number, err)
		}
		if err := b.recordDelivery(ctx, tx, doc.Invoice.ID, ChannelEmail, e.To, doc.Reissue); err != nil {
			return err
		}
		return b.audit(ctx, tx, "invoice.mail", invoiceObject(e.Number), map[string]any{"state": e.State},
			map[string]any{"state": OutboxSent, "to": e.To, "reissue": doc.Reissue})
	})
	return nil, err
}

// failed records a failed attempt and returns the entry's new state.
func (b *Billing) failed(ctx context.Context, e OutboxEntry, sendErr error, delays []time.Duration) (string, error) {
	state, next := OutboxRetry, b.now()
	if e.Attempts < len(delays) && !IsPermanent(sendErr) {
		next = next.Add(delays[e.Attempts])
	} else {
		state = OutboxFailed
	}
	msg := sendErr.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	err := b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, b.q(`UPDATE billing_outbox SET state = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ?
		WHERE id = ?`), state, next.UTC().Format(queueTime), msg, e.ID); err != nil {
			return fmt.Errorf("billing: record failed mail %s: %w", e.Number, err)
		}
		if state != OutboxFailed {
			return nil // tried again later: the queue shows it
		}
		return b.audit(ctx, tx, "invoice.mail", invoiceObject(e.Number), map[string]any{"state": e.State},
			map[string]any{"state": OutboxFailed, "to": e.To, "error": msg})
	})
	return state, err
}

// RetryFailed puts the mails given up back in the queue (after the
// office fixed an address or the server): all of them, or one document's.
func (b *Billing) RetryFailed(ctx context.Context, number string) (int, error) {
	query, args := `UPDATE billing_outbox SET state = ?, next_attempt_at = ? WHERE state = ?`, []any{OutboxQueued, b.queueNow(), OutboxFailed}
	if number != "" {
		query += ` AND invoice_id IN (SELECT id FROM billing_invoices WHERE number = ?)`
		args = append(args, number)
	}
	var n int64
	err := b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, b.q(query), args...)
		if err != nil {
			return fmt.Errorf("billing: retry failed mail: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		object := "billing-mail"
		if number != "" {
			object = invoiceObject(number)
		}
		return b.audit(ctx, tx, "mail.retry", object, map[string]any{"state": OutboxFailed}, map[string]any{"state": OutboxQueued, "mails": n})
	})
	return int(n), err
}

// Outbox lists the queue, newest first; state "" lists every state.
func (b *Billing) Outbox(ctx context.Context, state string, limit int) ([]OutboxEntry, error) {
	query := `SELECT o.id, i.number, o.to_addr, o.reissue, o.state, o.attempts, o.next_attempt_at, o.last_error, o.queued_at, o.sent_at
		FROM billing_outbox o JOIN billing_invoices i ON i.id = o.invoice_id`
	var args []any
	if state != "" {
		query += ` WHERE o.state = ?`
		args = append(args, state)
	}
	query += ` ORDER BY o.id DESC`
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	return b.queryOutbox(ctx, b.q(query), args...)
}

func (b *Billing) queryOutbox(ctx context.Context, query string, args ...any) ([]OutboxEntry, error) {
	rows, err := b.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("billing: mail queue: %w", err)
	}
	defer rows.Close()
	var out []OutboxEntry
	for rows.Next() {
		var e OutboxEntry
		var reissue int
		var next, queued, sent string
		if err := rows.Scan(&e.ID, &e.Number, &e.To, &reissue, &e.State, &e.Attempts, &next, &e.LastError, &queued, &sent); err != nil {
			return nil, fmt.Errorf("billing: mail queue: %w", err)
		}
		e.Reissue = reissue != 0
		e.NextAttempt, _ = time.Parse(queueTime, next)
		e.QueuedAt, _ = time.Parse(queueTime, queued)
		e.SentAt, _ = time.Parse(queueTime, sent)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: mail queue: %w", err)
	}
	return out, nil
}
