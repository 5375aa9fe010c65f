package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// RecordCall stores one call record; recording the same CallID again
// replaces it (a replayed spool or a retry writes it once).
func (s *Store) RecordCall(ctx context.Context, rec ledger.CallRecord) error {
	if rec.CallID == "" {
		return fmt.Errorf("ledger: record call: no call ID: %w", ledger.ErrInvalid)
	}
	steps, err := json.Marshal(nonNil(rec.Steps))
	if err != nil {
		return fmt.Errorf("ledger: record call %s: %w", rec.CallID, err)
	}
	ids, err := json.Marshal(nonNilIDs(rec.EntryIDs))
	if err != nil {
		return fmt.Errorf("ledger: record call %s: %w", rec.CallID, err)
	}
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO calls
		(call_id, caller, called, arrived_at, answered_at, ended_at, technician_id, site_code, language,
		 outcome, reason, steps, entry_ids, dtmf_transport)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (call_id) DO UPDATE SET
		 caller = excluded.caller, called = excluded.called, arrived_at = excluded.arrived_at,
		 answered_at = excluded.answered_at, ended_at = excluded.ended_at,
		 technician_id = excluded.technician_id, site_code = excluded.site_code,
		 language = excluded.language, outcome = excluded.outcome, reason = excluded.reason,
		 steps = excluded.steps, entry_ids = excluded.entry_ids, dtmf_transport = excluded.dtmf_transport`),
		rec.CallID, rec.Caller, rec.Called, nullTime(rec.ArrivedAt), nullTime(rec.AnsweredAt), nullTime(rec.EndedAt),
		rec.TechnicianID, rec.SiteCode, rec.Language, rec.Outcome, rec.Reason, string(steps), string(ids), rec.DTMFTransport)
	if err != nil {
		return fmt.Errorf("ledger: record call %s: %w", rec.CallID, err)
	}
	return nil
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
		outcome, reason, steps, entry_ids, dtmf_transport FROM calls`
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
			&r.Language, &r.Outcome, &r.Reason, &steps, &ids, &r.DTMFTransport); err != nil {
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
