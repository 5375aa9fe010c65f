package web

import (
	"net/http"
	"strconv"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
)

// userList lists the accounts the signed-in account manages.
func (s *Server) userList(w http.ResponseWriter, r *http.Request) {
	lq := listQuery(r)
	p, err := s.cfg.Accounts.UsersPage(r.Context(), userOf(r).Scope(), lq)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "user_list", page{Title: "users.title", Nav: "users", Data: newListPage(r, lq, p)})
}

type userFormData struct {
	New         bool
	ID          int64
	Login       string
	Action      string
	Roles       []access.Role
	Contractors []ledger.Contractor
	History     []ledger.Change
}

// rolesFor are the roles the signed-in account may give.
func rolesFor(u access.User) []access.Role {
	if u.Role == access.RoleOperator {
		return access.Roles()
	}
	return []access.Role{access.RoleContractorAdmin, access.RoleClerk, access.RoleForeman, access.RoleTechnician}
}

func (s *Server) userNewForm(w http.ResponseWriter, r *http.Request) {
	s.showUserForm(w, r, http.StatusOK, prefill(map[string]string{"Role": access.RoleClerk.String()}))
}

func (s *Server) showUserForm(w http.ResponseWriter, r *http.Request, status int, f *form) {
	cs, err := s.contractorChoices(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, "user_form", page{Title: "users.add", Nav: "users", Form: f,
		Data: userFormData{New: true, Action: "/users/new", Roles: rolesFor(userOf(r)), Contractors: cs}})
}

// userCreate adds an account with a role, for a contractor.
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	f.require("Login", "Name")
	role, err := access.ParseRole(f.Get("Role"))
	if err != nil {
		f.Errors["Role"] = "rule." + access.RuleRole
	}
	contractor := ownContractor(r, f)
	if role == access.RoleTechnician || role == access.RoleOperator || role == access.RoleBilling {
		contractor = "" // a technician's account takes its technician's contractor; the others have none
	}
	if !f.Invalid() {
		_, err := s.cfg.Accounts.AddUser(r.Context(), userOf(r).Scope(), access.NewUser{Login: f.Get("Login"), Name: f.Get("Name"),
			Role: role, ContractorID: contractor, TechnicianID: f.Get("TechnicianID"), Password: r.PostForm.Get("Password")})
		if err == nil {
			redirect(w, r, "/users", "added")
			return
		}
		if !f.fail(err, nil) {
			s.ledgerError(w, r, err)
			return
		}
	}
	s.showUserForm(w, r, http.StatusUnprocessableEntity, f)
}

// pathUser is the account of the path, if the signed-in account manages it.
func (s *Server) pathUser(r *http.Request) (access.User, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return access.User{}, ledger.NotFound(nil, "no user %q", r.PathValue("id"))
	}
	return s.cfg.Accounts.ScopedUser(r.Context(), userOf(r).Scope(), id)
}

func (s *Server) userEditForm(w http.ResponseWriter, r *http.Request) {
	u, err := s.pathUser(r)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	disabled := ""
	if u.Disabled {
		disabled = "1"
	}
	s.showUserEdit(w, r, http.StatusOK, u, prefill(map[string]string{"Name": u.Name, "Role": u.Role.String(), "Disabled": disabled}))
}

func (s *Server) showUserEdit(w http.ResponseWriter, r *http.Request, status int, u access.User, f *form) {
	h, err := s.objectHistory(r, "user:"+u.Login)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	s.render(w, r, status, "user_form", page{Title: "users.edit", Nav: "users", Form: f, Data: userFormData{ID: u.ID, Login: u.Login,
		Action: "/users/" + strconv.FormatInt(u.ID, 10) + "/edit", Roles: rolesFor(userOf(r)), History: h}})
}

// userUpdate changes an account's name, role, or disables it (its
// sessions end).
func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) {
	u, err := s.pathUser(r)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	f := newForm(r)
	f.require("Name")
	role, err := access.ParseRole(f.Get("Role"))
	if err != nil {
		f.Errors["Role"] = "rule." + access.RuleRole
	}
	if !f.Invalid() {
		_, err := s.cfg.Accounts.UpdateUser(r.Context(), userOf(r).Scope(), access.UserUpdate{ID: u.ID, Name: f.Get("Name"), Role: role,
			Disabled: r.PostForm.Get("Disabled") == "1"})
		if err == nil {
			redirect(w, r, "/users", "saved")
			return
		}
		if !f.fail(err, nil) {
			s.ledgerError(w, r, err)
			return
		}
	}
	s.showUserEdit(w, r, http.StatusUnprocessableEntity, u, f)
}

// userPassword sets a new password for an account (its sessions end).
func (s *Server) userPassword(w http.ResponseWriter, r *http.Request) {
	u, err := s.pathUser(r)
	if err != nil {
		s.ledgerError(w, r, err)
		return
	}
	f := newForm(r)
	err = s.cfg.Accounts.SetPassword(r.Context(), userOf(r).Scope(), u.ID, r.PostForm.Get("Password"))
	if err == nil {
		redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10)+"/edit", "password")
		return
	}
	if !f.fail(err, nil) {
		s.ledgerError(w, r, err)
		return
	}
	s.showUserEdit(w, r, http.StatusUnprocessableEntity, u, f)
}
