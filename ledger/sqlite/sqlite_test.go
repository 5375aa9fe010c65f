package sqlite_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/sqlite"
	"github.com/dezura/dezura/ledger/storetest"
)

func openTemp(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.Store { return openTemp(t) })
}

func TestConformanceInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.Store {
		s, err := ledger.Open(t.Context(), "sqlite::memory:")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestPragmas(t *testing.T) {
	s := openTemp(t)
	tests := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"busy_timeout", "10000"},
		{"foreign_keys", "1"},
	}
	for _, tt := range tests {
		var got string
		if err := s.DB().QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
		}
	}
	v, err := s.AppliedVersion(t.Context())
	if err != nil || v < 1 {
		t.Errorf("AppliedVersion = %d, %v", v, err)
	}
}

func TestReopenKeepsEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SeedDemo(t.Context()); err != nil {
		t.Fatal(err)
	}
	res, err := s.RecordAttendance(t.Context(), ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID,
		SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn, At: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := ledger.Open(t.Context(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es, err := st.(ledger.Admin).ListEntries(t.Context(), ledger.EntryFilter{})
	if err != nil || len(es) != 1 || es[0] != res.Entry {
		t.Errorf("after reopen: %+v, %v; want [%+v]", es, err, res.Entry)
	}
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	for _, u := range []string{"dezura.db", "mysql://x", ""} {
		if _, err := ledger.Open(t.Context(), u); !errors.Is(err, ledger.ErrUnsupportedURL) ||
			!strings.Contains(err.Error(), "sqlite:PATH") {
			t.Errorf("Open(%q): err %v", u, err)
		}
	}
}

func BenchmarkRecordAttendance(b *testing.B) {
	storetest.BenchRecordAttendance(b, openTemp(b))
}
