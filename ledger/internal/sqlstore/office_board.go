package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/audit"
)

const entryRowCols = entryColsE + `, t.name, s.name`

const entryRowFrom = ` FROM work_entries e JOIN sites s ON s.code = e.site_code JOIN technicians t ON t.id = e.technician_id`

func scanEntryRow(sc scanner) (ledger.EntryRow, error) {
	var r ledger.EntryRow
	e, err := scanEntry(extraScan{sc, []any{&r.TechnicianName, &r.SiteName}})
	r.Entry = e
	return r, err
}

// extraScan scans the columns scanEntry reads and then extra ones.
type extraScan struct {
	sc    scanner
	extra []any
}

func (x extraScan) Scan(dest ...any) error { return x.sc.Scan(append(dest, x.extra...)...) }

// Board is the board of one work date for a page of sc's sites.
func (s *Store) Board(ctx context.Context, sc ledger.Scope, q ledger.BoardQuery) (ledger.Board, error) {
	day, err := ledger.ParseWorkDate(q.Date)
	if err != nil {
		return ledger.Board{}, err
	}
	days := q.ReviewDays
	if days <= 0 {
		days = ledger.BoardReviewDays
	}
	b := ledger.Board{Date: q.Date, Yesterday: day.AddDate(0, 0, -1).Format(ledger.WorkDateLayout)}
	from := day.AddDate(0, 0, 1-days).Format(ledger.WorkDateLayout)
	sites, err := s.SitesPage(ctx, sc, ledger.ListQuery{After: q.After, Limit: q.Limit})
	if err != nil {
		return b, fmt.Errorf("board of %s: %w", q.Date, err)
	}
	b.Next = sites.Next
	if err := s.boardTotals(ctx, sc, &b, from); err != nil {
		return b, fmt.Errorf("board of %s: %w", q.Date, err)
	}
	if len(sites.Rows) == 0 {
		return b, nil
	}
	bySite := make(map[string]*ledger.SiteBoard, len(sites.Rows))
	b.Sites = make([]ledger.SiteBoard, len(sites.Rows))
	codes := make([]any, len(sites.Rows))
	for i, st := range sites.Rows {
		b.Sites[i].Site = st
		bySite[st.Code] = &b.Sites[i]
		codes[i] = st.Code
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(codes)), ", ") + ")"
	// The day's and the day before's entries, then those that need review.
	if err := s.scanRows(ctx, `SELECT `+entryRowCols+entryRowFrom+` WHERE e.work_date IN (?, ?) AND e.site_code IN `+in+
		` ORDER BY e.check_in, e.technician_id`, append([]any{b.Date, b.Yesterday}, codes...), func(sc scanner) error {
		r, err := scanEntryRow(sc)
		if err != nil {
			return err
		}
		sb := bySite[r.SiteCode]
		switch {
		case r.WorkDate == b.Date && r.Status == ledger.EntryStatusOpen:
			sb.In = append(sb.In, r)
		case r.WorkDate == b.Date && (r.Status == ledger.EntryStatusClosed || r.Status == ledger.EntryStatusExported):
			sb.Left = append(sb.Left, r)
		case r.WorkDate == b.Yesterday && r.Status == ledger.EntryStatusOpen:
			sb.OpenYesterday = append(sb.OpenYesterday, r)
		}
		return nil
	}); err != nil {
		return b, fmt.Errorf("board of %s: entries: %w", q.Date, err)
	}
	if err := s.scanRows(ctx, `SELECT `+entryRowCols+entryRowFrom+` WHERE e.status = 'needs_review' AND e.site_code IN `+in+
		` AND e.work_date >= ? AND e.work_date <= ? ORDER BY e.work_date DESC, e.technician_id`, append(codes, from, b.Date),
		func(sc scanner) error {
			r, err := scanEntryRow(sc)
			if err == nil {
				bySite[r.SiteCode].Review = append(bySite[r.SiteCode].Review, r)
			}
			return err
		}); err != nil {
		return b, fmt.Errorf("board of %s: entries to review: %w", q.Date, err)
	}
	return b, nil
}

