package audit

import "testing"

// FreshPostgresForTest gives external tests a new database on the test
// server.
func FreshPostgresForTest(t *testing.T) string { return freshDB(t) }
