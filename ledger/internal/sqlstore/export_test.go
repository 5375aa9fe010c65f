package sqlstore

// CallQueries are the queries a call makes, by name, for plan_test.go.
var CallQueries = map[string]string{
	"last site":            lastSiteQuery,
	"day events":           dayEventsQuery,
	"phone's technician":   phoneTechnicianQuery,
	"code lock":            codeLockQuery,
	"code attempts":        codeAttemptsQuery,
	"day's entry":          entryForQuery,
	"assignment":           assignmentQuery,
	"site has assignments": siteHasAssignmentsQuery,
	"replayed request":     replayedQuery,
}
