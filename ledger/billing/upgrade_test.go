package billing

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/internal/sqlstore"
	"github.com/dezura/dezura/ledger/postgres"
	"github.com/dezura/dezura/ledger/sqldb"
	"github.com/dezura/dezura/ledger/sqlite"
)

// buildOldLayout makes, on the empty database behind h, what the code
// before the shared handle left: the ledger's migrations 1-4 recorded in
// schema_migrations, billing's 1-3 in billing_schema_migrations (both with
// the columns those runners created), a registered contractor ACME with a
// site, a technician and a day's entry, and billing rows naming ACME and
// two contractors the ledger never knew (GHOST subscribes, GHOST2 only has
// a mandate): billing did not check.
func buildOldLayout(t *testing.T, h *sqldb.DB) {
	t.Helper()
	d := h.Dialect()
	stmts := []string{d.Types.Replace(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {{TS}} NOT NULL)`)}
	for v := 1; v <= 4; v++ {
		stmts = append(stmts, sqlstore.Migrations.Statements(d, v)...)
	}
	stmts = append(stmts, `CREATE TABLE billing_schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`)
	for v := 1; v <= 3; v++ {
		stmts = append(stmts, Migrations.Statements(d, v)...)
	}
	for _, st := range stmts {
		exec(t, h, st)
	}
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for v := 1; v <= 4; v++ {
		exec(t, h, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'old', ?)`, v, now)
	}
	for v := 1; v <= 3; v++ {
		exec(t, h, `INSERT INTO billing_schema_migrations (version, applied_at) VALUES (?, '2025-03-01T00:00:00Z')`, v)
	}
	exec(t, h, `INSERT INTO contractors (id, name, ccus_business_id, disabled, created_at) VALUES ('ACME', 'アクメ建設', '', FALSE, ?)`, now)
	exec(t, h, `INSERT INTO sites (code, ccus_site_id, name, contractor_id, opens_on, closes_on, disabled, created_at)
		VALUES ('77', '', '駅前ビル', 'ACME', '', '', FALSE, ?)`, now)
	exec(t, h, `INSERT INTO technicians (id, name, contractor_id, language, security_code_hash, disabled, created_at)
		VALUES ('12345678901234', '山田 花子', 'ACME', 'ja', '', FALSE, ?)`, now)
	exec(t, h, `INSERT INTO work_entries (work_date, technician_id, site_code, check_in, status, updated_at)
		VALUES ('2025-02-03', '12345678901234', '77', ?, 'open', ?)`, now, now)
	for _, c := range []string{"ACME", "GHOST"} {
		exec(t, h, `INSERT INTO billing_subscriptions (contractor_id, recipient, plan, start_on, created_at)
			VALUES (?, ?, 'campaign-2023', '2024-03-01', '2024-03-01T00:00:00Z')`, c, c+" 御中")
	}
	exec(t, h, `INSERT INTO billing_invoice_counters (issuer, year, last) VALUES ('T7000012050002', 2024, 1)`)
	exec(t, h, `INSERT INTO billing_invoices (issuer_registration, issuer_name, number, subscription_id, contractor_id, recipient,
		kind, period_start, period_end, issue_date, due_date, subtotal, tax, total, created_at)
		VALUES ('T7000012050002', '株式会社デズラ', '2024-000001', 2, 'GHOST', 'GHOST 御中', 'annual', '2024-03-01', '2025-03-01',
		'2024-03-01', '2024-03-31', 15000, 1500, 16500, '2024-03-01T00:00:00Z')`)
	exec(t, h, `INSERT INTO billing_invoice_lines (invoice_id, line_no, description, quantity, unit_price, amount, tax_rate)
		VALUES (1, 1, '年額利用料', 1, 15000, 15000, 10)`)
	exec(t, h, `INSERT INTO billing_payments (invoice_id, amount, paid_on, method, created_at)
		VALUES (1, 10000, '2024-03-10', '振込', '2024-03-10T00:00:00Z')`)
	exec(t, h, `INSERT INTO billing_mandates (contractor_id, bank_code, bank_name, branch_code, branch_name, account_type,
		account_number, holder, updated_at, version) VALUES ('GHOST2', '0001', '', '100', '', 1, '1234567', 'ゴースト', '2024-03-01T00:00:00Z', 2)`)
}

func exec(t *testing.T, h *sqldb.DB, query string, args ...any) {
	t.Helper()
	if _, err := h.SQL().ExecContext(context.Background(), h.Rebind(query), args...); err != nil {
		t.Fatalf("%.80s: %v", query, err)
	}
}

