package sqlstore

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestOneWritePathForEntries: only entrywrite.go writes work_entries and
// the feed's tables (migrations aside), so every change goes through a
// statement that bumps the entry's version and queues it: the export
// feed cannot miss it.
func TestOneWritePathForEntries(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	write := regexp.MustCompile(`(?i)(UPDATE|INSERT\s+INTO|DELETE\s+FROM|REPLACE\s+INTO)\s+(work_entries|export_due|export_sent)\b`)
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "entrywrite.go" || f == "migrations.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, m := range write.FindAllString(string(src), -1) {
			t.Errorf("%s writes %q: write entries through entrywrite.go, which bumps their version and queues them", f, m)
		}
	}
	if checked < 5 {
		t.Fatalf("checked %d files: wrong directory?", checked)
	}
	for _, q := range []string{saveEntryQuery, resendQuery} {
		if !strings.Contains(q, "version = version + 1") {
			t.Errorf("%.50s... does not bump the version", q)
		}
	}
}
