package ledger

// ForemanRole is the 立場 of an assignment that makes its technician the
// site's foreman (職長): a foreman's console account sees the sites he is
// assigned to in this role, and the crews assigned there.
const ForemanRole = "職長"

// Scope is what a caller of the Office operations may see and change: the
// console builds one from the signed-in account and the ledger applies it
// in every query, so a screen cannot show or change another contractor's
// records by forgetting a check.
//
// The zero Scope sees nothing. ScopeAll (the operator, the CLI) sees
// everything; a contractor scope sees that contractor's sites,
// technicians, phones and assignments and may change them; a foreman
// scope sees, of his contractor, only the sites where he is assigned as
// 職長 and the technicians assigned there, and changes nothing; a
// technician scope sees only that technician's own records.
type Scope struct {
	all          bool
	ContractorID string
	// ForemanID, with ContractorID: the foreman's own technician ID.
	ForemanID string
	// TechnicianID: only this technician's records.
	TechnicianID string
}

// ScopeAll sees and changes everything: the operator's scope.
func ScopeAll() Scope { return Scope{all: true} }

// ContractorScope sees and changes one contractor's records.
func ContractorScope(contractorID string) Scope { return Scope{ContractorID: contractorID} }

// ForemanScope sees the sites of contractorID where technicianID is the
// foreman, and their crews.
func ForemanScope(contractorID, technicianID string) Scope {
	return Scope{ContractorID: contractorID, ForemanID: technicianID}
}

// TechnicianScope sees one technician's own records.
func TechnicianScope(technicianID string) Scope { return Scope{TechnicianID: technicianID} }

// All reports whether s sees everything.
func (s Scope) All() bool { return s.all }

// None reports whether s sees nothing (the zero Scope).
func (s Scope) None() bool {
	return !s.all && s.ContractorID == "" && s.TechnicianID == ""
}

// CanChange reports whether s may change the records of contractorID
// ("" for records of no contractor, which only ScopeAll may change).
func (s Scope) CanChange(contractorID string) bool {
	if s.all {
		return true
	}
	return s.ContractorID != "" && s.ForemanID == "" && s.TechnicianID == "" && s.ContractorID == contractorID
}

// String names the scope for logs and errors.
func (s Scope) String() string {
	switch {
	case s.all:
		return "all"
	case s.TechnicianID != "":
		return "technician " + s.TechnicianID
	case s.ForemanID != "":
		return "foreman " + s.ForemanID + " of " + s.ContractorID
	case s.ContractorID != "":
		return "contractor " + s.ContractorID
	}
	return "none"
}
