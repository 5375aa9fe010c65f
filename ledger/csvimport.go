package ledger

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
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
// else decoded as Shift_JIS (what Japanese office software still writes).
// Bytes that are neither become U+FFFD, which CheckText refuses, so a
// damaged line is reported rather than imported as garbage: a file that
// is mostly UTF-8 with a few bad bytes is kept as UTF-8, since decoding
// it as Shift_JIS would turn every Japanese character into another.
func DecodeJapaneseText(data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if utf8.Valid(data) {
		return data, nil
	}
	if mostlyUTF8(data) {
		return bytes.ToValidUTF8(data, []byte(string(utf8.RuneError))), nil
	}
	out, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
	if err != nil {
		return nil, fmt.Errorf("ledger: file is neither UTF-8 nor Shift_JIS: %w", err)
	}
	return out, nil
}

// mostlyUTF8 reports whether data has more well-formed multi-byte UTF-8
// characters than bytes that are not UTF-8. Shift_JIS text seldom forms
// UTF-8 sequences by chance.
func mostlyUTF8(data []byte) bool {
	good, bad := 0, 0
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		switch {
		case r == utf8.RuneError && n == 1:
			bad++
		case n > 1:
			good++
		}
		data = data[n:]
	}
	return good > bad
}

// ParseTechnicianCSV reads a technician import file (UTF-8 or Shift_JIS,
// comma-separated, header row first). Columns, in any order, English or
// Japanese: technician_id (技能者ID, 14 digits, required), name (氏名,
// required), contractor_id (所属), language (言語: ja or en),
// security_code (セキュリティコード, 4 digits), phone (電話番号).
// It checks every row on its own and against the others in the file
// (ValidateTechnicianRow) and returns either rows or ImportErrors naming
// every bad line. ReadTechnicianImport also checks the database.
func ParseTechnicianCSV(r io.Reader) ([]TechnicianImport, error) {
	return readTechnicianImport(r, func(rows []TechnicianImport) (map[int][]string, error) {
		return technicianRowProblems(rows), nil
	})
}

// ReadTechnicianImport is ParseTechnicianCSV with the database's checks
// (CheckTechnicianImport) in the same pass: one report names every bad
// line of the file, whatever is wrong with it.
func ReadTechnicianImport(ctx context.Context, reg ImportRegistry, r io.Reader) ([]TechnicianImport, error) {
	return readTechnicianImport(r, func(rows []TechnicianImport) (map[int][]string, error) {
		return technicianImportProblems(ctx, reg, rows)
	})
}

// readTechnicianImport reads the file's rows, asks check what is wrong
// with them (reasons by line), and returns the rows or every bad line.
func readTechnicianImport(r io.Reader, check func([]TechnicianImport) (map[int][]string, error)) ([]TechnicianImport, error) {
	rows, errs, err := readTechnicianCSV(r)
	if err != nil {
		return nil, err
	}
	why, err := check(rows)
	if err != nil {
		return nil, err
	}
	for line, reasons := range why {
		errs = append(errs, RowError{line, strings.Join(reasons, "; ")})
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b RowError) int { return a.Line - b.Line })
		return nil, errs
	}
	for i := range rows {
		if rows[i].Phone != "" {
			rows[i].Phone, _ = NormalizePhone(rows[i].Phone) // checked above
		}
	}
	return rows, nil
}

// readTechnicianCSV maps the file's cells to rows, checking only the
// header and the CSV syntax: a syntax error is a RowError; an error in
// the header makes the file unreadable (errs with no rows).
func readTechnicianCSV(r io.Reader) ([]TechnicianImport, ImportErrors, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: read CSV: %w", err)
	}
	data, err := DecodeJapaneseText(raw)
	if err != nil {
		return nil, nil, err
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	col, errs := readTechnicianHeader(cr)
	if len(errs) > 0 {
		return nil, errs, errs
	}
	var rows []TechnicianImport
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, nil, fmt.Errorf("ledger: read CSV: %w", err)
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
		rows = append(rows, TechnicianImport{
			Technician: Technician{
				ID: get("id"), Name: get("name"), ContractorID: get("contractor"), Language: strings.ToLower(get("language")),
			},
			SecurityCode: get("code"),
			Phone:        get("phone"),
			Line:         line,
		})
	}
	return rows, errs, nil
}

// readTechnicianHeader reads the header row: column field -> index.
func readTechnicianHeader(cr *csv.Reader) (map[string]int, ImportErrors) {
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
	return col, errs
}
