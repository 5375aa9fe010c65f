package deploy

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPackageInstallsIntoAThrowawayRoot installs the .deb with dpkg into a
// throwaway root (its maintainer scripts run chrooted there) and checks
// what an operator gets: the dezura system user, every file with its mode
// and owner, the settings as a conffile, and a binary that says the
// package's version.
func TestPackageInstallsIntoAThrowawayRoot(t *testing.T) {
	deb := buildDeb(t, "1.0.0")
	r := newDebRoot(t)
	r.dpkg(t, "-i", deb)

	status := r.dpkg(t, "-s", "dezura")
	for _, want := range []string{"Status: install ok installed", "Version: 1.0.0", "Conffiles:\n /etc/dezura/dezura.env ",
		"Depends: adduser, fonts-ipaexfont-gothic"} {
		if !strings.Contains(status, want) {
			t.Errorf("dpkg -s dezura lacks %q:\n%s", want, status)
		}
	}
	u, ok := r.accounts(t, "passwd")["dezura"]
	g, gok := r.accounts(t, "group")["dezura"]
	if !ok || !gok {
		t.Fatalf("no dezura user (%v) or group (%v) after install", ok, gok)
	}
	if uid, _ := strconv.Atoi(u.id); uid <= 0 || uid >= 1000 || u.gid != g.id ||
		u.home != "/var/lib/dezura" || u.shell != "/usr/sbin/nologin" {
		t.Errorf("dezura user %+v (group %s): want a system uid, group dezura, home /var/lib/dezura, no login shell", u, g.id)
	}

	files := []struct {
		path        string
		dir         bool
		mode        fs.FileMode
		owner, grp  string
		mustContain string
	}{
		{"/usr/bin/dezura", false, 0o755, "root", "root", ""},
		{"/usr/bin/dezura-sim", false, 0o755, "root", "root", ""},
		{"/lib/systemd/system/dezura.service", false, 0o644, "root", "root", "ExecStart=/usr/bin/dezura serve"},
		{"/etc/dezura", true, 0o750, "root", "dezura", ""},
		{"/etc/dezura/dezura.env", false, 0o640, "root", "dezura", "DEZURA_DB=sqlite:/var/lib/dezura/dezura.db"},
		{"/var/lib/dezura", true, 0o750, "dezura", "dezura", ""},
		{"/usr/share/doc/dezura/README.md", false, 0o644, "root", "root", "## Install on a server"},
		{"/usr/share/dezura/prometheus/dezura-rules.yml", false, 0o644, "root", "root", "groups:"},
		{"/usr/share/dezura/grafana/dezura.json", false, 0o644, "root", "root", `"panels"`},
		{"/usr/share/dezura/kamailio/kamailio.cfg", false, 0o644, "root", "root", "dispatcher"},
		{"/usr/share/dezura/kamailio/dispatcher.list", false, 0o644, "root", "root", "sip:"},
	}
	for _, f := range files {
		st, err := os.Lstat(r.path(f.path))
		if err != nil {
			t.Errorf("%s: %v", f.path, err)
			continue
		}
		sys := st.Sys().(*syscall.Stat_t)
		owner, grp := r.nameOf(t, "passwd", sys.Uid), r.nameOf(t, "group", sys.Gid)
		if st.IsDir() != f.dir || st.Mode().Perm() != f.mode || owner != f.owner || grp != f.grp {
			t.Errorf("%s: dir %v mode %v %s:%s, want dir %v mode %v %s:%s", f.path, st.IsDir(), st.Mode().Perm(), owner, grp,
				f.dir, f.mode, f.owner, f.grp)
		}
		if f.mustContain != "" {
			if b, err := os.ReadFile(r.path(f.path)); err != nil || !strings.Contains(string(b), f.mustContain) {
				t.Errorf("%s does not contain %q (%v)", f.path, f.mustContain, err)
			}
		}
	}

	out, err := exec.Command(r.path("/usr/bin/dezura"), "version").CombinedOutput()
	want := regexp.MustCompile(`^dezura 1\.0\.0 \(commit [0-9a-f]{40}(\+dirty)?, ` + regexp.QuoteMeta(runtime.Version()) + `\)\n$`)
	if err != nil || !want.Match(out) {
		t.Errorf("installed dezura version: %q %v, want %v", out, err, want)
	}
}

