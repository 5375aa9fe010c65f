package deploy

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// unitFile is a systemd unit: section -> key -> values in order (a key
// may be given more than once).
type unitFile map[string]map[string][]string

// readUnit parses a unit file: [Section] headers, Key=Value lines, #
// comments. The unit has no line continuations; one fails the test.
func readUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case strings.HasSuffix(line, `\`):
			t.Fatalf("%s:%d: a continued line; this reader does not join them", path, n)
		case line[0] == '[' && line[len(line)-1] == ']':
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: %q is not Key=Value in a section", path, n, line)
			}
			k = strings.TrimSpace(k)
			u[section][k] = append(u[section][k], strings.TrimSpace(v))
		}
	}
	return u
}

// get is the last value of a key (systemd's rule for single-value keys).
func (u unitFile) get(section, key string) (string, bool) {
	vs := u[section][key]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

func (u unitFile) must(t *testing.T, section, key string) string {
	t.Helper()
	v, ok := u.get(section, key)
	if !ok {
		t.Fatalf("the unit has no [%s] %s", section, key)
	}
	return v
}

// readEnvFile parses an EnvironmentFile: NAME=value lines, # comments,
// values optionally in double quotes.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !envName.MatchString(k) {
			t.Fatalf("%s:%d: %q is not NAME=value", path, n+1, line)
		}
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		env[k] = v
	}
	return env
}

var (
	envName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	braceVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
)

// expandExecStart turns an ExecStart line into argv as systemd does for
// this unit's forms: a word that is "$NAME" alone becomes the variable's
// value split at whitespace (none if empty); "${NAME}" anywhere in a word
// is replaced by the value, unsplit. Quotes and other $ forms are not
// used by the unit; the test fails if they appear, rather than guess.
func expandExecStart(t *testing.T, line string, env map[string]string) []string {
	t.Helper()
	if strings.ContainsAny(line, `"'\`) {
		t.Fatalf("ExecStart %q uses quoting this test does not expand", line)
	}
	var argv []string
	for _, w := range strings.Fields(line) {
		if name, ok := strings.CutPrefix(w, "$"); ok && envName.MatchString(name) {
			argv = append(argv, strings.Fields(env[name])...)
			continue
		}
		w = braceVar.ReplaceAllStringFunc(w, func(m string) string { return env[m[2:len(m)-1]] })
		if strings.Contains(w, "$") {
			t.Fatalf("ExecStart word %q: a $ form this test does not expand", w)
		}
		argv = append(argv, w)
	}
	return argv
}

// flagValue is the last value of --name in a flag list ("--name V" or
// "--name=V"), or def.
func flagValue(flags []string, name, def string) string {
	v := def
	for i, f := range flags {
		if val, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			v = val
		} else if f == "--"+name && i+1 < len(flags) {
			v = flags[i+1]
		}
	}
	return v
}

// TestExpandExecStart: the expansion the service test relies on, on the
// forms systemd documents.
func TestExpandExecStart(t *testing.T) {
	env := map[string]string{"FLAGS": "--a 1  --b=2", "EMPTY": "", "FILE": "/x y"}
	tests := []struct {
		line string
		want string
	}{
		{"/bin/d serve $FLAGS", "/bin/d|serve|--a|1|--b=2"},
		{"/bin/d $EMPTY serve", "/bin/d|serve"},
		{"/bin/d --f=${FILE} --e=${EMPTY}", "/bin/d|--f=/x y|--e="},
		{"/bin/d $UNSET", "/bin/d"},
	}
	for _, tt := range tests {
		if got := strings.Join(expandExecStart(t, tt.line, env), "|"); got != tt.want {
			t.Errorf("%q -> %q, want %q", tt.line, got, tt.want)
		}
	}
}
