package spool_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/spool"
	"github.com/dezura/dezura/ledger/sqlite"
)

// TestKillChild is not a test: it is the child process of TestKillNine,
// recording check-ins and printing "confirmed N" after each one returns,
// until it is killed.
func TestKillChild(t *testing.T) {
	dir, mode := os.Getenv("DEZURA_KILL_DIR"), os.Getenv("DEZURA_KILL_MODE")
	if dir == "" {
		return // run as an ordinary test: nothing to do
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	sp, err := spool.Open(filepath.Join(dir, "attendance.spool"))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	st := spool.New(db, sp, spool.Options{})
	if err := st.Warm(ctx); err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	if mode == "spool" {
		db.Close() // the database is gone: every request goes to the spool
	}
	base := time.Date(2020, 1, 1, 8, 0, 0, 0, ledger.Tokyo)
	for i := 0; ; i++ {
		res, err := st.RecordAttendance(ctx, ledger.AttendanceRequest{TechnicianID: ledger.DemoTechnicianID,
			SiteCode: ledger.DemoSiteCode, Action: ledger.ActionCheckIn, At: base.AddDate(0, 0, i),
			IdempotencyKey: fmt.Sprintf("kill-%d", i)})
		if err != nil || res.Spooled != (mode == "spool") {
			fmt.Println("error", res, err)
			os.Exit(3)
		}
		fmt.Println("confirmed", i)
	}
}

// TestKillNine kills (SIGKILL) a process in the middle of recording, then
// checks that every check-in it confirmed is in the database after the
// spool is replayed, exactly once, also when the replay itself is repeated.
func TestKillNine(t *testing.T) {
	for _, mode := range []string{"db", "spool"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			db, err := sqlite.Open(t.Context(), filepath.Join(dir, "ledger.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.SeedDemo(t.Context()); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "DEZURA_KILL_DIR="+dir, "DEZURA_KILL_MODE="+mode)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			confirmed := -1
			sc := bufio.NewScanner(out)
			for sc.Scan() && confirmed < 40 {
				f := strings.Fields(sc.Text())
				if len(f) == 2 && f[0] == "confirmed" {
					confirmed, _ = strconv.Atoi(f[1])
				} else if len(f) > 0 && f[0] == "error" {
					t.Fatalf("child: %s", sc.Text())
				}
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			for sc.Scan() { // what it said before it died
				if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "confirmed" {
					confirmed, _ = strconv.Atoi(f[1])
				}
			}
			cmd.Wait()
			if confirmed < 40 {
				t.Fatalf("child confirmed only %d check-ins", confirmed+1)
			}
			spoolPath := filepath.Join(dir, "attendance.spool")
			saved, err := os.ReadFile(spoolPath)
			if err != nil {
				t.Fatal(err)
			}
			for round := range 2 { // the second replays again, as after a crash mid-replay
				if round == 1 {
					if err := os.WriteFile(spoolPath, saved, 0o600); err != nil {
						t.Fatal(err)
					}
				}
				sp, err := spool.Open(spoolPath)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := sp.Replay(t.Context(), db); err != nil {
					t.Fatal(err)
				}
				sp.Close()
				for i := 0; i <= confirmed; i++ {
					var n int
					if err := db.DB().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM attendance_events WHERE idempotency_key = ?`,
						fmt.Sprintf("kill-%d", i)).Scan(&n); err != nil {
						t.Fatal(err)
					}
					if n != 1 {
						t.Fatalf("round %d: check-in %d confirmed, %d events", round, i, n)
					}
				}
				var dup int
				if err := db.DB().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM (SELECT work_date FROM work_entries
					GROUP BY technician_id, site_code, work_date HAVING COUNT(*) > 1) d`).Scan(&dup); err != nil {
					t.Fatal(err)
				}
				if dup != 0 {
					t.Fatalf("round %d: %d duplicated entries", round, dup)
				}
			}
		})
	}
}