// TestPackageUnitVerifies runs systemd's own checks on the installed unit
// (systemd-analyze verify must say nothing; the sandbox's exposure score
// must stay at 2.0 or below, 20 on --threshold's 0-100 scale: 1.7 when
// written) and checks the settings an operator relies on.
func TestPackageUnitVerifies(t *testing.T) {
	needTool(t, "systemd-analyze", "systemd")
	r := newDebRoot(t)
	r.dpkg(t, "-i", buildDeb(t, "1.0.0"))
	const unit = "/lib/systemd/system/dezura.service"
	if out := r.run(t, "systemd-analyze", "verify", "--root="+r.root, unit); out != "" {
		t.Errorf("systemd-analyze verify has something to say:\n%s", out)
	}
	if out, err := r.try("systemd-analyze", "security", "--offline=yes", "--root="+r.root, "--threshold=20", "--no-pager", unit); err != nil {
		t.Errorf("systemd-analyze security: exposure above 2.0 (%v):\n%s", err, out)
	}

	u := readUnit(t, r.path(unit))
	want := map[string]string{
		"User": "dezura", "Group": "dezura", "EnvironmentFile": "/etc/dezura/dezura.env",
		"WorkingDirectory": "/var/lib/dezura", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
		"ReadWritePaths": "/var/lib/dezura", "PrivateTmp": "yes", "CapabilityBoundingSet": "",
		"AmbientCapabilities": "", "Restart": "on-failure", "KillSignal": "SIGTERM",
	}
	for k, v := range want {
		if got, ok := u.get("Service", k); !ok || got != v {
			t.Errorf("[Service] %s=%q (set: %v), want %q", k, got, ok, v)
		}
	}
	// The port dezura binds must not need a capability the unit does not grant.
	env := readEnvFile(t, r.path("/etc/dezura/dezura.env"))
	flags := strings.Fields(env["DEZURA_FLAGS"])
	if _, port, _ := strings.Cut(flagValue(flags, "sip", "127.0.0.1:5060"), ":"); mustAtoi(t, port) < 1024 {
		t.Errorf("--sip port %s is below 1024: the unit's empty CapabilityBoundingSet forbids it", port)
	}
	drain, err := time.ParseDuration(flagValue(flags, "drain-timeout", "30s"))
	if err != nil {
		t.Fatal(err)
	}
	stop := mustAtoi(t, strings.TrimSuffix(u.must(t, "Service", "TimeoutStopSec"), "s"))
	// A drain, then a billing run in progress (up to the drain plus 30 s),
	// then the HTTP server (5 s): systemd must not SIGKILL before.
	if limit := 2*drain + 35*time.Second; time.Duration(stop)*time.Second <= limit {
		t.Errorf("TimeoutStopSec=%ds is not above %v (2 x --drain-timeout %v + 35 s)", stop, limit, drain)
	}
}

// TestPackageUpgradeKeepsSettingsAndPurgeKeepsTheLedger: an upgrade keeps
// the operator's edited settings (conffile) and the one dezura user;
// removal keeps the settings; purge removes them but never the ledger.
func TestPackageUpgradeKeepsSettingsAndPurgeKeepsTheLedger(t *testing.T) {
	r := newDebRoot(t)
	r.dpkg(t, "-i", buildDeb(t, "1.0.0"))
	envPath, ledger := r.path("/etc/dezura/dezura.env"), r.path("/var/lib/dezura/dezura.db")
	edited := []byte("DEZURA_DB=sqlite:/var/lib/dezura/dezura.db\nDEZURA_FLAGS=--sip 192.0.2.10:5060\n")
	if err := os.WriteFile(envPath, edited, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ledger, []byte("the ledger"), 0o600); err != nil {
		t.Fatal(err)
	}
	uid := r.accounts(t, "passwd")["dezura"].id

	r.dpkg(t, "-i", buildDeb(t, "1.0.1"))
	if s := r.dpkg(t, "-s", "dezura"); !strings.Contains(s, "Version: 1.0.1") {
		t.Errorf("after the upgrade:\n%s", s)
	}
	if b, _ := os.ReadFile(envPath); !bytes.Equal(b, edited) {
		t.Errorf("the upgrade changed the edited settings to:\n%s", b)
	}
	if u := r.accounts(t, "passwd")["dezura"]; u.id != uid {
		t.Errorf("the upgrade changed the dezura user: uid %s, was %s", u.id, uid)
	}
	st, err := os.Stat(r.path("/etc/dezura/dezura.env"))
	if err != nil || st.Mode().Perm() != 0o640 || r.nameOf(t, "group", st.Sys().(*syscall.Stat_t).Gid) != "dezura" {
		t.Errorf("settings after the upgrade: %v %v", st, err)
	}

	r.dpkg(t, "-r", "dezura")
	if _, err := os.Stat(r.path("/usr/bin/dezura")); !os.IsNotExist(err) {
		t.Errorf("binary after removal: %v", err)
	}
	if _, err := os.Stat(envPath); err != nil {
		t.Errorf("removal (not purge) must keep the settings: %v", err)
	}
	r.dpkg(t, "-P", "dezura")
	if _, err := os.Stat(envPath); !os.IsNotExist(err) {
		t.Errorf("settings after purge: %v", err)
	}
	if b, err := os.ReadFile(ledger); err != nil || string(b) != "the ledger" {
		t.Errorf("purge touched the ledger: %q %v", b, err)
	}
	if _, ok := r.accounts(t, "passwd")["dezura"]; !ok {
		t.Error("purge removed the dezura user, who still owns the ledger")
	}
}

// TestPackageIsReproducible: two builds of one commit and version are the
// same bytes (the files' times are the commit's, the binary -trimpath).
func TestPackageIsReproducible(t *testing.T) {
	a, err := os.ReadFile(buildDeb(t, "1.0.0"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(buildDebInto(t, "1.0.0", t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("two builds differ (%d and %d bytes)", len(a), len(b))
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}
