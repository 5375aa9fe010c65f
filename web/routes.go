package web

import "github.com/dezura/dezura/ledger/access"

// routeTable is every screen and action of the console: method and path,
// the permission it needs (access.PermNone: public), and the handler. The
// route walker test fails for a route it has no line for, so a new route
// is tested for tenant isolation and CSRF before it can land.
func (s *Server) routeTable() []Route {
	none := access.PermNone
	return []Route{
		{"GET /{$}", none, s.home},
		{"GET /login", none, s.loginForm},
		{"POST /login", none, s.login},
		{"POST /logout", none, s.logout},
		{"POST /lang", none, s.setLanguage},

		{"GET /board", access.ViewBoard, s.board},

		{"GET /sites", access.ViewRecords, s.siteList},
		{"GET /sites/new", access.EditRecords, s.siteNewForm},
		{"POST /sites/new", access.EditRecords, s.siteCreate},
		{"GET /sites/{code}", access.ViewRecords, s.siteShow},
		{"GET /sites/{code}/edit", access.EditRecords, s.siteEditForm},
		{"POST /sites/{code}/edit", access.EditRecords, s.siteUpdate},
		{"POST /sites/{code}/disable", access.EditRecords, s.siteDisable},
		{"POST /sites/{code}/enable", access.EditRecords, s.siteEnable},

		{"POST /sites/{code}/assignments", access.EditRecords, s.assignmentCreate},
		{"GET /sites/{code}/assignments/{tech}/edit", access.EditRecords, s.assignmentEditForm},
		{"POST /sites/{code}/assignments/{tech}/edit", access.EditRecords, s.assignmentUpdate},
		{"POST /sites/{code}/assignments/{tech}/disable", access.EditRecords, s.assignmentDisable},
		{"POST /sites/{code}/assignments/{tech}/enable", access.EditRecords, s.assignmentEnable},

		{"GET /technicians", access.ViewRecords, s.technicianList},
		{"GET /technicians/new", access.EditRecords, s.technicianNewForm},
		{"POST /technicians/new", access.EditRecords, s.technicianCreate},
		{"GET /technicians/{id}", access.ViewRecords, s.technicianShow},
		{"GET /technicians/{id}/edit", access.EditRecords, s.technicianEditForm},
		{"POST /technicians/{id}/edit", access.EditRecords, s.technicianUpdate},
		{"POST /technicians/{id}/disable", access.EditRecords, s.technicianDisable},
		{"POST /technicians/{id}/enable", access.EditRecords, s.technicianEnable},
		{"POST /technicians/{id}/security-code", access.EditRecords, s.securityCode},

		{"GET /phones", access.ViewRecords, s.phoneList},
		{"GET /phones/new", access.EditRecords, s.phoneNewForm},
		{"POST /phones/new", access.EditRecords, s.phoneCreate},
		{"GET /phones/{number}/edit", access.EditRecords, s.phoneEditForm},
		{"POST /phones/{number}/edit", access.EditRecords, s.phoneUpdate},
		{"POST /phones/{number}/disable", access.EditRecords, s.phoneDisable},
		{"POST /phones/{number}/enable", access.EditRecords, s.phoneEnable},

		{"GET /users", access.ManageUsers, s.userList},
		{"GET /users/new", access.ManageUsers, s.userNewForm},
		{"POST /users/new", access.ManageUsers, s.userCreate},
		{"GET /users/{id}/edit", access.ManageUsers, s.userEditForm},
		{"POST /users/{id}/edit", access.ManageUsers, s.userUpdate},
		{"POST /users/{id}/password", access.ManageUsers, s.userPassword},

		{"GET /me", access.ViewOwnHistory, s.myEntries},
		{"GET /history", access.ViewHistory, s.history},
	}
}
