package spool_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/postgres"
	"github.com/dezura/dezura/ledger/spool"
)

// proxy is a TCP proxy on 127.0.0.1 in front of PostgreSQL that the test
// can stop (refusing connections and cutting live ones) and start again
// on the same port: a database that goes away and comes back.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, addr: "127.0.0.1:0", target: target}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) start() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			p.wg.Go(func() { io.Copy(up, c); up.Close() })
			p.wg.Go(func() { io.Copy(c, up); c.Close() })
		}
	})
}

func (p *proxy) stop() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// pgSchema makes a schema for the test on the local PostgreSQL and returns
// the server URL, the host:port, and the schema name. Unreachable: skip
// on a developer's machine, fail in CI or when DEZURA_TEST_POSTGRES is set.
func pgSchema(t *testing.T) (*url.URL, string) {
	t.Helper()
	base := os.Getenv("DEZURA_TEST_POSTGRES")
	explicit := base != ""
	if !explicit {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if explicit || os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s unreachable: %v", base, err)
		}
		t.Skipf("no PostgreSQL at %s (in CI this fails): %v", base, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "spool_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	return u, schema
}

func TestSpoolWhileDatabaseStopped(t *testing.T) {
	direct, _ := pgSchema(t)
	px := startProxy(t, direct.Host)
	viaProxy := *direct
	viaProxy.Host = px.addr

	ctx := t.Context()
	pg, err := postgres.Open(ctx, viaProxy.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	st := spool.New(pg, openSpool(t, filepath.Join(t.TempDir(), "attendance.spool")), spool.Options{Timeout: 2 * time.Second})
	defer st.Close()
	if err := st.Warm(ctx); err != nil {
		t.Fatal(err)
	}

	px.stop() // the database goes away

	tech, err := st.TechnicianByPhone(ctx, ledger.DemoPhone)
	if err != nil || tech.ID != ledger.DemoTechnicianID {
		t.Fatalf("TechnicianByPhone while down = %+v, %v", tech, err)
	}
	if _, err := st.SiteByCode(ctx, ledger.DemoSiteCode); err != nil {
		t.Fatalf("SiteByCode while down: %v", err)
	}
	if _, err := st.TechnicianByPhone(ctx, "+819000000000"); !errors.Is(err, spool.ErrNotCached) {
		t.Errorf("unknown phone while down: err %v, want ErrNotCached", err)
	}
	in, out := day, day.Add(9*time.Hour)
	for _, r := range []ledger.AttendanceRequest{
		{TechnicianID: tech.ID, SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn, At: in, CallID: "c1", IdempotencyKey: "c1/1"},
		{TechnicianID: tech.ID, SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckOut, At: out, CallID: "c2", IdempotencyKey: "c2/1"},
	} {
		res, err := st.RecordAttendance(ctx, r)
		if err != nil || !res.Spooled || res.Entry.WorkDate != "2026-11-27" {
			t.Fatalf("RecordAttendance while down = %+v, %v", res, err)
		}
	}
	if _, err := st.RecordAttendance(ctx, ledger.AttendanceRequest{TechnicianID: "55555555555555", SiteCode: ledger.DemoSiteCode,
		Action: ledger.ActionCheckIn, At: in}); !errors.Is(err, spool.ErrNotCached) {
		t.Errorf("uncached technician while down: err %v", err)
	}
	if err := st.RecordCall(ctx, ledger.CallRecord{CallID: "c1", ArrivedAt: in, Outcome: "registered"}); err != nil {
		t.Fatal(err)
	}
	if rep, err := st.Replay(ctx); err == nil || rep.Left != 3 {
		t.Fatalf("replay while down = %+v, %v; want an error and 3 left", rep, err)
	}

	px.start() // it comes back

	rep, err := st.Replay(ctx)
	if err != nil || rep.Replayed != 3 || rep.Left != 0 {
		t.Fatalf("replay = %+v, %v", rep, err)
	}
	if rep, err := st.Replay(ctx); err != nil || rep.Replayed != 0 {
		t.Fatalf("second replay = %+v, %v", rep, err)
	}
	check, err := postgres.Open(ctx, direct.String())
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	es, err := check.ListEntries(ctx, ledger.EntryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Status != ledger.EntryStatusClosed || !es[0].CheckIn.Equal(in) || !es[0].CheckOut.Equal(out) {
		t.Errorf("entries after the database returned = %+v, want one closed entry", es)
	}
	calls, err := check.ListCalls(ctx, ledger.CallFilter{})
	if err != nil || len(calls) != 1 {
		t.Errorf("calls = %+v, %v", calls, err)
	}
	// Back to normal: straight to the database.
	res, err := st.RecordAttendance(ctx, ledger.AttendanceRequest{TechnicianID: tech.ID, SiteCode: ledger.DemoSiteCode,
		Action: ledger.ActionCheckIn, At: in.AddDate(0, 0, 1), IdempotencyKey: "c3/1"})
	if err != nil || res.Spooled || res.Entry.ID == 0 {
		t.Errorf("RecordAttendance after return = %+v, %v", res, err)
	}
}
