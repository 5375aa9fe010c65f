package ledger

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// CompareSiteCodes orders site codes as people read them: codes of digits
// by their value (77 before 1001), then any others as text. It is a
// comparison function for slices.SortFunc.
func CompareSiteCodes(a, b string) int {
	na, nb := isDigits(a), isDigits(b)
	switch {
	case na && nb:
		ta, tb := strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if c := cmp.Compare(len(ta), len(tb)); c != 0 {
			return c
		}
		if c := cmp.Compare(ta, tb); c != 0 {
			return c
		}
		return cmp.Compare(a, b) // "077" and "77": a stable order
	case na:
		return -1
	case nb:
		return 1
	}
	return cmp.Compare(a, b)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// SortSites sorts sites by code in CompareSiteCodes order.
func SortSites(ss []Site) {
	slices.SortStableFunc(ss, func(a, b Site) int { return CompareSiteCodes(a.Code, b.Code) })
}

// NamedAssignment is an assignment with the names people know the site
// and the technician by.
type NamedAssignment struct {
	Assignment
	SiteName       string
	TechnicianName string
}

// assignmentDirectory is what AssignmentsWithNames reads.
type assignmentDirectory interface {
	Assignments(ctx context.Context, siteCode string) ([]Assignment, error)
	Technicians(ctx context.Context, contractorID string) ([]Technician, error)
	Sites(ctx context.Context, contractorID string) ([]Site, error)
}

// AssignmentsWithNames lists the assignments of siteCode ("" for every
// site) with site and technician names, by site code (CompareSiteCodes)
// and technician ID.
func AssignmentsWithNames(ctx context.Context, d assignmentDirectory, siteCode string) ([]NamedAssignment, error) {
	as, err := d.Assignments(ctx, siteCode)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return []NamedAssignment{}, nil
	}
	techs, err := d.Technicians(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("names of technicians: %w", err)
	}
	sites, err := d.Sites(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("names of sites: %w", err)
	}
	techName := make(map[string]string, len(techs))
	for _, t := range techs {
		techName[t.ID] = t.Name
	}
	siteName := make(map[string]string, len(sites))
	for _, s := range sites {
		siteName[s.Code] = s.Name
	}
	out := make([]NamedAssignment, len(as))
	for i, a := range as {
		out[i] = NamedAssignment{Assignment: a, SiteName: siteName[a.SiteCode], TechnicianName: techName[a.TechnicianID]}
	}
	slices.SortStableFunc(out, func(a, b NamedAssignment) int {
		if c := CompareSiteCodes(a.SiteCode, b.SiteCode); c != 0 {
			return c
		}
		return cmp.Compare(a.TechnicianID, b.TechnicianID)
	})
	return out, nil
}