// boardTotals counts the board's lines over all of sc's sites that are
// not disabled.
func (s *Store) boardTotals(ctx context.Context, sc ledger.Scope, b *ledger.Board, from string) error {
	cond, args := siteScope(sc)
	var in, left, open sql.NullInt64
	var review int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT
		SUM(CASE WHEN e.work_date = ? AND e.status = 'open' THEN 1 ELSE 0 END),
		SUM(CASE WHEN e.work_date = ? AND e.status IN ('closed', 'exported') THEN 1 ELSE 0 END),
		SUM(CASE WHEN e.work_date = ? AND e.status = 'open' THEN 1 ELSE 0 END)
		FROM work_entries e JOIN sites s ON s.code = e.site_code
		WHERE e.work_date IN (?, ?) AND s.disabled = FALSE AND `+cond),
		append([]any{b.Date, b.Date, b.Yesterday, b.Date, b.Yesterday}, args...)...).Scan(&in, &left, &open)
	if err != nil {
		return err
	}
	err = s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM work_entries e JOIN sites s ON s.code = e.site_code
		WHERE e.status = 'needs_review' AND e.work_date >= ? AND e.work_date <= ? AND s.disabled = FALSE AND `+cond),
		append([]any{from, b.Date}, args...)...).Scan(&review)
	if err != nil {
		return err
	}
	b.Totals = ledger.BoardTotals{In: int(in.Int64), Left: int(left.Int64), OpenYesterday: int(open.Int64), Review: review}
	return nil
}

// EntriesPage lists the entries sc sees that match f, newest work date
// first; after is the Next of the previous page ("DATE/ID").
func (s *Store) EntriesPage(ctx context.Context, sc ledger.Scope, f ledger.EntryFilter, after string) (ledger.Page[ledger.EntryRow], error) {
	var page ledger.Page[ledger.EntryRow]
	if err := validDates(f); err != nil {
		return page, err
	}
	cond, args := entryWhere(f, "e")
	var w where
	if cond != "" {
		w.add(strings.TrimPrefix(cond, " WHERE "), args...)
	}
	w.and(entryScope(sc))
	if after != "" {
		date, id, ok := strings.Cut(after, "/")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil {
			return page, ledger.Invalid("page %q: start again from the first page", after)
		}
		w.add("(e.work_date < ? OR (e.work_date = ? AND e.id < ?))", date, date, n)
	}
	limit := ledger.PageLimit(f.Limit)
	err := s.scanRows(ctx, `SELECT `+entryRowCols+entryRowFrom+w.String()+fmt.Sprintf(` ORDER BY e.work_date DESC, e.id DESC LIMIT %d`, limit+1),
		w.args, func(sc scanner) error {
			r, err := scanEntryRow(sc)
			page.Rows = append(page.Rows, r)
			return err
		})
	if err != nil {
		return page, fmt.Errorf("list entries: %w", err)
	}
	if len(page.Rows) > limit {
		page.Rows = page.Rows[:limit]
		last := page.Rows[limit-1]
		page.Next = last.WorkDate + "/" + strconv.FormatInt(last.ID, 10)
	}
	return page, nil
}

// History is the audit log sc may read: everything for ScopeAll, a
// contractor's records for its scope, nothing for a foreman or a
// technician.
func (s *Store) History(ctx context.Context, sc ledger.Scope, q ledger.HistoryQuery) (ledger.Page[ledger.Change], error) {
	f := audit.Filter{Object: q.Object, After: q.After, Limit: q.Limit, All: sc.All()}
	if !sc.All() && sc.ForemanID == "" && sc.TechnicianID == "" {
		f.ContractorID = sc.ContractorID
	}
	return audit.List(ctx, s.h, f)
}
