package ledger

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
)

func TestNeutralizeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"=1+1", "'=1+1"},
		{"+81", "'+81"},
		{"-3", "'-3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"出面", "出面"},
		{"2026-11-27", "2026-11-27"},
	}
	for _, tt := range tests {
		if got := NeutralizeCell(tt.in); got != tt.want {
			t.Errorf("NeutralizeCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func exportRow() ExportRow {
	in := time.Date(2026, 11, 27, 8, 0, 0, 0, Tokyo)
	return ExportRow{
		Entry: Entry{ID: 1, WorkDate: "2026-11-27", TechnicianID: "12345678901234", SiteCode: "1234",
			CheckIn: in, CheckOut: in.Add(17 * time.Hour), Status: EntryStatusClosed, Trade: "とび工", Role: "職長", Version: 3},
		Op: ExportOpChanged, CCUSSiteID: "00000000001234", CCUSBusinessID: "000000000001", TechnicianName: "=HYPERLINK(\"x\")",
	}
}

func TestExportCSVShiftJISRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewExportWriter(&buf, "csv", "sjis")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(exportRow()); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	utf, err := japanese.ShiftJIS.NewDecoder().Bytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(utf)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || strings.Join(recs[0], ",") != strings.Join(ExportColumns, ",") {
		t.Fatalf("records = %q", recs)
	}
	want := []string{"2026-11-27", "12345678901234", "00000000001234", "000000000001", "とび工", "職長",
		"2026-11-27 08:00", "2026-11-28 01:00", "1234", "'=HYPERLINK(\"x\")", "closed", "changed", "1", "3"}
	if strings.Join(recs[1], "|") != strings.Join(want, "|") {
		t.Errorf("row = %q\nwant  %q", recs[1], want)
	}
	if !bytes.Contains(buf.Bytes(), []byte("\r\n")) {
		t.Error("CSV lines do not end in CRLF")
	}
}

func TestExportJSONL(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewExportWriter(&buf, "jsonl", "utf-8")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := w.Write(exportRow()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	if m["trade"] != "とび工" || m["check_out"] != "2026-11-28 01:00" || m["technician_name"] != "=HYPERLINK(\"x\")" ||
		m["operation"] != "changed" || m["entry_id"] != 1.0 || m["version"] != 3.0 {
		t.Errorf("row = %v", m)
	}
	if len(m) != len(ExportColumns) {
		t.Errorf("%d keys, want one per column (%d)", len(m), len(ExportColumns))
	}
	for _, bad := range [][2]string{{"xml", "utf-8"}, {"csv", "latin1"}} {
		if _, err := NewExportWriter(&buf, bad[0], bad[1]); err == nil {
			t.Errorf("NewExportWriter(%q, %q): no error", bad[0], bad[1])
		}
	}
}
