package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/dezura/dezura/simulator"
)

// pendingMetrics are names the rules and panels use that this test's
// /metrics does not export, and why. The dezura_trunk_* series are exported
// only with --trunk-register, which the installed service here has not:
// cmd/dezura's TestE2ETrunkMetricsAndReadiness checks every dezura_trunk_*
// name of the dashboard and the rules against a node registered with
// Kamailio, and the rule is tested on synthetic series.
var pendingMetrics = map[string]string{
	"dezura_trunk_registered":                  "exported only with --trunk-register",
	"dezura_trunk_registrations_lost_total":    "exported only with --trunk-register",
	"dezura_trunk_registration_failures_total": "exported only with --trunk-register",
	"dezura_trunk_keepalive_misses_total":      "exported only with --trunk-register",
}

// installedService is the package installed into a throwaway root and its
// service started the way systemd starts it.
type installedService struct {
	r        *debRoot
	argv     []string // ExecStart, expanded with the settings
	env      []string // the process environment systemd would give
	uid, gid string
}

// installAndConfigure follows the README's "Install on a server": install
// the package and read its settings, adapted to this machine: the data
// directory inside the throwaway root, SIP, HTTP and RTP on 127.0.0.1
// ports chosen at run time, and an invoice issuer (a name with a space,
// which must reach dezura as one argument) so the billing scheduler runs.
func installAndConfigure(t *testing.T, version string) *installedService {
	t.Helper()
	needTool(t, "setpriv", "util-linux")
	r := newDebRoot(t)
	r.dpkg(t, "-i", buildDeb(t, version))
	env := readEnvFile(t, r.path("/etc/dezura/dezura.env"))
	for k, v := range env {
		env[k] = strings.ReplaceAll(v, "/var/lib/dezura", r.path("/var/lib/dezura"))
	}
	env["DEZURA_FLAGS"] += " --sip 127.0.0.1:0 --http 127.0.0.1:0 --rtp-ports 0-0 --log-level info"
	env["DEZURA_ISSUER_NAME"] = "テスト建設 株式会社"
	env["DEZURA_ISSUER_REGISTRATION"] = "T7000012050002"
	s := &installedService{r: r, env: []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}}
	for k, v := range env {
		s.env = append(s.env, k+"="+v)
	}
	unit := readUnit(t, r.path("/lib/systemd/system/dezura.service"))
	s.argv = expandExecStart(t, unit.must(t, "Service", "ExecStart"), env)
	if s.argv[0] != "/usr/bin/dezura" {
		t.Fatalf("ExecStart runs %s", s.argv[0])
	}
	s.argv[0] = r.path(s.argv[0])
	u := r.accounts(t, "passwd")[unit.must(t, "Service", "User")]
	s.uid, s.gid = u.id, u.gid
	// The service user must reach the root's files, as on a real machine.
	for d := r.root; d != filepath.Dir(d) && strings.HasPrefix(d, os.TempDir()+"/"); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// asService runs args as the unit's user with no capability and no new
// privileges (the unit's User=, CapabilityBoundingSet= and
// NoNewPrivileges=), as `sudo -u dezura` in the README does for the CLI.
func (s *installedService) asService(args ...string) []string {
	return append([]string{"setpriv", "--reuid=" + s.uid, "--regid=" + s.gid, "--clear-groups",
		"--no-new-privs", "--bounding-set=-all", "--inh-caps=-all", "--"}, args...)
}

