package access

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what an account is for. Each role has a fixed set of
// permissions (Can) and sees the records of its Scope.
type Role uint8

const (
	RoleUnknown         Role = iota
	RoleOperator             // operator admin: everything
	RoleContractorAdmin      // a contractor's office: its records and its users
	RoleClerk                // a contractor's office: its records
	RoleForeman              // his crew and his sites, read only
	RoleTechnician           // his own history
	RoleBilling              // billing staff: billing screens only
)

var roleNames = [...]string{
	RoleUnknown:         "unknown",
	RoleOperator:        "operator_admin",
	RoleContractorAdmin: "contractor_admin",
	RoleClerk:           "clerk",
	RoleForeman:         "foreman",
	RoleTechnician:      "technician",
	RoleBilling:         "billing",
}

// String is the role's stable name, as stored and typed at the CLI.
func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// ParseRole is the inverse of String; it also takes "operator" and
// "admin" for the contractor admin's short forms.
func ParseRole(s string) (Role, error) {
	t := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
	switch t {
	case "operator":
		return RoleOperator, nil
	case "admin":
		return RoleContractorAdmin, nil
	}
	for i, n := range roleNames {
		if i != int(RoleUnknown) && n == t {
			return Role(i), nil
		}
	}
	return RoleUnknown, fmt.Errorf("%w: role %q: want one of %s", ErrInvalid, s, strings.Join(roleNames[1:], ", "))
}

// Roles lists the roles in order.
func Roles() []Role {
	return []Role{RoleOperator, RoleContractorAdmin, RoleClerk, RoleForeman, RoleTechnician, RoleBilling}
}

// OfContractor reports whether accounts of the role belong to a
// contractor.
func (r Role) OfContractor() bool {
	return r == RoleContractorAdmin || r == RoleClerk || r == RoleForeman
}

// NeedsTechnician reports whether accounts of the role are a technician.
func (r Role) NeedsTechnician() bool { return r == RoleForeman || r == RoleTechnician }

// Permission is one thing a role may do on the console.
type Permission uint8

const (
	PermNone       Permission = iota
	ViewBoard                 // 今日の現場
	ViewRecords               // sites, technicians, phones, assignments
	EditRecords               // add, edit, disable and re-enable them; security codes
	ViewEntries               // work-history entries of the scope
	EditEntries               // correct, cancel, add by hand; the review queue
	ViewCalls                 // call records
	Export                    // the CCUS export
	ViewOwnHistory            // a technician's own entries
	ManageUsers               // accounts (of the contractor, or all for the operator)
	ViewHistory               // the audit log of the scope
	Billing                   // billing screens
)

// permissions is the role table; README's Console section shows it.
var permissions = map[Role][]Permission{
	RoleOperator:        {ViewBoard, ViewRecords, EditRecords, ViewEntries, EditEntries, ViewCalls, Export, ManageUsers, ViewHistory, Billing},
	RoleContractorAdmin: {ViewBoard, ViewRecords, EditRecords, ViewEntries, EditEntries, ViewCalls, Export, ManageUsers, ViewHistory},
	RoleClerk:           {ViewBoard, ViewRecords, EditRecords, ViewEntries, EditEntries, ViewCalls, Export, ViewHistory},
	RoleForeman:         {ViewBoard, ViewRecords, ViewEntries},
	RoleTechnician:      {ViewOwnHistory},
	RoleBilling:         {Billing},
}

// Can reports whether the role has permission p.
func (r Role) Can(p Permission) bool { return slices.Contains(permissions[r], p) }
