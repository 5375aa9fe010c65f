package ledger

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// ExportColumns are the columns of a CCUS export, in order: what CCUS asks
// for when work history is entered directly (work date, technician ID,
// site ID, business ID, trade, role, in and out times), then dezura's
// own, then the feed's: what to do with the row, the entry's ID (the
// reader's key) and its version.
var ExportColumns = []string{
	"work_date",        // 就業日 YYYY-MM-DD
	"technician_id",    // 技能者ID
	"ccus_site_id",     // 現場ID
	"ccus_business_id", // 事業者ID
	"trade",            // 職種
	"role",             // 立場
	"check_in",         // 入場時刻, YYYY-MM-DD HH:MM Asia/Tokyo
	"check_out",        // 退場時刻, YYYY-MM-DD HH:MM Asia/Tokyo (a night shift ends the next day)
	"site_code",        // dezura site code
	"technician_name",
	"status",    // open, closed, needs_review (only with ExportOptions.IncludeReview), cancelled
	"operation", // new, changed, cancelled (ExportOp)
	"entry_id",  // dezura's entry ID: the same entry in every file
	"version",   // Entry.Version: a reader keeps the highest it has seen
}

const exportTimeLayout = "2006-01-02 15:04"

func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Tokyo).Format(exportTimeLayout)
}

// Record returns the row's cells in ExportColumns order.
func (r ExportRow) Record() []string {
	return []string{r.WorkDate, r.TechnicianID, r.CCUSSiteID, r.CCUSBusinessID, r.Trade, r.Role,
		exportTime(r.CheckIn), exportTime(r.CheckOut), r.SiteCode, r.TechnicianName, r.Status.String(),
		r.Op.String(), strconv.FormatInt(r.ID, 10), strconv.FormatInt(r.Version, 10)}
}

// NeutralizeCell keeps a spreadsheet from running a cell as a formula: a
// cell starting with = + - @ (or tab or carriage return) gets a leading '.
func NeutralizeCell(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

// ExportWriter writes CCUS export rows as CSV or JSON Lines.
type ExportWriter struct {
	enc    io.WriteCloser // Shift_JIS encoder, nil for UTF-8
	csv    *csv.Writer
	json   *json.Encoder
	header bool
}

// NewExportWriter returns a writer for format "csv" or "jsonl" in encoding
// "utf-8" or "sjis" (Shift_JIS; characters it lacks become '?').
func NewExportWriter(w io.Writer, format, enc string) (*ExportWriter, error) {
	ew := &ExportWriter{}
	switch enc {
	case "", "utf-8", "utf8":
	case "sjis", "shift_jis", "shift-jis", "cp932":
		tw := transform.NewWriter(w, encoding.ReplaceUnsupported(japanese.ShiftJIS.NewEncoder()))
		ew.enc, w = tw, tw
	default:
		return nil, fmt.Errorf("ledger: export encoding %q: want utf-8 or sjis", enc)
	}
	switch format {
	case "csv":
		ew.csv = csv.NewWriter(w)
		ew.csv.UseCRLF = true // what Excel and Japanese office software expect
	case "jsonl":
		ew.json = json.NewEncoder(w)
		ew.json.SetEscapeHTML(false)
	default:
		return nil, fmt.Errorf("ledger: export format %q: want csv or jsonl", format)
	}
	return ew, nil
}

// Write writes one row (the CSV header before the first).
func (ew *ExportWriter) Write(r ExportRow) error {
	if ew.csv != nil {
		if !ew.header {
			ew.header = true
			if err := ew.csv.Write(ExportColumns); err != nil {
				return err
			}
		}
		rec := r.Record()
		for i := range rec {
			rec[i] = NeutralizeCell(rec[i])
		}
		return ew.csv.Write(rec)
	}
	rec := r.Record()
	return ew.json.Encode(exportJSON{rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6], rec[7], rec[8], rec[9], rec[10],
		rec[11], r.ID, r.Version})
}

// exportJSON is one JSON Lines row, keys in ExportColumns order.
type exportJSON struct {
	WorkDate       string `json:"work_date"`
	TechnicianID   string `json:"technician_id"`
	CCUSSiteID     string `json:"ccus_site_id"`
	CCUSBusinessID string `json:"ccus_business_id"`
	Trade          string `json:"trade"`
	Role           string `json:"role"`
	CheckIn        string `json:"check_in"`
	CheckOut       string `json:"check_out"`
	SiteCode       string `json:"site_code"`
	TechnicianName string `json:"technician_name"`
	Status         string `json:"status"`
	Operation      string `json:"operation"`
	EntryID        int64  `json:"entry_id"`
	Version        int64  `json:"version"`
}

// Flush writes the CSV header if no row was written, and flushes.
func (ew *ExportWriter) Flush() error {
	if ew.csv == nil {
		return ew.closeEnc()
	}
	if !ew.header {
		ew.header = true
		if err := ew.csv.Write(ExportColumns); err != nil {
			return err
		}
	}
	ew.csv.Flush()
	if err := ew.csv.Error(); err != nil {
		return err
	}
	return ew.closeEnc()
}

func (ew *ExportWriter) closeEnc() error {
	if ew.enc == nil {
		return nil
	}
	err := ew.enc.Close()
	ew.enc = nil
	return err
}
