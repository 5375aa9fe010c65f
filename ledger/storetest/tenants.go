package storetest

import (
	"context"
	"fmt"
	"time"

	"github.com/dezura/dezura/ledger"
)

// Tenant is one contractor's records made by SeedTenants: a site with a
// foreman (職長) and a worker, a second site without that foreman, and
// attendance on the day given.
type Tenant struct {
	Contractor string
	Name       string // the contractor's name
	Site       string // the foreman's site
	OtherSite  string // a site where the foreman is not assigned
	Foreman    string // technician, 職長 at Site
	Worker     string // technician, assigned at Site; checked in on the day (open)
	Loner      string // technician, assigned at OtherSite only; an entry that needs review
	Phone      string // the worker's phone (E.164)
	CrewPhone  string // the contractor's foreman phone (E.164)
	// Marker is in the name of every site and technician of this tenant,
	// so a test can look for it in what another tenant is shown.
	Marker string
	// OpenEntry is the worker's open entry of the day.
	OpenEntry int64
}

// Tenants are two contractors with the same shape of records.
type Tenants struct{ A, B Tenant }

// SeedTenants adds contractors "alpha" (sites 101, 102) and "bravo"
// (sites 201, 202), each with a foreman, a worker and a loner, phones,
// assignments, and on day (a work date) the worker checked in at Site,
// the foreman in and out there, the loner's check-out without check-in at
// OtherSite (needs review), and the worker's open entry of the day before
// at OtherSite.
func SeedTenants(ctx context.Context, db ledger.DB, day string) (Tenants, error) {
	var ts Tenants
	for i, p := range []*Tenant{&ts.A, &ts.B} {
		n := i + 1
		*p = Tenant{
			Contractor: []string{"alpha", "bravo"}[i], Name: []string{"アルファ建設", "ブラボー工業"}[i],
			Site: fmt.Sprintf("%d01", n), OtherSite: fmt.Sprintf("%d02", n),
			Foreman: fmt.Sprintf("%d0000000000001", n), Worker: fmt.Sprintf("%d0000000000002", n), Loner: fmt.Sprintf("%d0000000000003", n),
			Phone: fmt.Sprintf("+8190%d0000002", n), CrewPhone: fmt.Sprintf("+8190%d0000000", n),
			Marker: []string{"アルファ", "ブラボー"}[i],
		}
		if err := seedTenant(ctx, db, p, day); err != nil {
			return ts, fmt.Errorf("tenant %s: %w", p.Contractor, err)
		}
	}
	return ts, nil
}

func seedTenant(ctx context.Context, db ledger.DB, p *Tenant, day string) error {
	steps := []error{
		db.AddContractor(ctx, ledger.Contractor{ID: p.Contractor, Name: p.Name}),
		db.AddSite(ctx, ledger.Site{Code: p.Site, Name: p.Marker + "駅前現場", ContractorID: p.Contractor}),
		db.AddSite(ctx, ledger.Site{Code: p.OtherSite, Name: p.Marker + "川沿い現場", ContractorID: p.Contractor}),
		db.AddTechnician(ctx, ledger.Technician{ID: p.Foreman, Name: p.Marker + " 職長", ContractorID: p.Contractor}, "1111"),
		db.AddTechnician(ctx, ledger.Technician{ID: p.Worker, Name: p.Marker + " 作業員", ContractorID: p.Contractor}, ""),
		db.AddTechnician(ctx, ledger.Technician{ID: p.Loner, Name: p.Marker + " 一人", ContractorID: p.Contractor}, ""),
		db.AddPhone(ctx, ledger.Phone{E164: p.Phone, TechnicianID: p.Worker}),
		db.AddPhone(ctx, ledger.Phone{E164: p.CrewPhone, ContractorID: p.Contractor}),
		db.Assign(ctx, ledger.Assignment{SiteCode: p.Site, TechnicianID: p.Foreman, Trade: "型枠工", Role: ledger.ForemanRole}),
		db.Assign(ctx, ledger.Assignment{SiteCode: p.Site, TechnicianID: p.Worker, Trade: "型枠工"}),
		db.Assign(ctx, ledger.Assignment{SiteCode: p.OtherSite, TechnicianID: p.Loner, Trade: "鉄筋工"}),
		db.Assign(ctx, ledger.Assignment{SiteCode: p.OtherSite, TechnicianID: p.Worker, Trade: "鉄筋工"}),
	}
	for _, err := range steps {
		if err != nil {
			return err
		}
	}
	d, err := ledger.ParseWorkDate(day)
	if err != nil {
		return err
	}
	at := func(days int, h int) time.Time { return d.AddDate(0, 0, days).Add(time.Duration(h) * time.Hour) }
	calls := []ledger.AttendanceRequest{
		{TechnicianID: p.Worker, SiteCode: p.OtherSite, Action: ledger.ActionCheckIn, At: at(-1, 8)},
		{TechnicianID: p.Worker, SiteCode: p.Site, Action: ledger.ActionCheckIn, At: at(0, 8)},
		{TechnicianID: p.Foreman, SiteCode: p.Site, Action: ledger.ActionCheckIn, At: at(0, 7)},
		{TechnicianID: p.Foreman, SiteCode: p.Site, Action: ledger.ActionCheckOut, At: at(0, 17)},
		{TechnicianID: p.Loner, SiteCode: p.OtherSite, Action: ledger.ActionCheckOut, At: at(0, 17)},
	}
	for i, c := range calls {
		c.IdempotencyKey = fmt.Sprintf("tenant-%s-%d", p.Contractor, i)
		res, err := db.RecordAttendance(ctx, c)
		if err != nil {
			return err
		}
		if i == 1 {
			p.OpenEntry = res.Entry.ID
		}
	}
	return nil
}
