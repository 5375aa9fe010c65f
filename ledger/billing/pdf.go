package billing

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// PDFDocument is one invoice or credit note to print: the invoice, the
// issuer settings it was issued under, and whether this copy is a reprint
// (再発行: an earlier copy was handed out).
type PDFDocument struct {
	Invoice Invoice
	Issuer  IssuerSettings
	Reissue bool
}

// PDFReport says what WritePDF wrote.
type PDFReport struct {
	Pages int
	// Missing lists characters the font cannot draw; each was printed as
	// 〓 so that the reader sees something is missing.
	Missing []rune
}

// Page geometry in millimetres: A4 with 15 mm margins.
const (
	pageW, pageH = 210.0, 297.0
	margin       = 15.0
	contentW     = pageW - 2*margin
)

// WritePDF writes the documents as one A4 PDF, each starting on a page of
// its own, in Japanese, with the font's glyphs embedded. An invoice shows
// every item a qualified invoice must (消費税法第57条の4第1項): the issuer
// and its registration number, the date, what was supplied with ※ on
// reduced-rate items, the amounts and tax per rate, and the recipient; and
// 「下記のとおりご請求申し上げます。」, the amount due, the due date and the
// account to pay into (振込先). A credit note (適格返還請求書) shows the
// invoice it credits and its date, the amounts and tax taken back per
// rate, and the reason. A reprint is marked 再発行.
func WritePDF(w io.Writer, font *Font, docs ...PDFDocument) (PDFReport, error) {
	if len(docs) == 0 {
		return PDFReport{}, fmt.Errorf("billing: PDF: no document to write")
	}
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(true, margin)
	p.AddUTF8FontFromBytes("ipaex", "", font.ttf)
	// Dated by the documents, not the clock: the same invoice prints to
	// the same bytes.
	first := docs[0].Invoice
	p.SetCreationDate(first.IssueDate.Time())
	p.SetModificationDate(first.IssueDate.Time())
	p.SetCreator("dezura", false)
	p.SetLang("ja")
	pw := &pdfWriter{p: p, g: &glyphCheck{font: font, missing: map[rune]bool{}}}
	if len(docs) == 1 {
		p.SetTitle(pw.g.text(first.Title()+" "+first.Number), true)
		p.SetAuthor(pw.g.text(docs[0].Issuer.Name), true)
	}
	for _, d := range docs {
		pw.document(d)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return PDFReport{}, fmt.Errorf("billing: PDF: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return PDFReport{}, fmt.Errorf("billing: PDF: %w", err)
	}
	return PDFReport{Pages: p.PageNo(), Missing: pw.g.runes()}, nil
}

// pdfWriter draws documents; every string passes the glyph check first.
type pdfWriter struct {
	p *fpdf.Fpdf
	g *glyphCheck
}

func (w *pdfWriter) font(size float64) { w.p.SetFont("ipaex", "", size) }

// text draws s at x with its baseline at y.
func (w *pdfWriter) text(x, y float64, s string) { w.p.Text(x, y, w.g.text(s)) }

// right draws s ending at x.
func (w *pdfWriter) right(x, y float64, s string) {
	s = w.g.text(s)
	w.p.Text(x-w.p.GetStringWidth(s), y, s)
}

// fit breaks s into lines no wider than width at size, shrinking the
// size down to minSize first so that a long name stays on one line if it
// can; it never cuts text off.
func (w *pdfWriter) fit(s string, width, size, minSize float64) ([]string, float64) {
	s = w.g.text(s)
	for sz := size; sz >= minSize; sz -= 0.5 {
		w.font(sz)
		if w.p.GetStringWidth(s) <= width {
			return []string{s}, sz
		}
	}
	w.font(minSize)
	return w.wrap(s, width), minSize
}

// wrap breaks already checked text into lines no wider than width at the
// current size, between any two characters (Japanese has no spaces) and
// never before closing punctuation (行頭禁則).
func (w *pdfWriter) wrap(s string, width float64) []string {
	var lines []string
	var cur []rune
	for _, r := range s {
		next := append(cur, r)
		if len(cur) > 0 && w.p.GetStringWidth(string(next)) > width && !strings.ContainsRune("、。，．）」』】〕・ー", r) {
			lines = append(lines, string(cur))
			cur = []rune{r}
			continue
		}
		cur = next
	}
	return append(lines, string(cur))
}

// JapaneseDate writes a date as invoices show it: 2025年3月1日.
func JapaneseDate(d Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d年%d月%d日", d.Year, int(d.Month), d.Day)
}

func (w *pdfWriter) document(d PDFDocument) {
	in := d.Invoice
	w.p.AddPage()
	w.p.SetTextColor(0, 0, 0)
	if d.Reissue {
		w.stamp("再発行")
	}
	w.font(20)
	title := "請求書"
	if in.Kind == KindCredit {
		title = "適格返還請求書"
	}
	tw := w.p.GetStringWidth(title)
	w.text((pageW-tw)/2, 26, title)
	w.font(9)
	sub := "（適格請求書）"
	if in.Kind == KindCredit {
		sub = "（返品・値引等の返還インボイス）"
	}
	w.text((pageW-w.p.GetStringWidth(sub))/2, 32, sub)
	y := max(w.recipient(in, 44), w.issuer(in, d.Issuer, 44)) + 8
	y = w.amount(in, y)
	y = w.items(in, y)
	y = w.rates(in, y)
	w.notes(in, d.Issuer, y)
}

// stamp draws a red framed mark in the top right corner.
func (w *pdfWriter) stamp(s string) {
	w.p.SetDrawColor(200, 0, 0)
	w.p.SetTextColor(200, 0, 0)
	w.p.SetLineWidth(0.6)
	w.p.Rect(pageW-margin-32, margin-3, 32, 11, "D")
	w.font(14)
	w.text(pageW-margin-16-w.p.GetStringWidth(s)/2, margin+5, s)
	w.p.SetDrawColor(0, 0, 0)
	w.p.SetTextColor(0, 0, 0)
	w.p.SetLineWidth(0.2)
}

// recipient draws the addressee (宛名) on the left; it returns the y below.
func (w *pdfWriter) recipient(in Invoice, y float64) float64 {
	const width = 92.0
	lines, size := w.fit(in.Recipient, width, 15, 10)
	lh := size * 0.3528 * 1.35 // points to millimetres, with leading
	for _, l := range lines {
		y += lh
		w.p.Text(margin, y, l)
	}
	y += 1.5
	w.p.SetLineWidth(0.4)
	w.p.Line(margin, y, margin+width, y)
	w.p.SetLineWidth(0.2)
	w.font(9)
	w.text(margin, y+5, "お客様番号 "+in.ContractorID)
	return y + 5
}

// issuer draws number, dates and the issuer on the right, with the seal.
func (w *pdfWriter) issuer(in Invoice, iss IssuerSettings, y float64) float64 {
	const x, width = 120.0, pageW - margin - 120.0
	w.font(9)
	label := "請求書番号"
	if in.Kind == KindCredit {
		label = "返還請求書番号"
	}
	rows := [][2]string{{label, in.Number}, {"発行日", JapaneseDate(in.IssueDate)}}
	if in.Kind != KindCredit {
		rows = append(rows, [2]string{"お支払期限", JapaneseDate(in.DueDate)})
	}
	for _, r := range rows {
		y += 4.5
		w.text(x, y, r[0])
		w.right(x+width, y, r[1])
	}
	y += 3
	name := iss.Name
	if name == "" {
		name = in.IssuerName
	}
	lines, size := w.fit(name, width-4, 12, 9)
	for _, l := range lines {
		y += size * 0.3528 * 1.35
		w.p.Text(x, y, l)
	}
	if len(iss.SealPNG) > 0 {
		w.p.RegisterImageOptionsReader("seal", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(iss.SealPNG))
		w.p.ImageOptions("seal", x+width-18, y-12, 18, 18, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
	w.font(8.5)
	var info []string
	if iss.Postcode != "" || iss.Address != "" {
		info = append(info, strings.TrimSpace("〒"+iss.Postcode+" "+iss.Address))
	}
	if iss.Phone != "" {
		info = append(info, "TEL "+iss.Phone)
	}
	reg := in.IssuerRegistration
	info = append(info, "登録番号 "+reg)
	for _, s := range info {
		for _, l := range w.wrap(w.g.text(s), width) {
			y += 4
			w.p.Text(x, y, l)
		}
	}
	return y
}

// amount draws the greeting and the amount due (or taken back).
func (w *pdfWriter) amount(in Invoice, y float64) float64 {
	w.font(10.5)
	greeting, label := "下記のとおりご請求申し上げます。", "ご請求金額（税込）"
	if in.Kind == KindCredit {
		greeting, label = "下記のとおり返還（値引）いたします。", "返還額（税込）"
	}
	w.text(margin, y, greeting)
	y += 4
	w.p.SetFillColor(235, 235, 235)
	w.p.Rect(margin, y, 110, 12, "FD")
	w.font(11)
	w.text(margin+3, y+8, label)
	w.font(16)
	w.right(margin+107, y+8.5, FormatYen(in.Total)+" 円")
	y += 18
	w.font(9)
	period := "対象期間 " + JapaneseDate(in.Period.Start) + " ～ " + JapaneseDate(in.Period.Last())
	w.text(margin, y, period)
	if in.Kind == KindCredit {
		y += 5
		w.text(margin, y, fmt.Sprintf("対象請求書 %s（%s発行）", in.CreditOf, JapaneseDate(in.CreditOfDate)))
		for _, l := range w.wrap(w.g.text("理由 "+in.Note), contentW) {
			y += 5
			w.p.Text(margin, y, l)
		}
	}
	return y + 5
}

// The items table's columns: 品目, 数量, 単価, 金額（税抜）, 税率.
var itemCols = [...]float64{92, 14, 26, 28, 20}

// items draws the lines of the invoice.
func (w *pdfWriter) items(in Invoice, y float64) float64 {
	w.p.SetXY(margin, y)
	w.font(9)
	w.p.SetFillColor(235, 235, 235)
	for i, h := range []string{"品目", "数量", "単価", "金額（税抜）", "税率"} {
		w.p.CellFormat(itemCols[i], 7, h, "1", 0, "C", true, 0, "")
	}
	y += 7
	for _, l := range in.Lines {
		desc := w.wrap(w.g.text(l.Item()), itemCols[0]-3)
		h := 7 + 4.5*float64(len(desc)-1)
		if y+h > pageH-margin {
			w.p.AddPage()
			y = margin
		}
		w.p.Rect(margin, y, itemCols[0], h, "D")
		for i, s := range desc {
			w.p.Text(margin+1.5, y+5+4.5*float64(i), s)
		}
		x := margin + itemCols[0]
		for i, s := range []string{fmt.Sprint(l.Quantity), FormatYen(l.UnitPrice) + "円", FormatYen(l.Amount) + "円", fmt.Sprintf("%d%%", l.TaxRate)} {
			w.p.Rect(x, y, itemCols[i+1], h, "D")
			w.right(x+itemCols[i+1]-1.5, y+5, s)
			x += itemCols[i+1]
		}
		y += h
	}
	return y + 5
}

// rates draws the amounts and tax per rate, and the total.
func (w *pdfWriter) rates(in Invoice, y float64) float64 {
	cols := [...]float64{36, 32, 32}
	x0 := pageW - margin - cols[0] - cols[1] - cols[2]
	w.p.SetXY(x0, y)
	w.font(9)
	for i, h := range []string{"税率区分", "対象金額（税抜）", "消費税額"} {
		w.p.CellFormat(cols[i], 7, h, "1", 0, "C", true, 0, "")
	}
	y += 7
	row := func(cells [3]string) {
		x := x0
		for i, s := range cells {
			w.p.Rect(x, y, cols[i], 7, "D")
			if i == 0 {
				w.text(x+1.5, y+5, s)
			} else {
				w.right(x+cols[i]-1.5, y+5, s)
			}
			x += cols[i]
		}
		y += 7
	}
	for _, r := range in.Rates {
		row([3]string{r.Label(), FormatYen(r.Subtotal) + "円", FormatYen(r.Tax) + "円"})
	}
	row([3]string{"合計", FormatYen(in.Subtotal) + "円", FormatYen(in.Tax) + "円"})
	w.font(10.5)
	y += 5
	w.text(x0, y, "合計（税込）")
	w.right(pageW-margin-1.5, y, FormatYen(in.Total)+"円")
	return y + 6
}

// notes draws the reduced-rate note, the account to pay into and a void.
func (w *pdfWriter) notes(in Invoice, iss IssuerSettings, y float64) {
	w.font(9)
	if in.HasReducedRate() {
		w.text(margin, y, ReducedRateNote)
		y += 6
	}
	if a := iss.Bank; in.Kind != KindCredit && !a.IsZero() {
		w.p.Rect(margin, y, contentW, 17, "D")
		w.text(margin+3, y+5.5, "お振込先")
		w.text(margin+25, y+5.5, fmt.Sprintf("%s %s %s %s", a.BankName, a.BranchName, a.TypeName(), a.AccountNumber))
		w.text(margin+25, y+11.5, "口座名義 "+a.Holder)
		y += 23
	}
	if in.VoidedBy != "" {
		w.p.SetTextColor(200, 0, 0)
		w.text(margin, y, "この請求書は返還請求書 "+in.VoidedBy+" により取り消されました。")
		w.p.SetTextColor(0, 0, 0)
	}
}
