package main

import (
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// version and commit are set at link time by the package build
// (deploy/pkg):
//
//	go build -ldflags "-X main.version=1.2.0 -X main.commit=0123abc" ./cmd/dezura
//
// Left empty, they come from the Go build info: the module version (a
// tagged `go install`) and the VCS stamp (vcs.revision, vcs.modified).
var (
	version string
	commit  string
)

// buildInfo is what `dezura version`, the start-up log line and the
// dezura_build_info metric say about this binary.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"goversion"`
}

// currentBuild reads the link-time variables, falling back on the Go build
// info; a commit built from a work tree with uncommitted changes ends in
// "+dirty".
func currentBuild() buildInfo {
	b := buildInfo{Version: version, Commit: commit, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		if b.Commit == "" {
			b.Commit = vcsCommit(bi.Settings)
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}

// vcsCommit is the revision the go command stamped, if any.
func vcsCommit(settings []debug.BuildSetting) string {
	var rev string
	var modified bool
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" && modified {
		rev += "+dirty"
	}
	return rev
}

func (b buildInfo) String() string {
	return fmt.Sprintf("dezura %s (commit %s, %s)", b.Version, b.Commit, b.GoVersion)
}

// versionCmd prints the build info: `dezura version [--json]`.
type versionCmd struct {
	JSON bool `name:"json" help:"print JSON: version, commit, goversion"`
}

func (c *versionCmd) Run(o *output) error {
	b := currentBuild()
	if c.JSON {
		return o.JSON(b)
	}
	o.Printf("%s\n", b)
	return nil
}

// logBuild writes the start-up line that says which binary runs.
func logBuild(logger *slog.Logger) {
	b := currentBuild()
	logger.Info("dezura starting", "version", b.Version, "commit", b.Commit, "go", b.GoVersion)
}

// buildInfoGauge is dezura_build_info{version,commit,goversion} 1, the
// usual way to put a binary's identity on a dashboard.
func buildInfoGauge() prometheus.Collector {
	b := currentBuild()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "dezura_build_info",
		Help:        "Always 1; the labels say which dezura binary runs.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "goversion": b.GoVersion},
	})
	g.Set(1)
	return g
}
