package billing

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// Encoding is the character encoding of an export.
type Encoding uint8

const (
	EncodingUnknown Encoding = iota
	EncodingUTF8
	EncodingShiftJIS
)

// String names the encoding as the CLI flag does.
func (e Encoding) String() string {
	switch e {
	case EncodingUTF8:
		return "utf-8"
	case EncodingShiftJIS:
		return "sjis"
	}
	return "unknown"
}

// ParseEncoding accepts utf-8 (utf8) and sjis (shift_jis).
func ParseEncoding(s string) (Encoding, error) {
	switch strings.ToLower(s) {
	case "utf-8", "utf8":
		return EncodingUTF8, nil
	case "sjis", "shift_jis", "shift-jis", "cp932":
		return EncodingShiftJIS, nil
	}
	return EncodingUnknown, fmt.Errorf("billing: unknown encoding %q (want utf-8 or sjis)", s)
}

// ExportHeader is the first row of the accounting CSV.
var ExportHeader = []string{"record", "number", "date", "contractor_id", "recipient", "kind", "period_start", "period_end",
	"subtotal", "tax", "total", "rates", "refers_to", "method", "reference", "issuer_registration"}

// Neutralize defuses a text cell a spreadsheet would run as a formula (one
// starting with = + - @, tab or CR) by prefixing a single quote (OWASP CSV
// injection). Amount columns are written by the exporter as plain integers
// and are not passed through it, so negative credit-note amounts stay numbers.
func Neutralize(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// utf8BOM starts a UTF-8 export: without it Japanese Excel reads the file
// as Shift_JIS and garbles every kana.
const utf8BOM = "\ufeff"

// Export writes invoices, credit notes (issued from..to) and payments,
// refunds and write-offs (dated from..to) as CSV, one row each, in enc,
// the way Japanese Excel opens it: UTF-8 with a byte-order mark, or
// Shift_JIS; CR LF line ends. Every row names the contractor.
func (b *Billing) Export(ctx context.Context, w io.Writer, from, to Date, enc Encoding) error {
	invoices, err := b.Invoices(ctx, from, to)
	if err != nil {
		return err
	}
	payments, err := b.Payments(ctx, from, to)
	if err != nil {
		return err
	}
	var out io.Writer = w
	var tw *transform.Writer
	switch enc {
	case EncodingUTF8:
		if _, err := io.WriteString(w, utf8BOM); err != nil {
			return exportErr(err)
		}
	case EncodingShiftJIS:
		tw = transform.NewWriter(w, japanese.ShiftJIS.NewEncoder())
		out = tw
	default:
		return fmt.Errorf("billing: export: encoding %s", enc)
	}
	cw := csv.NewWriter(out)
	cw.UseCRLF = true
	lines, err := b.linesIssued(ctx, from, to)
	if err != nil {
		return err
	}
	rows := [][]string{ExportHeader}
	for _, in := range invoices {
		var rates []string
		if in.Rates == nil { // issued before rates were stored
			in.Rates = TaxByRate(lines[in.ID])
		}
		for _, r := range in.Rates {
			rates = append(rates, fmt.Sprintf("%d%%:%d:%d", r.Rate, r.Subtotal, r.Tax))
		}
		record, refers := "invoice", in.VoidedBy
		if in.Kind == KindCredit {
			record, refers = "credit_note", in.CreditOf
		}
		rows = append(rows, []string{record, in.Number, in.IssueDate.String(), Neutralize(in.ContractorID), Neutralize(in.Recipient),
			in.Kind.String(), in.Period.Start.String(), in.Period.Last().String(),
			itoa(in.Subtotal), itoa(in.Tax), itoa(in.Total), strings.Join(rates, " "), refers, "", Neutralize(in.Note), in.IssuerRegistration})
	}
	for _, p := range payments {
		record, refers, ref := "payment", p.Number, p.Reference
		switch p.Kind {
		case PaymentRefund:
			record = "refund"
			if p.CreditNote != "" {
				refers = p.CreditNote
			}
		case PaymentWriteOff:
			record, ref = "write_off", p.Reason
		}
		rows = append(rows, []string{record, p.Number, p.PaidOn.String(), Neutralize(p.ContractorID), Neutralize(p.Recipient), "", "", "",
			"", "", itoa(p.Amount), "", refers, Neutralize(p.Method), Neutralize(ref), ""})
	}
	if enc == EncodingShiftJIS {
		if err := checkShiftJIS(rows); err != nil {
			return err
		}
	}
	for _, r := range rows {
		if err := cw.Write(r); err != nil {
			return exportErr(err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return exportErr(err)
	}
	if tw != nil {
		if err := tw.Close(); err != nil {
			return exportErr(err)
		}
	}
	return nil
}

// linesIssued loads the lines of every invoice issued from..to in one query,
// keyed by invoice ID (amount and rate only: what the export needs).
func (b *Billing) linesIssued(ctx context.Context, from, to Date) (map[int64][]Line, error) {
	hi := to.String()
	if hi == "" {
		hi = "9999-12-31"
	}
	rows, err := b.db.QueryContext(ctx, b.q(`SELECT l.invoice_id, l.amount, l.tax_rate FROM billing_invoice_lines l
		JOIN billing_invoices i ON i.id = l.invoice_id WHERE i.issue_date >= ? AND i.issue_date <= ?`), from.String(), hi)
	if err != nil {
		return nil, fmt.Errorf("billing: export lines: %w", err)
	}
	defer rows.Close()
	out := map[int64][]Line{}
	for rows.Next() {
		var id, amount int64
		var rate int
		if err := rows.Scan(&id, &amount, &rate); err != nil {
			return nil, fmt.Errorf("billing: export lines: %w", err)
		}
		out[id] = append(out[id], Line{Amount: Yen(amount), TaxRate: rate})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: export lines: %w", err)
	}
	return out, nil
}

func exportErr(err error) error { return fmt.Errorf("billing: export: %w", err) }

// checkShiftJIS reports the first cell Shift_JIS cannot represent, so the
// user learns which record to fix instead of getting a half-written file.
func checkShiftJIS(rows [][]string) error {
	enc := japanese.ShiftJIS.NewEncoder()
	for i, r := range rows {
		for j, cell := range r {
			if _, err := enc.String(cell); err != nil {
				return fmt.Errorf("%w: row %d, column %s: %q", ErrUnencodable, i+1, ExportHeader[j], cell)
			}
		}
	}
	return nil
}

func itoa(y Yen) string { return strconv.FormatInt(int64(y), 10) }
