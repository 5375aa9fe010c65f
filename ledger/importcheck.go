package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// ImportKeys are what the rows of a technician import refer to.
type ImportKeys struct {
	TechnicianIDs []string
	ContractorIDs []string
	Phones        []string // E.164
}

// Registered says which of an ImportKeys' keys the database holds.
type Registered struct {
	Technicians map[string]bool
	Contractors map[string]bool
	Phones      map[string]bool
}

// ImportRegistry is what an import check needs of the database: Admin
// is one.
type ImportRegistry interface {
	Registered(ctx context.Context, keys ImportKeys) (Registered, error)
}

// ValidateTechnicianRow says what is wrong with one technician row on
// its own, nil if nothing: the rules every way of registering a
// technician goes through (a CSV file, the CLI, the console).
func ValidateTechnicianRow(r TechnicianImport) []string {
	var why []string
	if !digits14.MatchString(r.ID) {
		why = append(why, fmt.Sprintf("technician ID %q: want 14 digits", r.ID))
	}
	if strings.TrimSpace(r.Name) == "" {
		why = append(why, "name is empty")
	} else if w := CheckText("name", r.Name, MaxTechnicianNameLen); w != "" {
		why = append(why, w)
	}
	if r.Language != "" && r.Language != "ja" && r.Language != "en" {
		why = append(why, fmt.Sprintf("language %q: want ja or en", r.Language))
	}
	if r.SecurityCode != "" && !digits4.MatchString(r.SecurityCode) {
		why = append(why, "security code: want 4 digits")
	}
	if r.Phone != "" {
		if _, err := NormalizePhone(r.Phone); err != nil {
			why = append(why, fmt.Sprintf("phone %q: not a phone number", r.Phone))
		}
	}
	return why
}

// CheckTechnicianImport checks rows as one import: each on its own
// (ValidateTechnicianRow), against the others (a technician ID or phone
// twice), and against the database (a technician or phone already
// registered, a contractor that is not). It returns ImportErrors naming
// every bad row with all its reasons, nil if none, or the database's
// error. A row's Line names it; rows without one are counted from 1.
func CheckTechnicianImport(ctx context.Context, reg ImportRegistry, rows []TechnicianImport) error {
	rows = slices.Clone(rows)
	for i := range rows {
		if rows[i].Line == 0 {
			rows[i].Line = i + 1
		}
	}
	why, err := technicianImportProblems(ctx, reg, rows)
	if err != nil {
		return err
	}
	var errs ImportErrors
	for line, reasons := range why {
		errs = append(errs, RowError{line, strings.Join(reasons, "; ")})
	}
	if len(errs) == 0 {
		return nil
	}
	slices.SortFunc(errs, func(a, b RowError) int { return a.Line - b.Line })
	return errs
}

// technicianRowProblems are the reasons, by line, that rows break a rule
// on their own or against each other.
func technicianRowProblems(rows []TechnicianImport) map[int][]string {
	why := map[int][]string{}
	seenID := map[string]int{}
	seenPhone := map[string]int{}
	for _, r := range rows {
		w := ValidateTechnicianRow(r)
		if line := seenID[r.ID]; line != 0 && digits14.MatchString(r.ID) {
			w = append(w, fmt.Sprintf("technician %s also on line %d", r.ID, line))
		} else if line == 0 {
			seenID[r.ID] = r.Line
		}
		if p, err := NormalizePhone(r.Phone); r.Phone != "" && err == nil {
			if line := seenPhone[p]; line != 0 {
				w = append(w, fmt.Sprintf("phone also on line %d", line))
			} else {
				seenPhone[p] = r.Line
			}
		}
		if len(w) > 0 {
			why[r.Line] = append(why[r.Line], w...)
		}
	}
	return why
}

// technicianImportProblems is technicianRowProblems plus what the
// database says of every row whose keys are well formed.
func technicianImportProblems(ctx context.Context, reg ImportRegistry, rows []TechnicianImport) (map[int][]string, error) {
	why := technicianRowProblems(rows)
	var keys ImportKeys
	for _, r := range rows {
		if digits14.MatchString(r.ID) {
			keys.TechnicianIDs = append(keys.TechnicianIDs, r.ID)
		}
		if r.ContractorID != "" {
			keys.ContractorIDs = append(keys.ContractorIDs, r.ContractorID)
		}
		if p, err := NormalizePhone(r.Phone); r.Phone != "" && err == nil {
			keys.Phones = append(keys.Phones, p)
		}
	}
	known, err := reg.Registered(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("check the import against the database: %w", err)
	}
	for _, r := range rows {
		var w []string
		if known.Technicians[r.ID] {
			w = append(w, fmt.Sprintf("technician %s is already registered", r.ID))
		}
		if c := r.ContractorID; c != "" && !known.Contractors[c] {
			w = append(w, fmt.Sprintf("contractor %q is not registered (register the contractor first)", c))
		}
		if p, err := NormalizePhone(r.Phone); r.Phone != "" && err == nil && known.Phones[p] {
			w = append(w, "phone is already registered")
		}
		if len(w) > 0 {
			why[r.Line] = append(why[r.Line], w...)
		}
	}
	return why, nil
}
