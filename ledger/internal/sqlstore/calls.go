package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dezura/dezura/ledger"
)

const insertCallQuery = `INSERT INTO calls
	(call_id, caller, called, arrived_at, answered_at, ended_at, technician_id, site_code, language,
	 outcome, reason, steps, entry_ids, dtmf_transport, end_reason)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (call_id) DO UPDATE SET
	 caller = excluded.caller, called = excluded.called, arrived_at = excluded.arrived_at,
	 answered_at = excluded.answered_at, ended_at = excluded.ended_at,
	 technician_id = excluded.technician_id, site_code = excluded.site_code,
	 language = excluded.language, outcome = excluded.outcome, reason = excluded.reason,
	 steps = excluded.steps, entry_ids = excluded.entry_ids, dtmf_transport = excluded.dtmf_transport,
	 end_reason = excluded.end_reason
	WHERE excluded.answered_at IS NOT NULL OR calls.answered_at IS NULL`

// RecordCall stores one call record; recording the same CallID again
// replaces it (a replayed spool or a retry writes it once), except that a
// record of a call that was never answered (refused: overload) never
// replaces one of an answered call: a dispatcher that got our 503 sends
// the same Call-ID to another node, which answers it. It returns
// when the record is committed. Records that arrive while another batch
// is being written are committed together in one transaction (group
// commit): at a few hundred calls a second SQLite otherwise spends a
// commit and an fsync on every record.
func (s *Store) RecordCall(ctx context.Context, rec ledger.CallRecord) error {
	if rec.CallID == "" {
		return invalid("record call: no call ID")
	}
	steps, err := json.Marshal(nonNil(rec.Steps))
	if err != nil {
		return fmt.Errorf("ledger: record call %s: %w", rec.CallID, err)
	}
	ids, err := json.Marshal(nonNilIDs(rec.EntryIDs))
	if err != nil {
		return fmt.Errorf("ledger: record call %s: %w", rec.CallID, err)
	}
	w := &pendingCall{
		args: []any{rec.CallID, rec.Caller, rec.Called, nullTime(rec.ArrivedAt), nullTime(rec.AnsweredAt), nullTime(rec.EndedAt),
			rec.TechnicianID, rec.SiteCode, rec.Language, rec.Outcome, rec.Reason, string(steps), string(ids), rec.DTMFTransport, rec.EndReason},
		done: make(chan error, 1),
	}
	if err := s.calls.submit(ctx, s, w); err != nil {
		return fmt.Errorf("ledger: record call %s: %w", rec.CallID, err)
	}
	return nil
}

// maxCallBatch bounds one group commit.
const maxCallBatch = 256

// callBatcher gathers call records for group commit, with no goroutine
// of its own: the first caller to find no write in progress writes its
// record with those queued (the leader); records that arrive meanwhile
// queue, and when the leader is done the oldest of them leads the next
// batch. One caller writes at most one batch besides waiting for one.
type callBatcher struct {
	mu      sync.Mutex
	queue   []*pendingCall
	writing bool
}

type pendingCall struct {
	args []any
	done chan error // the write's result, or errLead
}

// errLead tells a queued caller that it writes the next batch.
var errLead = errors.New("lead the next batch")

func (c *callBatcher) submit(ctx context.Context, s *Store, w *pendingCall) error {
	c.mu.Lock()
	if !c.writing {
		c.writing = true
		c.mu.Unlock()
		return c.lead(s, w)
	}
	c.queue = append(c.queue, w)
	c.mu.Unlock()
	var err error
	select {
	case err = <-w.done:
	case <-ctx.Done():
		c.mu.Lock()
		if i := slices.Index(c.queue, w); i >= 0 {
			c.queue = slices.Delete(c.queue, i, i+1)
			c.mu.Unlock()
			return ctx.Err()
		}
		c.mu.Unlock()
		// Already in a batch, or picked to lead the next: see it through.
		err = <-w.done
	}
	if err == errLead {
		return c.lead(s, w)
	}
	return err
}

// lead writes w and what is queued (up to maxCallBatch), then passes the
// writing on to the oldest record queued since, or ends it.
func (c *callBatcher) lead(s *Store, w *pendingCall) error {
	c.mu.Lock()
	n := min(len(c.queue), maxCallBatch-1)
	batch := make([]*pendingCall, 0, n+1)
	batch = append(append(batch, w), c.queue[:n]...)
	c.queue = slices.Delete(c.queue, 0, n)
	c.mu.Unlock()
	s.writeCalls(batch)
	c.mu.Lock()
	if len(c.queue) > 0 {
		next := c.queue[0]
		c.queue = slices.Delete(c.queue, 0, 1)
		next.done <- errLead
	} else {
		c.writing = false
	}
	c.mu.Unlock()
	return <-w.done
}

// callWriteTimeout bounds one batch; callers give up sooner on their own
// deadline (and spool the record).
const callWriteTimeout = 30 * time.Second

// writeCalls commits the batch in one transaction; if that fails, each
// record on its own, so that one bad record fails only its own call.
func (s *Store) writeCalls(batch []*pendingCall) {
	ctx, cancel := context.WithTimeout(context.Background(), callWriteTimeout)
	defer cancel()
	if len(batch) > 1 {
		err := s.tryTx(ctx, func(tx *sql.Tx) error {
			for _, w := range batch {
				if _, err := s.exec(ctx, tx, insertCallQuery, w.args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			for _, w := range batch {
				w.done <- nil
			}
			return
		}
	}
	for _, w := range batch {
		_, err := s.exec(ctx, nil, insertCallQuery, w.args...)
		w.done <- err
	}
}

// ListCalls returns call records oldest first.
func (s *Store) ListCalls(ctx context.Context, f ledger.CallFilter) ([]ledger.CallRecord, error) {
	var where []string
	var args []any
	if !f.Since.IsZero() {
		where = append(where, "arrived_at >= ?")
		args = append(args, f.Since.UTC())
	}
	if f.Outcome != "" {
		where = append(where, "outcome = ?")
		args = append(args, f.Outcome)
	}
	q := `SELECT call_id, caller, called, arrived_at, answered_at, ended_at, technician_id, site_code, language,
		outcome, reason, steps, entry_ids, dtmf_transport, end_reason FROM calls`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY arrived_at, call_id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: list calls: %w", err)
	}
	defer rows.Close()
	var out []ledger.CallRecord
	for rows.Next() {
		var r ledger.CallRecord
		var arrived, answered, ended sql.NullTime
		var steps, ids string
		if err := rows.Scan(&r.CallID, &r.Caller, &r.Called, &arrived, &answered, &ended, &r.TechnicianID, &r.SiteCode,
			&r.Language, &r.Outcome, &r.Reason, &steps, &ids, &r.DTMFTransport, &r.EndReason); err != nil {
			return nil, fmt.Errorf("ledger: list calls: %w", err)
		}
		r.ArrivedAt, r.AnsweredAt, r.EndedAt = timeOf(arrived), timeOf(answered), timeOf(ended)
		if err := json.Unmarshal([]byte(steps), &r.Steps); err != nil {
			return nil, fmt.Errorf("ledger: call %s steps: %w", r.CallID, err)
		}
		if err := json.Unmarshal([]byte(ids), &r.EntryIDs); err != nil {
			return nil, fmt.Errorf("ledger: call %s entry IDs: %w", r.CallID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: list calls: %w", err)
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilIDs(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}
