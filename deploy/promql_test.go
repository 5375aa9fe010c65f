package deploy

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promMatchers = regexp.MustCompile(`\{[^{}]*\}`)
	promRange    = regexp.MustCompile(`\[[^\[\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promToken    = regexp.MustCompile(`\$?[A-Za-z_:][A-Za-z0-9_:]*(?:\s*\()?|[0-9][0-9A-Za-z_.]*`)
)

// promKeywords are PromQL words that are not metric names.
var promKeywords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true,
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

// metricNames lists the metric names a PromQL expression selects, sorted
// and once each: what is left when strings, label matchers, ranges,
// grouping clauses, function calls, keywords, numbers and Grafana's $
// variables are taken away.
func metricNames(expr string) []string {
	s := promString.ReplaceAllString(expr, `""`)
	s = promMatchers.ReplaceAllString(s, " ")
	s = promRange.ReplaceAllString(s, " ")
	s = promGrouping.ReplaceAllString(s, " ")
	var names []string
	for _, tok := range promToken.FindAllString(s, -1) {
		switch {
		case tok[0] == '$', tok[0] >= '0' && tok[0] <= '9', strings.HasSuffix(tok, "("), promKeywords[strings.ToLower(tok)]:
			continue
		}
		if !slices.Contains(names, tok) {
			names = append(names, tok)
		}
	}
	slices.Sort(names)
	return names
}

func TestMetricNames(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`up{job="dezura"} == 0`, []string{"up"}},
		{`absent(up{job="dezura"})`, []string{"up"}},
		{`sum by (job, instance) (rate(a_total{reason=~"failed|x"}[10m])) / sum by (job) (rate(b_total[5m])) > 0.05`, []string{"a_total", "b_total"}},
		{`histogram_quantile(0.99, sum by (le, op) (rate(h_bucket{instance=~"$instance"}[$__rate_interval])))`, []string{"h_bucket"}},
		{`x < time() - ((time() + 18000) % 86400) - 3600 and on(job) y offset 5m`, []string{"x", "y"}},
		{`max(m{a="{}"} > 0) or vector(1e3)`, []string{"m"}},
		{`sum without (instance) (rate(c_total[1h])) unless ignoring(result) d`, []string{"c_total", "d"}},
	}
	for _, tt := range tests {
		if got := metricNames(tt.expr); !slices.Equal(got, tt.want) {
			t.Errorf("metricNames(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}
