package ledger

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// RowError is one bad line of an imported file.
type RowError struct {
	Line   int // 1-based line in the file
	Reason string
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// ImportErrors is every bad line of a file; a file with any changes nothing.
type ImportErrors []RowError

func (e ImportErrors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d bad row(s), nothing imported:", len(e))
	for _, r := range e {
		b.WriteString("\n  ")
		b.WriteString(r.Error())
	}
	return b.String()
}

// technicianColumns maps accepted header names to fields.
var technicianColumns = map[string]string{
	"technician_id": "id", "id": "id", "技能者id": "id",
	"name": "name", "氏名": "name", "技能者名": "name",
	"contractor_id": "contractor", "contractor": "contractor", "所属": "contractor", "事業者": "contractor",
	"language": "language", "言語": "language",
	"security_code": "code", "セキュリティコード": "code",
	"phone": "phone", "電話番号": "phone",
}

var (
	digits14 = regexp.MustCompile(`^[0-9]{14}$`)
	digits4  = regexp.MustCompile(`^[0-9]{4}$`)
)

// DecodeJapaneseText returns data as UTF-8: UTF-8 as is (without a BOM),
// anything that is not valid UTF-8 decoded as Shift_JIS (what Japanese
// office software still writes).
func DecodeJapaneseText(data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if utf8.Valid(data) {
		return data, nil
	}
	out, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
	if err != nil {
		return nil, fmt.Errorf("ledger: file is neither UTF-8 nor Shift_JIS: %w", err)
	}
	return out, nil
}

// ParseTechnicianCSV reads a technician import file (UTF-8 or Shift_JIS,
// comma-separated, header row first). Columns, in any order, English or
// Japanese: technician_id (技能者ID, 14 digits, required), name (氏名,
// required), contractor_id (所属), language (言語: ja or en),
// security_code (セキュリティコード, 4 digits), phone (電話番号).
// It checks every row on its own and against the others in the file and
// returns either rows or ImportErrors naming every bad line; checks against
// the database are the caller's.
func ParseTechnicianCSV(r io.Reader) ([]TechnicianImport, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("ledger: read CSV: %w", err)
	}
	data, err := DecodeJapaneseText(raw)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, ImportErrors{{Line: 1, Reason: "empty file: want a header row"}}
	}
	if err != nil {
		return nil, ImportErrors{{Line: 1, Reason: err.Error()}}
	}
	col := map[string]int{}
	var errs ImportErrors
	for i, h := range header {
		key := strings.ToLower(strings.TrimSpace(h))
		f, ok := technicianColumns[key]
		if !ok {
			errs = append(errs, RowError{1, fmt.Sprintf("unknown column %q (want technician_id, name, contractor_id, language, security_code, phone)", h)})
			continue
		}
		if _, dup := col[f]; dup {
			errs = append(errs, RowError{1, fmt.Sprintf("column %q given twice", h)})
		}
		col[f] = i
	}
	for _, f := range []string{"id", "name"} {
		if _, ok := col[f]; !ok {
			errs = append(errs, RowError{1, fmt.Sprintf("missing column %s", map[string]string{"id": "technician_id", "name": "name"}[f])})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var rows []TechnicianImport
	seenID := map[string]int{}
	seenPhone := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("ledger: read CSV: %w", err)
			}
			errs = append(errs, RowError{pe.Line, pe.Err.Error()})
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		get := func(f string) string {
			i, ok := col[f]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		row := TechnicianImport{
			Technician: Technician{
				ID: get("id"), Name: get("name"), ContractorID: get("contractor"), Language: strings.ToLower(get("language")),
			},
			SecurityCode: get("code"),
			Phone:        get("phone"),
			Line:         line,
		}
		var why []string
		switch {
		case !digits14.MatchString(row.ID):
			why = append(why, fmt.Sprintf("technician ID %q: want 14 digits", row.ID))
		case seenID[row.ID] != 0:
			why = append(why, fmt.Sprintf("technician %s also on line %d", row.ID, seenID[row.ID]))
		default:
			seenID[row.ID] = line
		}
		if row.Name == "" {
			why = append(why, "name is empty")
		}
		if row.Language != "" && row.Language != "ja" && row.Language != "en" {
			why = append(why, fmt.Sprintf("language %q: want ja or en", row.Language))
		}
		if row.SecurityCode != "" && !digits4.MatchString(row.SecurityCode) {
			why = append(why, "security code: want 4 digits")
		}
		if row.Phone != "" {
			p, err := NormalizePhone(row.Phone)
			switch {
			case err != nil:
				why = append(why, fmt.Sprintf("phone %q: not a phone number", row.Phone))
			case seenPhone[p] != 0:
				why = append(why, fmt.Sprintf("phone also on line %d", seenPhone[p]))
			default:
				seenPhone[p] = line
				row.Phone = p
			}
		}
		if len(why) > 0 {
			errs = append(errs, RowError{line, strings.Join(why, "; ")})
			continue
		}
		rows = append(rows, row)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return rows, nil
}
