package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strings"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/audit"
)

// The conditions below are the one place a Scope becomes SQL: every
// Office query adds the one for its table, so what a contractor, a
// foreman or a technician sees is decided here and nowhere else.

// foremanSite is true for a site s where the scope's foreman is assigned
// as 職長.
const foremanSite = `EXISTS (SELECT 1 FROM assignments fa WHERE fa.site_code = s.code
	AND fa.technician_id = ? AND fa.role = ? AND fa.disabled = FALSE)`

// siteScope is the condition on sites s.
func siteScope(sc ledger.Scope) (string, []any) {
	switch {
	case sc.All():
		return "1 = 1", nil
	case sc.TechnicianID != "":
		return `EXISTS (SELECT 1 FROM assignments ta WHERE ta.site_code = s.code
			AND ta.technician_id = ? AND ta.disabled = FALSE)`, []any{sc.TechnicianID}
	case sc.ForemanID != "":
		return "s.contractor_id = ? AND " + foremanSite, []any{sc.ContractorID, sc.ForemanID, ledger.ForemanRole}
	case sc.ContractorID != "":
		return "s.contractor_id = ?", []any{sc.ContractorID}
	}
	return "1 = 0", nil
}

// technicianScope is the condition on technicians t: a foreman sees
// himself and whoever is assigned to a site of his contractor where he is
// 職長.
func technicianScope(sc ledger.Scope) (string, []any) {
	switch {
	case sc.All():
		return "1 = 1", nil
	case sc.TechnicianID != "":
		return "t.id = ?", []any{sc.TechnicianID}
	case sc.ForemanID != "":
		return `(t.id = ? OR EXISTS (SELECT 1 FROM assignments ca
			JOIN sites s ON s.code = ca.site_code
			WHERE ca.technician_id = t.id AND ca.disabled = FALSE AND s.contractor_id = ? AND ` + foremanSite + `))`,
			[]any{sc.ForemanID, sc.ContractorID, sc.ForemanID, ledger.ForemanRole}
	case sc.ContractorID != "":
		return "t.contractor_id = ?", []any{sc.ContractorID}
	}
	return "1 = 0", nil
}

// phoneScope is the condition on phones p LEFT JOIN technicians t: a
// contractor sees its foreman phones and its technicians' phones.
func phoneScope(sc ledger.Scope) (string, []any) {
	switch {
	case sc.All():
		return "1 = 1", nil
	case sc.TechnicianID != "", sc.ForemanID != "":
		cond, args := technicianScope(sc)
		return "p.technician_id IS NOT NULL AND " + cond, args
	case sc.ContractorID != "":
		return "(p.contractor_id = ? OR t.contractor_id = ?)", []any{sc.ContractorID, sc.ContractorID}
	}
	return "1 = 0", nil
}

// entryScope is the condition on work_entries e JOIN sites s: a
// technician sees his own entries wherever they are, the others the
// entries at the sites they see.
func entryScope(sc ledger.Scope) (string, []any) {
	if sc.TechnicianID != "" && !sc.All() {
		return "e.technician_id = ?", []any{sc.TechnicianID}
	}
	return siteScope(sc)
}

// forbidden says a change the scope may see but not make.
func forbidden(what string) error {
	return ledger.NewError(ledger.ErrForbidden, "%s cannot be changed with this account (ask the contractor's office)", what)
}

// canChange is nil when sc may change the record of contractorID, else
// the error to return: not found for a record the scope cannot see,
// forbidden for one it sees but may not change.
func canChange(sc ledger.Scope, contractorID string, seen bool, notFound error, what string) error {
	if !seen {
		return notFound
	}
	if !sc.CanChange(contractorID) {
		return forbidden(what)
	}
	return nil
}

// audit writes the record of a change in tx, with the context's actor.
func (s *Store) audit(ctx context.Context, tx *sql.Tx, r audit.Record) error {
	return audit.Write(ctx, tx, s.d, s.now(), r)
}

// likePattern turns a search into a LIKE pattern: contains (or, with
// prefix, starts with) q, with LIKE's wildcards in q taken literally
// (ESCAPE '\').
func likePattern(q string, prefix bool) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	p := r.Replace(q) + "%"
	if !prefix {
		p = "%" + p
	}
	return p
}

// where joins conditions with AND.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// and adds a condition with its arguments as a scope function returns them.
func (w *where) and(cond string, args []any) { w.add(cond, args...) }

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// record is one kind of record as the Office operations change it: how
// to read it (as the scope sees it, locked for the transaction), how the
// audit log shows it, and how to write it back.
type record[T any] struct {
	what   string // "site 77", for errors
	object string // "site:77", for the audit log
	// load reads the record in tx; seen is false when the scope does not
	// see it.
	load func(tx *sql.Tx) (v T, contractorID string, seen bool, err error)
	// audited is the record as the audit log keeps it (comparable values).
	audited func(T) map[string]any
	// save writes v.
	save     func(tx *sql.Tx, v T) error
	notFound error
	// always audits the change even when the audited record is the same
	// before and after (a security code reset).
	always bool
}

// change runs mutate on a record sc may change and saves it, in one
// transaction with its audit record (action); a change that changes
// nothing writes nothing.
func change[T any](ctx context.Context, s *Store, sc ledger.Scope, r record[T], action string, mutate func(tx *sql.Tx, v *T) error) error {
	err := s.tryTx(ctx, func(tx *sql.Tx) error {
		before, contractorID, seen, err := r.load(tx)
		if err != nil {
			return err
		}
		if err := canChange(sc, contractorID, seen, r.notFound, r.what); err != nil {
			return err
		}
		after := before
		if err := mutate(tx, &after); err != nil {
			return err
		}
		was, is := r.audited(before), r.audited(after)
		if maps.Equal(was, is) && !r.always {
			return nil
		}
		if err := r.save(tx, after); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Record{Action: action, Object: r.object, ContractorID: contractorID, Before: was, After: is})
	})
	if err != nil && !said(err) {
		return fmt.Errorf("change %s: %w", r.what, err)
	}
	return err
}

// enableAction is the audit action of setting disabled on kind.
func enableAction(kind string, disabled bool) string {
	if disabled {
		return kind + ".disable"
	}
	return kind + ".enable"
}
