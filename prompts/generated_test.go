package prompts

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/dezura/dezura/prompts/internal/synth"
	"github.com/dezura/dezura/prompts/internal/table"
)

// TestClipsMatchTables fails when a text table (or the generator's settings)
// changed without `go generate ./prompts`, or a clip was edited by hand: the
// manifest the generator wrote records, for each clip, the fingerprint of its
// input and the checksum of its bytes.
func TestClipsMatchTables(t *testing.T) {
	f, err := os.Open("clips/manifest.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type entry struct{ input, sum string }
	manifest := map[string]entry{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 4 {
			t.Fatalf("manifest line %q", sc.Text())
		}
		manifest[f[0]+"/"+f[1]] = entry{f[2], f[3]}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for lang := range synth.Languages {
		src, err := embedded.ReadFile("text/" + lang + ".tsv")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := table.Parse(strings.NewReader(string(src)))
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			n++
			key := lang + "/" + row.Name
			m, ok := manifest[key]
			if !ok {
				t.Errorf("%s: not generated; run go generate ./prompts", key)
				continue
			}
			if m.input != synth.Fingerprint(lang, row) {
				t.Errorf("%s: table row changed since the clip was generated; run go generate ./prompts", key)
			}
			ul, err := embedded.ReadFile("clips/" + key + ".ul")
			if err != nil {
				t.Fatal(err)
			}
			if synth.ClipSum(ul) != m.sum {
				t.Errorf("%s: clip differs from what the generator wrote", key)
			}
		}
	}
	if n != len(manifest) {
		t.Errorf("manifest has %d clips, tables %d rows", len(manifest), n)
	}
}