// TestUpgradeFromSeparateStores opens a database of the old layout (two
// schemas with runners of their own, contractors billing never checked)
// with the shared handle: every row is kept, versions already applied are
// not run again, the contractors billing named but the ledger lacked are
// added disabled under their ID, and from then on billing rows must name a
// registered contractor.
func TestUpgradeFromSeparateStores(t *testing.T) {
	t.Parallel()
	for _, be := range []struct {
		name   string
		url    func(t *testing.T) string
		handle func(ctx context.Context, url string) (*sqldb.DB, error)
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "dezura.db") },
			func(ctx context.Context, u string) (*sqldb.DB, error) {
				return sqlite.OpenHandle(ctx, u[len("sqlite:"):])
			}},
		{"postgres", func(t *testing.T) string { return newPGSchema(t) }, postgres.OpenHandle},
	} {
		t.Run(be.name, func(t *testing.T) {
			url := be.url(t)
			h, err := be.handle(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			buildOldLayout(t, h)
			if err := h.Close(); err != nil {
				t.Fatal(err)
			}
			if be.name == "sqlite" { // the run lock's file of the old code
				if err := os.WriteFile(url[len("sqlite:"):]+".billing-lock", nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			checkUpgraded(t, openLedger(t, url))
			checkUpgraded(t, openLedger(t, url)) // and again: nothing applies twice
		})
	}
}

func checkUpgraded(t *testing.T, db ledger.DB) {
	t.Helper()
	ctx := t.Context()
	b, err := New(ctx, db, WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	h := db.Handle()
	for set, want := range map[string]int{"ledger": sqlstore.SchemaVersion(), "billing": SchemaVersion()} {
		if v, err := h.AppliedVersion(ctx, set); err != nil || v != want {
			t.Errorf("%s schema at %d, %v; want %d", set, v, err, want)
		}
	}
	cs, err := db.Contractors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []ledger.Contractor{{ID: "ACME", Name: "アクメ建設"}, {ID: "GHOST", Name: "GHOST", Disabled: true}, {ID: "GHOST2", Name: "GHOST2", Disabled: true}}
	if len(cs) != len(want) || cs[0] != want[0] || cs[1] != want[1] || cs[2] != want[2] {
		t.Errorf("contractors %+v, want %+v", cs, want)
	}
	if n, err := db.TechnicianDays(ctx, "ACME", d("2025-02-01").Time(), d("2025-03-01").Time()); err != nil || n != 1 {
		t.Errorf("ACME's technician-days in February 2025: %d, %v; want the old entry's 1", n, err)
	}
	subs, err := b.Subscriptions(ctx, "")
	if err != nil || len(subs) != 2 || subs[0].ContractorID != "ACME" || subs[1].ID != 2 || subs[1].Recipient != "GHOST 御中" {
		t.Errorf("subscriptions %+v, %v", subs, err)
	}
	in, err := b.InvoiceByNumber(ctx, "2024-000001", "")
	if err != nil || in.Total != 16500 || in.Paid != 10000 || len(in.Lines) != 1 {
		t.Errorf("old invoice %+v, %v", in, err)
	}
	var version int
	if err := b.db.QueryRowContext(ctx, `SELECT version FROM billing_mandates WHERE contractor_id = 'GHOST2'`).Scan(&version); err != nil || version != 2 {
		t.Errorf("GHOST2's mandate version %d, %v; want 2", version, err)
	}
	checkContractorKeys(t, b)
}

// checkContractorKeys: after the upgrade, what billing writes must name a
// registered contractor, and a new subscription an enabled one; the old
// subscriptions of adopted contractors keep renewing.
func checkContractorKeys(t *testing.T, b *Billing) {
	t.Helper()
	ctx := t.Context()
	if _, err := b.Subscribe(ctx, "NOSUCH", "", "campaign-2023", d("2025-04-01")); !errors.Is(err, ErrUnknownContractor) {
		t.Errorf("subscribe an unknown contractor: %v", err)
	}
	if _, err := b.Subscribe(ctx, "GHOST2", "", "campaign-2023", d("2025-04-01")); !errors.Is(err, ErrContractorDisabled) {
		t.Errorf("subscribe an adopted (disabled) contractor: %v", err)
	}
	if _, err := b.db.ExecContext(ctx, b.q(`INSERT INTO billing_subscriptions (contractor_id, recipient, plan, start_on, created_at)
		VALUES ('NOSUCH', 'x', 'campaign-2023', '2025-04-01', 'now')`)); err == nil {
		t.Error("the database took a subscription of an unknown contractor: no foreign key")
	}
	res, err := b.Run(ctx, RunOptions{AsOf: d("2025-03-01"), Issuer: testIssuer, DryRun: true})
	if err != nil || res.Count() != 3 {
		t.Errorf("dry run as of 2025-03-01: %d invoices, %v; want ACME's two years and GHOST's renewal", res.Count(), err)
	}
}
