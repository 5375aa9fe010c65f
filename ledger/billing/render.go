package billing

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
)

// ReducedRateNote explains the ※ on reduced-rate items, as a qualified
// invoice must (消費税法第57条の4第1項第3号).
const ReducedRateNote = "※は軽減税率対象品目です。"

// Item is the line's description as printed: reduced-rate items end in ※.
func (l Line) Item() string {
	if l.TaxRate == ReducedTaxRate {
		return l.Description + " ※"
	}
	return l.Description
}

// Label names the rate's group as printed: "10%対象", "8%対象（軽減税率）".
func (r RateTotal) Label() string {
	if r.Rate == ReducedTaxRate {
		return fmt.Sprintf("%d%%対象（軽減税率）", r.Rate)
	}
	return fmt.Sprintf("%d%%対象", r.Rate)
}

// HasReducedRate reports whether any line is a reduced-rate item.
func (in Invoice) HasReducedRate() bool {
	for _, r := range in.Rates {
		if r.Rate == ReducedTaxRate {
			return true
		}
	}
	return false
}

// FormatYen formats an amount with thousands separators: 16500 -> "16,500".
func FormatYen(y Yen) string {
	s := strconv.FormatInt(int64(y), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(c)
	}
	return sb.String()
}

// Title is the document title: 請求書 (qualified invoice) or 返還請求書
// (qualified credit note).
func (in Invoice) Title() string {
	if in.Kind == KindCredit {
		return "適格返還請求書（返品・値引等）"
	}
	return "請求書（適格請求書）"
}

// WriteText writes the invoice as plain text with every item a qualified
// invoice must show (消費税法第57条の4): issuer and registration number,
// date, what was supplied, amounts and tax per rate, recipient.
func WriteText(w io.Writer, in Invoice) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s\n", in.Title())
	fmt.Fprintf(&sb, "番号        %s\n", in.Number)
	fmt.Fprintf(&sb, "発行日      %s\n", in.IssueDate)
	if in.Kind != KindCredit {
		fmt.Fprintf(&sb, "支払期限    %s\n", in.DueDate)
	}
	fmt.Fprintf(&sb, "発行者      %s\n", in.IssuerName)
	fmt.Fprintf(&sb, "登録番号    %s\n", in.IssuerRegistration)
	fmt.Fprintf(&sb, "宛先        %s（契約者 %s）\n", in.Recipient, in.ContractorID)
	fmt.Fprintf(&sb, "対象期間    %s\n", in.Period)
	if in.CreditOf != "" {
		fmt.Fprintf(&sb, "対象請求書  %s\n", in.CreditOf)
		fmt.Fprintf(&sb, "理由        %s\n", in.Note)
	}
	sb.WriteString("\n明細\n")
	for _, l := range in.Lines {
		fmt.Fprintf(&sb, "  %s  %d × %s円 = %s円（%d%%対象）\n", l.Item(), l.Quantity, FormatYen(l.UnitPrice), FormatYen(l.Amount), l.TaxRate)
	}
	sb.WriteString("\n")
	for _, r := range in.Rates {
		fmt.Fprintf(&sb, "%s  %s円  消費税 %s円\n", r.Label(), FormatYen(r.Subtotal), FormatYen(r.Tax))
	}
	if in.HasReducedRate() {
		sb.WriteString(ReducedRateNote + "\n")
	}
	fmt.Fprintf(&sb, "合計（税込） %s円\n", FormatYen(in.Total))
	if in.VoidedBy != "" {
		fmt.Fprintf(&sb, "※ 返還請求書 %s により取消済み\n", in.VoidedBy)
	}
	if in.Kind != KindCredit {
		fmt.Fprintf(&sb, "入金済       %s円\n残高         %s円\n", FormatYen(in.Paid), FormatYen(in.Balance()))
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

var htmlInvoice = template.Must(template.New("invoice").Funcs(template.FuncMap{"yen": FormatYen}).Parse(`<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>{{.Title}} {{.Number}}</title>
<style>
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "Hiragino Mincho ProN", "Yu Mincho", "Noto Serif JP", serif; font-size: 10.5pt; color: #000; }
h1 { text-align: center; font-size: 18pt; letter-spacing: 0.3em; margin: 0 0 8mm; }
.head { display: flex; justify-content: space-between; }
.to { font-size: 13pt; border-bottom: 1px solid #000; padding-bottom: 1mm; min-width: 80mm; }
table { border-collapse: collapse; width: 100%; margin-top: 6mm; }
th, td { border: 1px solid #000; padding: 1.5mm 2mm; }
th { background: #eee; font-weight: normal; }
td.n { text-align: right; white-space: nowrap; }
.total { font-size: 14pt; margin-top: 6mm; }
.void { color: #b00; font-weight: bold; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<div class="head">
<div>
<p class="to">{{.Recipient}}</p>
<p>契約者番号 {{.ContractorID}}</p>
<p>対象期間 {{.Period}}</p>
{{if .CreditOf}}<p>対象請求書 {{.CreditOf}}<br>理由 {{.Note}}</p>{{end}}
</div>
<div>
<p>番号 {{.Number}}<br>発行日 {{.IssueDate}}{{if ne .Kind.String "credit"}}<br>お支払期限 {{.DueDate}}{{end}}</p>
<p>{{.IssuerName}}<br>登録番号 {{.IssuerRegistration}}</p>
</div>
</div>
<p class="total">{{if eq .Kind.String "credit"}}返還額{{else}}ご請求金額{{end}}（税込） {{yen .Total}}円</p>
<table>
<tr><th>品目</th><th>数量</th><th>単価</th><th>金額（税抜）</th><th>税率</th></tr>
{{range .Lines}}<tr><td>{{.Item}}</td><td class="n">{{.Quantity}}</td><td class="n">{{yen .UnitPrice}}円</td><td class="n">{{yen .Amount}}円</td><td class="n">{{.TaxRate}}%</td></tr>
{{end}}</table>
<table>
<tr><th>税率区分</th><th>対象金額（税抜）</th><th>消費税額</th></tr>
{{range .Rates}}<tr><td>{{.Label}}</td><td class="n">{{yen .Subtotal}}円</td><td class="n">{{yen .Tax}}円</td></tr>
{{end}}<tr><td>合計</td><td class="n">{{yen .Subtotal}}円</td><td class="n">{{yen .Tax}}円</td></tr>
</table>
{{if .HasReducedRate}}<p>※は軽減税率対象品目です。</p>{{end}}
{{if .VoidedBy}}<p class="void">この請求書は返還請求書 {{.VoidedBy}} により取り消されました。</p>{{end}}
</body>
</html>
`))

// WriteHTML writes the invoice as a printable A4 page in Japanese.
func WriteHTML(w io.Writer, in Invoice) error {
	if err := htmlInvoice.Execute(w, in); err != nil {
		return fmt.Errorf("billing: render invoice %s: %w", in.Number, err)
	}
	return nil
}