// cli runs an admin command of the installed binary as the service user.
func (s *installedService) cli(t *testing.T, args ...string) string {
	t.Helper()
	argv := s.asService(append([]string{s.r.path("/usr/bin/dezura")}, args...)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Dir = s.env, s.r.path("/var/lib/dezura")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dezura %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// checkOneEntry: the ledger (entries list --json) holds the one check-in
// the test call made.
func checkOneEntry(t *testing.T, listJSON string) {
	t.Helper()
	var entries []map[string]any
	if err := json.Unmarshal([]byte(listJSON), &entries); err != nil {
		t.Fatalf("entries list --json: %v\n%s", err, listJSON)
	}
	if b, _ := json.Marshal(entries); len(entries) != 1 || !strings.Contains(string(b), `"12345678901234"`) || !strings.Contains(string(b), `"1234"`) {
		t.Errorf("ledger after the call: %s, want one entry of technician 12345678901234 at site 1234", b)
	}
}

// TestInstalledServiceAnswersACall: on a fresh root, the package installed
// and its settings used as the README says, the office registers a site
// and a technician with the installed CLI, the service starts as systemd
// would start it (ExecStart with the settings, as user dezura, no
// capability, in /var/lib/dezura), answers the installed simulator's call
// whose check-in reaches the ledger (and a backup taken while it runs),
// reports ready, its build and the metrics
// the dashboard and the alert rules read, and stops cleanly on SIGTERM.
func TestInstalledServiceAnswersACall(t *testing.T) {
	s := installAndConfigure(t, "1.0.0")
	s.cli(t, "site", "add", "--code", "1234", "--name", "駅前ビル")
	s.cli(t, "technician", "add", "--id", "12345678901234", "--name", "山田 花子", "--phone", "090-1234-5678")
	s.cli(t, "assign", "add", "--site", "1234", "--technician", "12345678901234")

	p := startDezura(t, s.asService(s.argv...), s.env, s.r.path("/var/lib/dezura"))
	// The test call from the server itself, with the simulator the
	// package installs.
	out, err := exec.Command(s.r.path("/usr/bin/dezura-sim"), "call", "--to", "sip:ivr@"+p.SIP, "--from", "09012345678",
		"--keys", "1234#,1", "--json").Output()
	var res simulator.Result
	if err != nil || json.Unmarshal(out, &res) != nil || res.Status != 200 || res.EndedBy != simulator.EndedRemoteBye {
		t.Fatalf("dezura-sim call: %s %v, want answered and hung up by the service\n%s", out, err, p.Log)
	}
	checkOneEntry(t, s.cli(t, "entries", "list", "--json"))
	// The README's backup of a running SQLite ledger, as the service user:
	// a consistent copy that the CLI reads like the ledger itself.
	backup := s.r.path("/var/lib/dezura/backup.db")
	sq := s.asService("sqlite3", s.r.path("/var/lib/dezura/dezura.db"), ".backup '"+backup+"'")
	if out, err := exec.Command(sq[0], sq[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("sqlite3 .backup while dezura runs: %v\n%s", err, out)
	}
	checkOneEntry(t, s.cli(t, "--db", "sqlite:"+backup, "entries", "list", "--json"))

	if code, body := p.get(t, "/readyz"); code != 200 {
		t.Errorf("/readyz %d %q", code, body)
	}
	_, metrics := p.get(t, "/metrics")
	if !strings.Contains(metrics, `dezura_build_info{commit="`) || !strings.Contains(metrics, `version="1.0.0"} 1`) {
		t.Errorf("/metrics has no dezura_build_info of version 1.0.0")
	}
	if !strings.Contains(p.Log.String(), `msg="dezura starting" version=1.0.0`) {
		t.Errorf("no start-up line with the version in the log:\n%s", p.Log)
	}
	exported := exportedNames(metrics)
	t.Run("dashboard queries exported metrics", func(t *testing.T) {
		for title, exprs := range readDashboard(t).exprs() {
			for _, e := range exprs {
				names := metricNames(e)
				if len(names) == 0 {
					t.Errorf("panel %q: query %q names no metric", title, e)
				}
				for _, n := range names {
					if !exported[n] && pendingMetrics[n] == "" {
						t.Errorf("panel %q: %s is not on /metrics", title, n)
					}
				}
			}
		}
	})
	t.Run("alert rules query exported metrics", func(t *testing.T) {
		for _, r := range readRules(t) {
			for _, n := range metricNames(r.Expr) {
				if !exported[n] && n != "up" && pendingMetrics[n] == "" { // up: Prometheus's own, per target
					t.Errorf("alert %s: %s is not on /metrics", r.Alert, n)
				}
			}
		}
		var queries []string
		for _, r := range readRules(t) {
			queries = append(queries, r.Expr)
		}
		for _, exprs := range readDashboard(t).exprs() {
			queries = append(queries, exprs...)
		}
		for n := range pendingMetrics {
			if !slices.ContainsFunc(queries, func(q string) bool { return slices.Contains(metricNames(q), n) }) {
				t.Errorf("pending metric %s is used by no rule or panel: drop it from the list", n)
			}
		}
	})

	if err := p.stop(t); err != nil {
		t.Errorf("dezura exit after SIGTERM: %v (systemd would count a failure)\n%s", err, p.Log)
	}
	st, err := os.Stat(s.r.path("/var/lib/dezura/dezura.db"))
	if err != nil || st.Sys().(*syscall.Stat_t).Uid != uint32(mustAtoi(t, s.uid)) {
		t.Errorf("the ledger file: %v %v, want owned by the dezura user", st, err)
	}
}
