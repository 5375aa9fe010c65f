package spool

import (
	"context"
	"time"

	"github.com/dezura/dezura/ledger"
)

var _ ledger.FlowStore = (*Store)(nil)

// The FlowStore methods go straight to the database, bounded by the
// store's timeout: none of them has a cached or spooled fallback, and the
// call flows treat an error as "that shortcut is not available now" (a
// caller keys his site, an unregistered phone cannot use the security
// code, undo says it cannot cancel).

func flowCall[T any](s *Store, ctx context.Context, fn func(context.Context, ledger.FlowStore) (T, error)) (T, error) {
	c, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return fn(c, s.inner)
}

// SiteByDID asks the database.
func (s *Store) SiteByDID(ctx context.Context, number string) (ledger.Site, error) {
	return flowCall(s, ctx, func(c context.Context, f ledger.FlowStore) (ledger.Site, error) { return f.SiteByDID(c, number) })
}

// Phone asks the database.
func (s *Store) Phone(ctx context.Context, e164 string) (ledger.Phone, error) {
	return flowCall(s, ctx, func(c context.Context, f ledger.FlowStore) (ledger.Phone, error) { return f.Phone(c, e164) })
}

// LastSite asks the database.
func (s *Store) LastSite(ctx context.Context, technicianID string) (ledger.Site, error) {
	return flowCall(s, ctx, func(c context.Context, f ledger.FlowStore) (ledger.Site, error) { return f.LastSite(c, technicianID) })
}

// PhoneEntry asks the database.
func (s *Store) PhoneEntry(ctx context.Context, technicianID string, at time.Time) (ledger.PhoneEntryState, error) {
	return flowCall(s, ctx, func(c context.Context, f ledger.FlowStore) (ledger.PhoneEntryState, error) {
		return f.PhoneEntry(c, technicianID, at)
	})
}

// VerifySecurityCode asks the database.
func (s *Store) VerifySecurityCode(ctx context.Context, a ledger.CodeAttempt) (ledger.CodeCheck, error) {
	return flowCall(s, ctx, func(c context.Context, f ledger.FlowStore) (ledger.CodeCheck, error) {
		return f.VerifySecurityCode(c, a)
	})
}

// DayEvents asks the database.
func (s *Store) DayEvents(ctx context.Context, technicianID, workDate string) ([]ledger.Event, error) {
	return flowCall(s, ctx, func(c context.Context, f ledger.FlowStore) ([]ledger.Event, error) {
		return f.DayEvents(c, technicianID, workDate)
	})
}

// UndoAttendance asks the database.
func (s *Store) UndoAttendance(ctx context.Context, eventID int64, actor, reason string, at time.Time) (ledger.Entry, error) {
	return flowCall(s, ctx, func(c context.Context, f ledger.FlowStore) (ledger.Entry, error) {
		return f.UndoAttendance(c, eventID, actor, reason, at)
	})
}

// RegisterOwnPhone asks the database.
func (s *Store) RegisterOwnPhone(ctx context.Context, p ledger.OwnPhone) error {
	_, err := flowCall(s, ctx, func(c context.Context, f ledger.FlowStore) (struct{}, error) {
		return struct{}{}, f.RegisterOwnPhone(c, p)
	})
	return err
}

// UnregisterOwnPhone asks the database.
func (s *Store) UnregisterOwnPhone(ctx context.Context, p ledger.OwnPhone) error {
	_, err := flowCall(s, ctx, func(c context.Context, f ledger.FlowStore) (struct{}, error) {
		return struct{}{}, f.UnregisterOwnPhone(c, p)
	})
	return err
}

// CrewMember asks the database.
func (s *Store) CrewMember(ctx context.Context, contractorID, number string) (ledger.Technician, error) {
	return flowCall(s, ctx, func(c context.Context, f ledger.FlowStore) (ledger.Technician, error) {
		return f.CrewMember(c, contractorID, number)
	})
}
