package sqlstore_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/internal/sqlstore"
	"github.com/dezura/dezura/ledger/postgres"
	"github.com/dezura/dezura/ledger/sqlite"
	"github.com/dezura/dezura/ledger/storetest"
)

type rowSink struct{ rows []ledger.ExportRow }

func (k *rowSink) Write(r ledger.ExportRow) error { k.rows = append(k.rows, r); return nil }
func (k *rowSink) Flush() error                   { return nil }

// TestFeedPages: the feed reads its pages from where the last one ended,
// so every due entry comes out once, in export order, however the pages
// fall (a page boundary inside a site, inside a day, on the last entry),
// with a limit too.
func TestFeedPages(t *testing.T) {
	defer sqlstore.SetFeedPage(4)()
	stores := map[string]func(t *testing.T) ledger.DB{
		"sqlite": func(t *testing.T) ledger.DB {
			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "pages.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"postgres": func(t *testing.T) ledger.DB {
			s, err := postgres.Open(t.Context(), storetest.PostgresSchema(t, "feed_pages"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			ctx := t.Context()
			if err := s.SeedDemo(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.AddSite(ctx, ledger.Site{Code: "2", Name: "二", CCUSSiteID: "2", ContractorID: ledger.DemoContractorID}); err != nil {
				t.Fatal(err)
			}
			techs := append(ledger.DemoCrew(), ledger.DemoTechnicianID) // in export order
			var want []string
			for day := 1; day <= 3; day++ {
				for _, site := range []string{ledger.DemoSiteCode, "2"} { // export order: "1234" < "2"
					for _, tech := range techs {
						at := time.Date(2026, 11, day, 8, 0, 0, 0, ledger.Tokyo)
						if _, err := s.RecordAttendance(ctx, ledger.AttendanceRequest{TechnicianID: tech, SiteCode: site,
							Action: ledger.ActionCheckIn, At: at}); err != nil {
							t.Fatal(err)
						}
						want = append(want, fmt.Sprintf("2026-11-%02d %s %s", day, site, tech))
					}
				}
			}
			got := func(f ledger.EntryFilter, o ledger.ExportOptions) []string {
				k := &rowSink{}
				if _, err := s.ExportEntries(ctx, f, o, k); err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, r := range k.rows {
					out = append(out, fmt.Sprintf("%s %s %s", r.WorkDate, r.SiteCode, r.TechnicianID))
				}
				return out
			}
			feed := ledger.EntryFilter{OnlyNew: true}
			if g := got(ledger.EntryFilter{OnlyNew: true, Limit: 9}, ledger.ExportOptions{DryRun: true}); !slices.Equal(g, want[:9]) {
				t.Errorf("first 9 of the feed: %q\nwant %q", g, want[:9])
			}
			if g := got(ledger.EntryFilter{OnlyNew: true, SiteCode: "2"}, ledger.ExportOptions{DryRun: true}); len(g) != 12 {
				t.Errorf("the feed of site 2: %q, want its 12 entries", g)
			}
			if g := got(feed, ledger.ExportOptions{}); !slices.Equal(g, want) {
				t.Errorf("feed in pages of 4: %q\nwant %q", g, want)
			}
			if g := got(feed, ledger.ExportOptions{}); len(g) != 0 {
				t.Errorf("a second feed: %q, want nothing", g)
			}
		})
	}
}
