package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
)

// options are the build program's flags.
type options struct {
	Version string // Debian version; empty: from the last commit
	Out     string // directory of the .deb
}

// source is what the build reads from the repository.
type source struct {
	Root    string    // the module's directory
	Commit  string    // git commit, "+dirty" when the work tree has changes
	Time    time.Time // the commit's time: every file's mtime in the package
	Version string
}

// build builds the binary and the package and returns the package's path.
func build(ctx context.Context, o options) (string, error) {
	src, err := readSource(ctx, o.Version)
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp("", "dezura-pkg-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	for _, cmd := range []string{"dezura", "dezura-sim"} {
		if err := buildBinary(ctx, src, cmd, filepath.Join(tmp, cmd)); err != nil {
			return "", err
		}
	}
	info := packageInfo(src, tmp)
	if err := nfpm.PrepareForPackager(nfpm.WithDefaults(info), "deb"); err != nil {
		return "", fmt.Errorf("package contents: %w", err)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(o.Out, deb.Default.ConventionalFileName(info))
	var buf bytes.Buffer
	if err := deb.Default.Package(info, &buf); err != nil {
		return "", fmt.Errorf("pack %s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// readSource finds the module and reads the commit, its time and the
// default version from git. Outside a git checkout give -version and
// SOURCE_DATE_EPOCH.
func readSource(ctx context.Context, version string) (source, error) {
	gomod, err := output(ctx, "", "go", "env", "GOMOD")
	if err != nil || gomod == "" || gomod == os.DevNull {
		return source{}, fmt.Errorf("run this inside the dezura module (go env GOMOD: %q, %v)", gomod, err)
	}
	src := source{Root: filepath.Dir(gomod), Version: version, Commit: "unknown"}
	if rev, err := output(ctx, src.Root, "git", "rev-parse", "HEAD"); err == nil {
		src.Commit = rev
		if st, err := output(ctx, src.Root, "git", "status", "--porcelain", "--untracked-files=no"); err == nil && st != "" {
			src.Commit += "+dirty"
		}
	}
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		if epoch, err = output(ctx, src.Root, "git", "log", "-1", "--format=%ct"); err != nil {
			return source{}, fmt.Errorf("no commit time (not a git checkout?): set SOURCE_DATE_EPOCH and give -version: %w", err)
		}
	}
	sec, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return source{}, fmt.Errorf("SOURCE_DATE_EPOCH or commit time %q: %w", epoch, err)
	}
	src.Time = time.Unix(sec, 0).UTC()
	if src.Version == "" {
		if src.Commit == "unknown" {
			return source{}, errors.New("no commit to name the version after: give -version")
		}
		short, _, _ := strings.Cut(src.Commit, "+")
		src.Version = "0.0.0~git" + src.Time.Format("20060102150405") + "." + short[:min(12, len(short))]
	}
	if !validDebianVersion(src.Version) {
		return source{}, fmt.Errorf("-version %q is not a Debian version: start with a digit; then digits, letters and . + ~ only", src.Version)
	}
	return src, nil
}

// validDebianVersion accepts an upstream version without epoch or
// revision, which is all this package uses.
func validDebianVersion(v string) bool {
	if v == "" || v[0] < '0' || v[0] > '9' {
		return false
	}
	for _, r := range v {
		ok := r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune(".+~", r)
		if !ok {
			return false
		}
	}
	return true
}

// buildBinary builds ./cmd/NAME static for linux/amd64 with the version
// and commit linked in (see cmd/dezura/version.go; dezura-sim has no such
// variables and the linker ignores them).
func buildBinary(ctx context.Context, src source, name, out string) error {
	ldflags := fmt.Sprintf("-s -w -X main.version=%s -X main.commit=%s", src.Version, src.Commit)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, "./cmd/"+name)
	cmd.Dir = src.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/%s: %w\n%s", name, err, b)
	}
	return nil
}

// packageInfo describes the package: what goes where, with which mode;
// the binaries are in the directory bins.
// Every file is root's in the archive; postinst gives the data directory
// and the settings to the dezura user it creates.
func packageInfo(src source, bins string) *nfpm.Info {
	in := func(rel string) string { return filepath.Join(src.Root, rel) }
	file := func(from, to string, mode os.FileMode, typ string) *files.Content {
		return &files.Content{Source: from, Destination: to, Type: typ,
			FileInfo: &files.ContentFileInfo{Owner: "root", Group: "root", Mode: mode, MTime: src.Time}}
	}
	return &nfpm.Info{
		Name:          "dezura",
		Arch:          "amd64",
		Platform:      "linux",
		Version:       src.Version,
		VersionSchema: "none",
		Section:       "net",
		Priority:      "optional",
		Maintainer:    "dezura developers <dev@dezura.example>",
		Description: "construction work history (就業履歴) by telephone, for CCUS\n" +
			"A SIP/RTP telephone service: a worker calls in, keys his ID and the site,\n" +
			"and check-in or check-out is recorded in a ledger (SQLite or PostgreSQL),\n" +
			"with annual billing. Runs as the systemd unit dezura.service.",
		MTime: src.Time,
		Overridables: nfpm.Overridables{
			// fonts-ipaexfont-gothic: the invoices' PDF font (billing.DefaultFontPath).
			Depends:    []string{"adduser", "fonts-ipaexfont-gothic"},
			Recommends: []string{"systemd"},
			Contents: files.Contents{
				file(filepath.Join(bins, "dezura"), "/usr/bin/dezura", 0o755, ""),
				// The simulator: a test call from the server itself after
				// installing (README, "Install on a server").
				file(filepath.Join(bins, "dezura-sim"), "/usr/bin/dezura-sim", 0o755, ""),
				file(in("deploy/debian/dezura.service"), "/lib/systemd/system/dezura.service", 0o644, ""),
				file(in("deploy/debian/dezura.env"), "/etc/dezura/dezura.env", 0o640, files.TypeConfigNoReplace),
				file("", "/etc/dezura", 0o750, files.TypeDir),
				file("", "/var/lib/dezura", 0o750, files.TypeDir),
				file(in("README.md"), "/usr/share/doc/dezura/README.md", 0o644, ""),
				file(in("deploy/prometheus/dezura-rules.yml"), "/usr/share/dezura/prometheus/dezura-rules.yml", 0o644, ""),
				file(in("deploy/grafana/dezura.json"), "/usr/share/dezura/grafana/dezura.json", 0o644, ""),
				file(in("deploy/kamailio/kamailio.cfg"), "/usr/share/dezura/kamailio/kamailio.cfg", 0o644, ""),
				file(in("deploy/kamailio/dispatcher.list"), "/usr/share/dezura/kamailio/dispatcher.list", 0o644, ""),
			},
			Scripts: nfpm.Scripts{
				PostInstall: in("deploy/debian/postinst"),
				PreRemove:   in("deploy/debian/prerm"),
				PostRemove:  in("deploy/debian/postrm"),
			},
		},
	}
}

// output runs a command and returns its trimmed standard output.
func output(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(b)), nil
}
