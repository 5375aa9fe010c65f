package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const dashboardFile = "grafana/dezura.json"

// dashboard is the part of Grafana's dashboard model the tests check.
type dashboard struct {
	Title         *string `json:"title"`
	UID           *string `json:"uid"`
	SchemaVersion *int    `json:"schemaVersion"`
	Time          *struct{ From, To string }
	Templating    *struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	GridPos *struct{ H, W, X, Y int } `json:"gridPos"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("%s is not valid JSON for a dashboard: %v", dashboardFile, err)
	}
	return d
}

// allPanels flattens rows.
func (d dashboard) allPanels() []panel {
	var ps []panel
	for _, p := range d.Panels {
		ps = append(ps, p)
		ps = append(ps, p.Panels...)
	}
	return ps
}

// exprs are the queries of every panel, by panel title.
func (d dashboard) exprs() map[string][]string {
	m := map[string][]string{}
	for _, p := range d.allPanels() {
		for _, tg := range p.Targets {
			m[p.Title] = append(m[p.Title], tg.Expr)
		}
	}
	return m
}

var grafanaUID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// TestDashboardModel: the dashboard has the fields Grafana needs to import
// it (title, uid, schemaVersion, time, a Prometheus data source variable)
// and every panel a unique id, a known type, a place on the 24-column grid
// that overlaps no other, the data source variable and queries with
// distinct refIds.
func TestDashboardModel(t *testing.T) {
	d := readDashboard(t)
	if d.Title == nil || *d.Title == "" || d.UID == nil || !grafanaUID.MatchString(*d.UID) ||
		d.SchemaVersion == nil || *d.SchemaVersion < 36 || d.Time == nil || d.Time.From == "" || d.Templating == nil {
		t.Fatalf("dashboard lacks title, uid (40 characters at most), schemaVersion >= 36, time or templating")
	}
	hasDS := false
	for _, v := range d.Templating.List {
		hasDS = hasDS || (v.Name == "datasource" && v.Type == "datasource" && v.Query == "prometheus")
	}
	if !hasDS {
		t.Error(`no "datasource" variable of type prometheus: the panels' ${datasource} would not resolve`)
	}
	known := map[string]bool{"row": true, "timeseries": true, "stat": true, "gauge": true, "table": true, "text": true, "bargauge": true}
	ids := map[int]string{}
	var cells [][24]string // which panel covers each grid cell, by row
	queries := 0
	for _, p := range d.allPanels() {
		if prev, dup := ids[p.ID]; dup || p.ID <= 0 {
			t.Errorf("panel %q: id %d (also %q)", p.Title, p.ID, prev)
		}
		ids[p.ID] = p.Title
		if !known[p.Type] || p.Title == "" || p.GridPos == nil {
			t.Errorf("panel %d: type %q, title %q, gridPos %v", p.ID, p.Type, p.Title, p.GridPos)
			continue
		}
		g := p.GridPos
		if g.W < 1 || g.H < 1 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v is off the 24-column grid", p.Title, *g)
		}
		for y := g.Y; y < g.Y+g.H; y++ {
			for len(cells) <= y {
				cells = append(cells, [24]string{})
			}
			for x := g.X; x < min(g.X+g.W, 24); x++ {
				if cells[y][x] != "" {
					t.Errorf("panels %q and %q overlap at x=%d y=%d", cells[y][x], p.Title, x, y)
				}
				cells[y][x] = p.Title
			}
		}
		if p.Type == "row" || p.Type == "text" {
			continue
		}
		if p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
			t.Errorf("panel %q: data source %+v, %d queries; want ${datasource} and at least one", p.Title, p.Datasource, len(p.Targets))
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.Expr == "" || tg.RefID == "" || refs[tg.RefID] {
				t.Errorf("panel %q: query %q with refId %q (empty or twice)", p.Title, tg.Expr, tg.RefID)
			}
			refs[tg.RefID] = true
			queries++
		}
	}
	if queries < 10 {
		t.Errorf("only %d queries in the dashboard", queries)
	}
}

// TestDashboardQueriesParse: every query is PromQL that Prometheus
// accepts, once Grafana's variables are replaced as Grafana would: each
// becomes a recording rule that promtool checks.
func TestDashboardQueriesParse(t *testing.T) {
	promtool := needTool(t, "promtool", "prometheus")
	vars := strings.NewReplacer("$__rate_interval", "1m", "$__interval", "1m", "$__range", "1h", "$instance", ".*")
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	n := 0
	for title, exprs := range readDashboard(t).exprs() {
		for _, e := range exprs {
			n++
			q, _ := json.Marshal(vars.Replace(e)) // a JSON string is a YAML string
			fmt.Fprintf(&rules, "      - record: dashboard:query_%d # %s\n        expr: %s\n", n, strings.ReplaceAll(title, "\n", " "), q)
		}
	}
	f := filepath.Join(t.TempDir(), "dashboard-queries.yml")
	if err := os.WriteFile(f, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", f).CombinedOutput(); err != nil {
		t.Errorf("promtool rejects a dashboard query: %v\n%s", err, out)
	}
}
