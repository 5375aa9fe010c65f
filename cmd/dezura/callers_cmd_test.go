package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zaf/g711"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/prompts"
)

func TestCrewCmd(t *testing.T) {
	db := tempDB(t)
	ok(t, db, "contractor", "add", "--id", "ACME", "--name", "アクメ建設")
	ok(t, db, "technician", "add", "--id", "11111111111111", "--name", "一 郎", "--contractor", "ACME", "--crew-number", "12")
	ok(t, db, "technician", "add", "--id", "22222222222222", "--name", "二 郎", "--contractor", "ACME")
	ok(t, db, "crew", "set", "--technician", "22222222222222", "--number", "345")
	tests := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"set", "--technician", "22222222222222", "--number", "12"}, 1, "already"},
		{[]string{"set", "--technician", "22222222222222", "--number", "1"}, 1, "2 or 3 digits"},
		{[]string{"set", "--technician", "22222222222222"}, 2, "missing flags: --number"},
		{[]string{"set", "--technician", "99999999999999", "--number", "14"}, 1, "not registered"},
		{[]string{"fly"}, 2, "want set, remove or list"},
	}
	for _, tt := range tests {
		_, _, err := cli(t, db, append([]string{"crew"}, tt.args...)...)
		if err == nil || exitCode(err) != tt.wantCode || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("crew %v: %v (exit %d), want exit %d saying %q", tt.args, err, exitCode(err), tt.wantCode, tt.want)
		}
	}
	type crewRow struct {
		Contractor string `json:"contractor_id"`
		Number     string `json:"crew_number"`
		Technician string `json:"technician_id"`
	}
	rows := decode[[]crewRow](t, ok(t, db, "crew", "list", "--json"))
	if len(rows) != 2 || rows[0].Number != "12" || rows[1].Number != "345" || rows[1].Contractor != "ACME" {
		t.Errorf("crew list %+v", rows)
	}
	ok(t, db, "crew", "remove", "--technician", "11111111111111")
	if out := ok(t, db, "crew", "list"); strings.Contains(out, "11111111111111") || !strings.Contains(out, "345") {
		t.Errorf("crew list after remove:\n%s", out)
	}
}

func TestPhoneListShowsWhoRegistered(t *testing.T) {
	db := tempDB(t)
	ok(t, db, "contractor", "add", "--id", "ACME", "--name", "アクメ建設")
	ok(t, db, "technician", "add", "--id", "11111111111111", "--name", "一 郎", "--contractor", "ACME", "--phone", "090-1111-2222")
	st, err := ledger.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RegisterOwnPhone(t.Context(), ledger.OwnPhone{E164: "03-1111-2222", TechnicianID: "11111111111111", CallID: "c1"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	type phoneRow struct {
		E164         string `json:"e164"`
		RegisteredBy string `json:"registered_by"`
		Since        string `json:"since"`
		DisabledBy   string `json:"disabled_by"`
	}
	rows := decode[[]phoneRow](t, ok(t, db, "phone", "list", "--json"))
	if len(rows) != 2 || rows[0].RegisteredBy != "self" || rows[1].RegisteredBy != "office" || rows[0].Since == "" {
		t.Errorf("phone list %+v", rows)
	}
	// The office disables the technician's own registration.
	ok(t, db, "phone", "disable", "03-1111-2222")
	if out := ok(t, db, "phone", "list"); !strings.Contains(out, "by office") || !strings.Contains(out, "self") {
		t.Errorf("phone list:\n%s", out)
	}
}

func TestPromptsCmd(t *testing.T) {
	out := ok(t, tempDB(t), "prompts", "list")
	for _, want := range []string{"phone_register_offer", "この電話を登録すると、次回から技能者IDの入力が不要になります。", "Thank you for calling Dezura."} {
		if !strings.Contains(out, want) {
			t.Errorf("prompts list lacks %q", want)
		}
	}
	rows := decode[[]prompts.Listing](t, ok(t, tempDB(t), "prompts", "list", "--lang", "en", "--json"))
	if len(rows) == 0 || rows[0].Lang != "en" || rows[0].Text == "" {
		t.Errorf("prompts list --json: %+v", rows[:1])
	}
	if _, _, err := cli(t, tempDB(t), "prompts", "list", "--lang", "fr"); exitCode(err) != 2 {
		t.Errorf("unknown language: %v", err)
	}

	// A recorded set: every Japanese clip, as 16-bit PCM WAV.
	cat, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "ja"), 0o755))
	names, err := cat.Names("ja")
	must(err)
	for _, n := range names {
		c, err := cat.Clip("ja", n)
		must(err)
		must(os.WriteFile(filepath.Join(dir, "ja", n+".wav"), wavPCM16(g711.DecodeUlaw(c.Ulaw)), 0o644))
	}
	if out := ok(t, tempDB(t), "prompts", "check", dir); !strings.Contains(out, "every prompt is there") {
		t.Errorf("check of a good set: %s", out)
	}
	must(os.Remove(filepath.Join(dir, "ja", "goodbye.wav")))
	out, _, err = cli(t, tempDB(t), "prompts", "check", dir)
	if exitCode(err) != 1 || !strings.Contains(out, "goodbye.wav: missing (ご利用ありがとうございました。)") {
		t.Errorf("check of a set without goodbye: %v\n%s", err, out)
	}
	if _, _, err := cli(t, tempDB(t), "prompts", "check"); exitCode(err) != 2 {
		t.Errorf("check without DIR: %v", err)
	}
}

// wavPCM16 wraps little-endian 16-bit samples at 8 kHz in a WAV header.
func wavPCM16(pcm []byte) []byte {
	h := []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
	n := len(pcm)
	for i, v := range []int{36 + n, n} {
		off := []int{4, 40}[i]
		h[off], h[off+1], h[off+2], h[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	return append(h, pcm...)
}
