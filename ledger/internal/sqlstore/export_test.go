package sqlstore

// PreparedQueries are the queries a call makes, for plan_test.go.
var PreparedQueries = preparedQueries

// SetFeedPage makes the feed read n entries a page until the returned
// function is called, so that tests page through a few entries.
func SetFeedPage(n int) (restore func()) {
	old := feedPage
	feedPage = n
	return func() { feedPage = old }
}
