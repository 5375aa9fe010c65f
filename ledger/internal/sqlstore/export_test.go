package sqlstore

// PreparedQueries are the queries a call makes, for plan_test.go.
var PreparedQueries = preparedQueries
