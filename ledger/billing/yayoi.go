package billing

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// YayoiAccounts are the account names and tax categories (税区分) the
// journal for 弥生会計 uses; they must exist in the company's 弥生 data.
// The defaults are 弥生's standard names for a company that books sales
// tax-inclusive (税込経理).
type YayoiAccounts struct {
	Receivable  string // 売掛金: invoices, credit notes, payments, refunds, write-offs
	Sales       string // 売上高
	Bank        string // 普通預金: money in and out
	WriteOff    string // 支払手数料: a short payment forgiven (振込手数料差引)
	SalesTax    map[int]string
	WriteOffTax string // 課対仕入込10%: the bank charge is a taxable purchase
	NoTax       string // 対象外
}

// DefaultYayoiAccounts are 弥生会計's standard names.
var DefaultYayoiAccounts = YayoiAccounts{
	Receivable: "売掛金", Sales: "売上高", Bank: "普通預金", WriteOff: "支払手数料",
	SalesTax:    map[int]string{StandardTaxRate: "課税売上込10%", ReducedTaxRate: "課税売上込軽減8%"},
	WriteOffTax: "課対仕入込10%", NoTax: "対象外",
}

// yayoiSummaryBytes is how long a 摘要 may be in 弥生会計 (全角 32
// characters): longer ones are cut there, at a character.
const yayoiSummaryBytes = 64

// journal is one line of 弥生's import: a debit and a credit of one amount.
type journal struct {
	date                Date
	debit, debitKind    string // account and 税区分
	credit, creditKind  string
	amount              Yen
	debitTax, creditTax Yen
	summary             string
}

