package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
	"github.com/dezura/dezura/ledger/storetest"
	"github.com/dezura/dezura/web"
)

// benchDays is how many work dates of entries the page benchmark fills:
// DEZURA_BENCH_DAYS, default 30 (300,000 entries); 450 gives the source
// document's 4.5 million (10,000 technicians, every day).
func benchDays(b *testing.B) int {
	n := 30
	if v := os.Getenv("DEZURA_BENCH_DAYS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 2 {
			b.Fatalf("DEZURA_BENCH_DAYS=%q: want a number >= 2", v)
		}
	}
	return n
}

// benchToday is the last work date of the benchmark's entries.
const benchToday = "2026-12-05"

// fillOffice fills a PostgreSQL ledger with 50 contractors of 10 sites
// each (500), 10,000 technicians (200 per contractor, each with a phone
// and an assignment at one of his contractor's sites, one 職長 per site),
// and an entry for every technician on each of days work dates up to
// benchToday: closed, but for today's (a third still in), yesterday's
// (one in fifty never checked out) and one in a hundred that needs
// review.
func fillOffice(b *testing.B, db ledger.DB, days int) {
	ctx := context.Background()
	start := time.Now()
	for _, q := range []string{
		`INSERT INTO contractors (id, name, created_at) SELECT 'c' || i, '建設' || i, now() FROM generate_series(0, 49) i`,
		`INSERT INTO sites (code, ccus_site_id, name, contractor_id, created_at)
		 SELECT (1000 + i)::text, lpad(i::text, 14, '0'), '現場' || i, 'c' || (i / 10), now() FROM generate_series(0, 499) i`,
		`INSERT INTO technicians (id, name, contractor_id, created_at)
		 SELECT '7' || lpad(i::text, 13, '0'), '技能者' || i, 'c' || (i % 50), now() FROM generate_series(0, 9999) i`,
		`INSERT INTO phones (e164, technician_id, created_at)
		 SELECT '+8170' || lpad(i::text, 8, '0'), '7' || lpad(i::text, 13, '0'), now() FROM generate_series(0, 9999) i`,
		`INSERT INTO assignments (site_code, technician_id, trade, role, created_at)
		 SELECT (1000 + (i % 50) * 10 + (i / 50) % 10)::text, '7' || lpad(i::text, 13, '0'), 'とび工',
		        CASE WHEN i / 500 = 0 THEN '職長' ELSE '' END, now() FROM generate_series(0, 9999) i`,
		`INSERT INTO work_entries (work_date, technician_id, site_code, check_in, check_out, status, updated_at)
		 SELECT to_char(d, 'YYYY-MM-DD'), '7' || lpad(i::text, 13, '0'), (1000 + (i % 50) * 10 + (i / 50) % 10)::text,
		        d + interval '8 hours',
		        CASE WHEN (d = $2::date AND i % 3 = 0) OR (d = $2::date - 1 AND i % 50 = 0) THEN NULL ELSE d + interval '17 hours' END,
		        CASE WHEN (d = $2::date AND i % 3 = 0) OR (d = $2::date - 1 AND i % 50 = 0) THEN 'open'
		             WHEN i % 100 = 7 THEN 'needs_review' ELSE 'closed' END, now()
		 FROM generate_series($2::date - ($1::int - 1), $2::date, '1 day') d, generate_series(0, 9999) i`,
		`ANALYZE`,
	} {
		var args []any
		if q[:6] == "INSERT" && len(q) > 30 && q[12:24] == "work_entries" {
			args = []any{days, benchToday}
		}
		if _, err := db.Handle().SQL().ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%.60s: %v", q, err)
		}
	}
	b.Logf("filled %d entries in %v", days*10000, time.Since(start).Round(time.Second))
}

// BenchmarkPages measures the server time of the console's pages (the
// handler, the ledger's queries and the template; no network) with 500
// sites, 10,000 technicians and DEZURA_BENCH_DAYS days of their entries
// in PostgreSQL, for the operator, a contractor's clerk, a foreman and a
// technician.
func BenchmarkPages(b *testing.B) {
	url := storetest.PostgresSchema(b, "webbench")
	db, err := ledger.Open(b.Context(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	fillOffice(b, db, benchDays(b))
	acc, err := access.New(b.Context(), db)
	if err != nil {
		b.Fatal(err)
	}
	today, _ := ledger.ParseWorkDate(benchToday)
	srv, err := web.New(web.Config{Ledger: db, Accounts: acc, Now: func() time.Time { return today.Add(15 * time.Hour) }})
	if err != nil {
		b.Fatal(err)
	}
	const foreman, tech = "70000000000000", "70000000000123"
	cookies := map[string]string{}
	for _, n := range []access.NewUser{
		{Login: "operator", Name: "運営", Role: access.RoleOperator},
		{Login: "clerk", Name: "事務", Role: access.RoleClerk, ContractorID: "c0"},
		{Login: "foreman", Name: "職長", Role: access.RoleForeman, ContractorID: "c0", TechnicianID: foreman},
		{Login: "tech", Name: "技能者", Role: access.RoleTechnician, TechnicianID: tech},
	} {
		n.Password = "benchmark password"
		if _, err := acc.AddUser(b.Context(), ledger.ScopeAll(), n); err != nil {
			b.Fatal(err)
		}
		s, err := acc.Login(b.Context(), access.LoginRequest{Login: n.Login, Password: n.Password, IP: "127.0.0.1"})
		if err != nil {
			b.Fatal(err)
		}
		cookies[n.Login] = s.Token
	}
	pages := []struct{ who, path string }{
		{"operator", "/board"}, {"operator", "/board?after=1199"}, {"clerk", "/board"}, {"foreman", "/board"},
		{"operator", "/sites"}, {"operator", "/sites?q=現場49"}, {"clerk", "/sites"}, {"operator", "/sites/1000"},
		{"operator", "/technicians"}, {"operator", "/technicians?q=技能者999"}, {"operator", "/technicians?after=70000000005000"},
		{"clerk", "/technicians"}, {"foreman", "/technicians"}, {"operator", "/technicians/" + tech},
		{"operator", "/phones"}, {"operator", "/phones?q=070-0000-99"}, {"clerk", "/phones"},
		{"operator", "/users"}, {"operator", "/history"}, {"tech", "/me"},
	}
	for _, p := range pages {
		b.Run(fmt.Sprintf("%s%s", p.who, p.path), func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, p.path, nil)
				req.AddCookie(&http.Cookie{Name: "dezura_session", Value: cookies[p.who]})
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s %s: status %d", p.who, p.path, w.Code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/page")
		})
	}
}
