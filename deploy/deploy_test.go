// Package deploy's tests check what an operator installs: the Debian
// package (built by ./deploy/pkg, installed into a throwaway root, its
// unit verified by systemd), the service it installs answering a call,
// the Prometheus rules (promtool), the Grafana dashboard against the
// metrics the service really exports, and the Kamailio configuration.
package deploy

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// needTool fails in CI (which installs the tool, see .ci/run) and skips
// elsewhere when a program the test runs is missing.
func needTool(t *testing.T, tool, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is needed (apt-get install %s): %v", tool, debianPackage, err)
	}
	t.Skipf("%s is needed: apt-get install %s (CI runs this test)", tool, debianPackage)
	return ""
}

// needRoot: installing a package into a root needs mount and chroot. CI
// runs as root.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("installing the package into a throwaway root needs root (mount, chroot)")
	}
	t.Skip("installing the package into a throwaway root needs root (CI runs as root)")
}

// repoRoot is the module's directory (the tests run in deploy/).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

var (
	debMu    sync.Mutex
	debCache = map[string]string{} // version -> path of the .deb
	debDir   string
)

// TestMain removes the packages the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if debDir != "" {
		os.RemoveAll(debDir)
	}
	os.Exit(code)
}

// buildDeb builds the package of this work tree with the given version,
// as an operator would: go run ./deploy/pkg. Packages are built once per
// version and test run.
func buildDeb(t *testing.T, version string) string {
	t.Helper()
	debMu.Lock()
	defer debMu.Unlock()
	if p, ok := debCache[version]; ok {
		return p
	}
	if debDir == "" {
		d, err := os.MkdirTemp("", "dezura-deb-")
		if err != nil {
			t.Fatal(err)
		}
		debDir = d
	}
	out := filepath.Join(debDir, version)
	p := buildDebInto(t, version, out)
	debCache[version] = p
	return p
}

// buildDebInto runs the build program and returns the path it printed.
func buildDebInto(t *testing.T, version, out string) string {
	t.Helper()
	needTool(t, "go", "golang")
	cmd := exec.Command("go", "run", "./deploy/pkg", "-version", version, "-out", out)
	cmd.Dir = repoRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run ./deploy/pkg: %v\n%s", err, stderr.String())
	}
	p := strings.TrimSpace(string(b))
	if want := filepath.Join(out, "dezura_"+version+"_amd64.deb"); p != want {
		t.Fatalf("package written to %q, want %q", p, want)
	}
	return p
}

// debRoot is a throwaway Debian root (testdata/inroot.sh): files under
// /usr are in upper, the rest under root.
type debRoot struct {
	root, upper string
}

func newDebRoot(t *testing.T) *debRoot {
	t.Helper()
	needRoot(t)
	needTool(t, "dpkg", "dpkg")
	needTool(t, "unshare", "util-linux")
	dir := t.TempDir()
	return &debRoot{root: filepath.Join(dir, "root"), upper: filepath.Join(dir, "usr")}
}

// run runs a command against the root (see inroot.sh) and returns its
// output; the command failing fails the test.
func (r *debRoot) run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := r.try(args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (r *debRoot) try(args ...string) (string, error) {
	script, err := filepath.Abs("testdata/inroot.sh")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(script, append([]string{r.root, r.upper}, args...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	b, err := cmd.CombinedOutput()
	return string(b), err
}

// dpkg runs dpkg on the root.
func (r *debRoot) dpkg(t *testing.T, args ...string) string {
	t.Helper()
	return r.run(t, append([]string{"dpkg", "--root=" + r.root, "--force-unsafe-io"}, args...)...)
}

// path is where a file installed at abs (e.g. /usr/bin/dezura) is.
func (r *debRoot) path(abs string) string {
	if rest, ok := strings.CutPrefix(abs, "/usr/"); ok {
		return filepath.Join(r.upper, "upper", rest)
	}
	if rest, ok := strings.CutPrefix(abs, "/lib/"); ok { // /lib is usr/lib
		return filepath.Join(r.upper, "upper", "lib", rest)
	}
	return filepath.Join(r.root, abs)
}

// account is one line of the root's /etc/passwd or /etc/group.
type account struct {
	name, id, gid, home, shell string
}

// accounts reads the root's /etc/passwd or /etc/group by name.
func (r *debRoot) accounts(t *testing.T, file string) map[string]account {
	t.Helper()
	f, err := os.Open(filepath.Join(r.root, "etc", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]account{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), ":")
		a := account{name: p[0], id: p[2]}
		if file == "passwd" && len(p) == 7 {
			a.gid, a.home, a.shell = p[3], p[5], p[6]
		}
		if _, dup := m[a.name]; dup {
			t.Errorf("/etc/%s has %s twice", file, a.name)
		}
		m[a.name] = a
	}
	return m
}

// nameOf maps a numeric id to its name in the root's passwd or group.
func (r *debRoot) nameOf(t *testing.T, file string, id uint32) string {
	t.Helper()
	for name, a := range r.accounts(t, file) {
		if a.id == fmt.Sprint(id) {
			return name
		}
	}
	return fmt.Sprintf("#%d", id)
}