// ExportYayoi writes invoices, credit notes, payments, refunds and
// write-offs dated from..to as a 弥生会計 仕訳日記帳 import file (弥生
// インポート形式): Shift_JIS, CSV with CR LF, no header, 25 columns a line
// (識別フラグ 2000: a journal entry of one line):
//
//	 1 識別フラグ 2000     2 伝票No. (empty: 弥生 numbers)  3 決算 (empty)
//	 4 取引日付 yyyy/mm/dd  5 借方勘定科目  6 借方補助科目 (empty)  7 借方部門 (empty)
//	 8 借方税区分  9 借方金額  10 借方税金額  11 貸方勘定科目  12 貸方補助科目 (empty)
//	13 貸方部門 (empty)  14 貸方税区分  15 貸方金額  16 貸方税金額  17 摘要
//	18 番号 (empty)  19 期日 (empty)  20 タイプ 0  21 生成元 (empty)
//	22 仕訳メモ (empty)  23 付箋1 0  24 付箋2 0  25 調整 no
//
// An invoice is 売掛金 / 売上高 per tax rate, with the tax the invoice
// states (so the books match the qualified invoice to the yen); a credit
// note the reverse; a payment 普通預金 / 売掛金; a refund 売掛金 / 普通預金;
// a write-off 支払手数料 / 売掛金. The 摘要 names the document and the
// contractor.
func (b *Billing) ExportYayoi(ctx context.Context, w io.Writer, from, to Date, a YayoiAccounts) error {
	lines, err := b.journals(ctx, from, to, a)
	if err != nil {
		return err
	}
	tw := transform.NewWriter(w, japanese.ShiftJIS.NewEncoder())
	cw := csv.NewWriter(tw)
	cw.UseCRLF = true
	enc := japanese.ShiftJIS.NewEncoder()
	for i, j := range lines {
		row := []string{"2000", "", "", j.date.yayoi(), j.debit, "", "", j.debitKind, itoa(j.amount), taxCell(j.debitTax),
			j.credit, "", "", j.creditKind, itoa(j.amount), taxCell(j.creditTax), sjisCut(j.summary, yayoiSummaryBytes), "", "", "0", "", "", "0", "0", "no"}
		for c, cell := range row {
			if _, err := enc.String(cell); err != nil {
				return fmt.Errorf("%w: 弥生 line %d, column %d: %q", ErrUnencodable, i+1, c+1, cell)
			}
		}
		if err := cw.Write(row); err != nil {
			return exportErr(err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return exportErr(err)
	}
	if err := tw.Close(); err != nil {
		return exportErr(err)
	}
	return nil
}

func (d Date) yayoi() string { return fmt.Sprintf("%04d/%02d/%02d", d.Year, int(d.Month), d.Day) }

func taxCell(y Yen) string {
	if y == 0 {
		return ""
	}
	return strconv.FormatInt(int64(y), 10)
}

// sjisCut cuts s to at most n bytes of Shift_JIS, at a character.
func sjisCut(s string, n int) string {
	enc := japanese.ShiftJIS.NewEncoder()
	size := 0
	for i, r := range s {
		b, err := enc.String(string(r))
		if err != nil {
			return s // reported by the caller's check
		}
		if size+len(b) > n {
			return s[:i]
		}
		size += len(b)
	}
	return s
}

// journals turns the period's documents and money into journal lines,
// by date.
func (b *Billing) journals(ctx context.Context, from, to Date, a YayoiAccounts) ([]journal, error) {
	invoices, err := b.Invoices(ctx, from, to)
	if err != nil {
		return nil, err
	}
	lines, err := b.linesIssued(ctx, from, to)
	if err != nil {
		return nil, err
	}
	var out []journal
	for _, in := range invoices {
		if in.Rates == nil {
			in.Rates = TaxByRate(lines[in.ID])
		}
		what := "請求 " + in.Number
		if in.Kind == KindCredit {
			what = "返還 " + in.Number + " 対象" + in.CreditOf
		}
		for _, r := range in.Rates {
			tax := a.SalesTax[r.Rate]
			if tax == "" {
				return nil, fmt.Errorf("billing: 弥生 export: no 税区分 for %d%% (invoice %s)", r.Rate, in.Number)
			}
			j := journal{date: in.IssueDate, amount: r.Subtotal + r.Tax, summary: strings.Join([]string{what, in.ContractorID, in.Recipient}, " ")}
			j.debit, j.debitKind, j.credit, j.creditKind, j.creditTax = a.Receivable, a.NoTax, a.Sales, tax, r.Tax
			if in.Kind == KindCredit { // the reverse, in positive amounts
				j.amount, j.debit, j.debitKind, j.debitTax, j.credit, j.creditKind, j.creditTax = -j.amount, a.Sales, tax, -r.Tax, a.Receivable, a.NoTax, 0
			}
			out = append(out, j)
		}
	}
	payments, err := b.Payments(ctx, from, to)
	if err != nil {
		return nil, err
	}
	for _, p := range payments {
		out = append(out, paymentJournal(p, a))
	}
	sortJournals(out)
	return out, nil
}

func paymentJournal(p Payment, a YayoiAccounts) journal {
	j := journal{date: p.PaidOn, amount: p.Amount, debit: a.Bank, debitKind: a.NoTax, credit: a.Receivable, creditKind: a.NoTax}
	who := p.Number + " " + p.ContractorID + " " + p.Recipient
	switch p.Kind {
	case PaymentRefund:
		j.amount, j.debit, j.credit = -p.Amount, a.Receivable, a.Bank
		j.summary = "返金 " + who
		if p.CreditNote != "" {
			j.summary = "返金 " + p.CreditNote + " " + p.ContractorID + " " + p.Recipient
		}
	case PaymentWriteOff:
		j.debit, j.debitKind, j.debitTax = a.WriteOff, a.WriteOffTax, p.Amount*StandardTaxRate/(100+StandardTaxRate)
		j.summary = p.Reason + " " + who
	default:
		j.summary = "入金 " + p.Method + " " + who
	}
	return j
}

// sortJournals orders lines by date, keeping documents before money on
// the same day.
func sortJournals(js []journal) {
	sort.SliceStable(js, func(i, k int) bool { return js[i].date.Before(js[k].date) })
}
