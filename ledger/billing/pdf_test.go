package billing

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// needTool finds a program the test needs; without it the test skips on a
// developer's machine and fails in CI, where .ci/run installs it.
func needTool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := osexec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: .ci/run must install %s", name, pkg)
		}
		t.Skipf("%s not found (apt-get install %s)", name, pkg)
	}
	return path
}

// testFont loads IPAexGothic, as .ci/run installs it.
func testFont(t testing.TB) *Font {
	t.Helper()
	f, err := LoadFont("")
	if errors.Is(err, ErrFontMissing) && os.Getenv("CI") != "true" {
		t.Skipf("%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// pdfText is the PDF's text layer as pdftotext lays it out, without spaces
// and line breaks (Japanese text has none of its own).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	out := runTool(t, "", pdf, needTool(t, "pdftotext", "poppler-utils"), "-layout", "-enc", "UTF-8", "{in}", "-")
	return strings.Join(strings.Fields(string(out)), "")
}

// runTool writes pdf to a file in dir ("" for a new one) and runs a tool
// on it ({in} is the file, {dir} the directory).
func runTool(t *testing.T, dir string, pdf []byte, tool string, args ...string) []byte {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range args {
		args[i] = strings.ReplaceAll(args[i], "{in}", in)
		args[i] = strings.ReplaceAll(args[i], "{dir}", filepath.Dir(in))
	}
	out, err := osexec.Command(tool, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", tool, args, err, out)
	}
	return out
}

// word is a piece of text with its box in points, as pdftotext -bbox
// reports it.
type word struct {
	page                   int
	text                   string
	xMin, yMin, xMax, yMax float64
}

var (
	pageRE = regexp.MustCompile(`<page width="([0-9.]+)" height="([0-9.]+)">`)
	wordRE = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>`)
)

func pdfWords(t *testing.T, pdf []byte) (words []word, pageW, pageH float64) {
	t.Helper()
	out := runTool(t, "", pdf, needTool(t, "pdftotext", "poppler-utils"), "-bbox", "{in}", "-")
	page := 0
	for _, line := range strings.Split(string(out), "\n") {
		if m := pageRE.FindStringSubmatch(line); m != nil {
			page++
			pageW, _ = strconv.ParseFloat(m[1], 64)
			pageH, _ = strconv.ParseFloat(m[2], 64)
		}
		if m := wordRE.FindStringSubmatch(line); m != nil {
			w := word{page: page, text: html.UnescapeString(m[5])}
			for i, p := range []*float64{&w.xMin, &w.yMin, &w.xMax, &w.yMax} {
				*p, _ = strconv.ParseFloat(m[i+1], 64)
			}
			words = append(words, w)
		}
	}
	return words, pageW, pageH
}

// gray is a page rendered in shades of grey (0 black .. 255 white).
type gray struct {
	pix  []byte
	w, h int
	dpi  int
}

// dark counts the pixels darker than mid-grey in the rectangle of the
// page given in millimetres.
func (g gray) dark(x0, y0, x1, y1 float64) int {
	px := func(mm float64, limit int) int { return min(max(int(mm/25.4*float64(g.dpi)), 0), limit) }
	n := 0
	for y := px(y0, g.h); y < px(y1, g.h); y++ {
		for x := px(x0, g.w); x < px(x1, g.w); x++ {
			if g.pix[y*g.w+x] < 128 {
				n++
			}
		}
	}
	return n
}

// renderGray renders page 1 at dpi with pdftoppm.
func renderGray(t *testing.T, pdf []byte, dpi int) gray {
	t.Helper()
	dir := t.TempDir()
	runTool(t, dir, pdf, needTool(t, "pdftoppm", "poppler-utils"), "-r", strconv.Itoa(dpi), "-gray", "-f", "1", "-l", "1", "{in}", "{dir}/page")
	matches, _ := filepath.Glob(filepath.Join(dir, "page-*.pgm"))
	if len(matches) != 1 {
		t.Fatalf("pdftoppm wrote %v", matches)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(bytes.NewReader(data))
	var w, h, maxv int
	var magic string
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil || magic != "P5" || maxv != 255 {
		t.Fatalf("not an 8-bit PGM: %q %d %d %d %v", magic, w, h, maxv, err)
	}
	r.ReadByte() // the single white space after the header
	pix := make([]byte, w*h)
	if _, err := io.ReadFull(r, pix); err != nil {
		t.Fatal(err)
	}
	return gray{pix: pix, w: w, h: h, dpi: dpi}
}

// pdfInvoice is an invoice as a run issues it, for rendering tests.
func pdfInvoice(recipient string) Invoice {
	lines := []Line{{Description: "基本料金（年額） 2026-04-01 – 2027-03-31", Quantity: 1, UnitPrice: 15000, Amount: 15000, TaxRate: 10}}
	return Invoice{Number: "2026-000123", IssuerName: testSettings.Name, IssuerRegistration: testSettings.Registration, ContractorID: "TANAKA",
		Recipient: recipient, Kind: KindAnnual, Period: YearlyPeriod(d("2026-04-01"), 0), IssueDate: d("2026-04-01"), DueDate: d("2026-05-01"),
		Lines: lines, Rates: TaxByRate(lines), Subtotal: 15000, Tax: 1500, Total: 16500}
}

func writePDF(t *testing.T, font *Font, docs ...PDFDocument) ([]byte, PDFReport) {
	t.Helper()
	var buf bytes.Buffer
	rep, err := WritePDF(&buf, font, docs...)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), rep
}

// TestInvoicePDFCarriesEveryItem: the text layer of the PDF holds every
// item of a qualified invoice, in glyphs the font has, with the account
// to pay into; a reprint says 再発行.
func TestInvoicePDFCarriesEveryItem(t *testing.T) {
	t.Parallel()
	font := testFont(t)
	in := pdfInvoice("田中工務店 御中")
	pdf, rep := writePDF(t, font, PDFDocument{Invoice: in, Issuer: testSettings})
	if len(rep.Missing) != 0 || rep.Pages != 1 {
		t.Errorf("report %+v", rep)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("/FontFile2")) {
		t.Error("not a PDF with an embedded TrueType font")
	}
	text := pdfText(t, pdf)
	for _, want := range []string{"請求書", "（適格請求書）", "田中工務店御中", "お客様番号TANAKA", "請求書番号2026-000123",
		"発行日2026年4月1日", "お支払期限2026年5月1日", "株式会社デズラ", "〒100-0001東京都千代田区千代田1-1", "TEL03-1234-5678",
		"登録番号T7000012050002", "下記のとおりご請求申し上げます。", "ご請求金額（税込）16,500円", "基本料金（年額）",
		"15,000円", "10%対象15,000円1,500円", "合計15,000円1,500円", "合計（税込）16,500円",
		"お振込先みずほ銀行東京営業部普通1234567", "口座名義カ）デズラ"} {
		if !strings.Contains(text, want) {
			t.Errorf("text layer lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "再発行") || strings.ContainsRune(text, missingGlyph) {
		t.Errorf("an original shows 再発行 or a missing glyph:\n%s", text)
	}
	again, _ := writePDF(t, font, PDFDocument{Invoice: in, Issuer: testSettings})
	if !bytes.Equal(pdf, again) {
		t.Error("the same invoice printed to different bytes")
	}
	reprint, _ := writePDF(t, font, PDFDocument{Invoice: in, Issuer: testSettings, Reissue: true})
	if text := pdfText(t, reprint); !strings.Contains(text, "再発行") {
		t.Errorf("a reprint lacks 再発行:\n%s", text)
	}
	// Ink where the recipient and the title are: the glyphs were drawn.
	page := renderGray(t, pdf, 100)
	if n := page.dark(margin, 44, margin+60, 54); n < 150 {
		t.Errorf("the recipient's box has %d dark pixels: the name did not render", n)
	}
	if n := page.dark(90, 18, 120, 28); n < 100 {
		t.Errorf("the title has %d dark pixels", n)
	}
}

const ptPerMM = 72 / 25.4

// checkInside fails if any text or ink lies outside the page's margins.
func checkInside(t *testing.T, pdf []byte) {
	t.Helper()
	words, pw, ph := pdfWords(t, pdf)
	if len(words) == 0 {
		t.Fatal("no words in the text layer")
	}
	const slack = 1.0 // points
	for _, w := range words {
		if w.xMin < margin*ptPerMM-slack || w.xMax > pw-margin*ptPerMM+slack || w.yMin < (margin-4)*ptPerMM || w.yMax > ph-margin*ptPerMM {
			t.Errorf("%q at x %.0f–%.0f, y %.0f–%.0f pt runs outside the margins of a %.0f×%.0f pt page", w.text, w.xMin, w.xMax, w.yMin, w.yMax, pw, ph)
		}
	}
	page := renderGray(t, pdf, 100)
	for _, strip := range [][4]float64{{0, 0, 10, pageH}, {pageW - 10, 0, pageW, pageH}, {0, 0, pageW, 10}, {0, pageH - 10, pageW, pageH}} {
		if n := page.dark(strip[0], strip[1], strip[2], strip[3]); n > 0 {
			t.Errorf("%d dark pixels in the margin strip %v mm", n, strip)
		}
	}
}

// TestLongNamesStayInTheirBox: a long company name is made smaller, then
// wrapped, never cut and never over the edge; so are the issuer's name
// and a long item.
func TestLongNamesStayInTheirBox(t *testing.T) {
	t.Parallel()
	font := testFont(t)
	long := "株式会社とても長い名前の建設会社ホールディングス東日本支社営業第二部第三課工事担当グループ 御中"
	in := pdfInvoice(long)
	in.Lines[0].Description = strings.Repeat("基本料金（年額）長い品目名", 6)
	iss := testSettings
	iss.Name = "株式会社デズラ・コミュニケーションズ・アンド・クラウドサービス・ジャパン"
	iss.Address = "東京都千代田区千代田一丁目一番一号 千代田ファーストビルディング東館二十三階 受付"
	pdf, rep := writePDF(t, font, PDFDocument{Invoice: in, Issuer: iss, Reissue: true})
	if len(rep.Missing) != 0 {
		t.Errorf("missing %q", rep.Missing)
	}
	for _, want := range []string{long, in.Lines[0].Description, iss.Name, iss.Address} {
		if !containsAcrossLines(t, pdf, want) {
			t.Errorf("%q is not all there (cut off?)", want)
		}
	}
	checkInside(t, pdf)
	words, _, _ := pdfWords(t, pdf)
	for _, w := range words {
		if strings.Contains(long, w.text) && len([]rune(w.text)) > 3 && w.xMax > (margin+92)*ptPerMM+1 {
			t.Errorf("recipient part %q ends at %.0f pt, past its box", w.text, w.xMax)
		}
	}
}

// containsAcrossLines reports whether s appears in the text layer read in
// reading order (a wrapped name continues on the next line).
func containsAcrossLines(t *testing.T, pdf []byte, s string) bool {
	t.Helper()
	out := runTool(t, "", pdf, needTool(t, "pdftotext", "poppler-utils"), "-enc", "UTF-8", "{in}", "-")
	return strings.Contains(strings.Join(strings.Fields(string(out)), ""), strings.Join(strings.Fields(s), ""))
}

// TestMissingGlyphsShowAsGeta: a character the font lacks is printed as
// 〓 and reported, never as an empty box, and never breaks the PDF.
func TestMissingGlyphsShowAsGeta(t *testing.T) {
	t.Parallel()
	font := testFont(t)
	pdf, rep := writePDF(t, font, PDFDocument{Invoice: pdfInvoice("𠮷野家🍣店 御中"), Issuer: testSettings})
	if string(rep.Missing) != "🍣𠮷" && string(rep.Missing) != "𠮷🍣" {
		t.Errorf("missing %q, want 𠮷 and 🍣", string(rep.Missing))
	}
	if text := pdfText(t, pdf); !strings.Contains(text, "〓野家〓店御中") {
		t.Errorf("text layer:\n%s", text)
	}
	for _, r := range "請求書御中〓※円" {
		if !font.Has(r) {
			t.Errorf("IPAex lacks %c", r)
		}
	}
}

// TestCreditNotePDF: a credit note prints as 適格返還請求書 with the
// invoice it credits, its date, the amounts per rate and the reason, and
// no account to pay into.
func TestCreditNotePDF(t *testing.T) {
	t.Parallel()
	font := testFont(t)
	in := pdfInvoice("田中工務店 御中")
	in.Kind, in.Number, in.IssueDate, in.CreditOf, in.CreditOfDate, in.Note = KindCredit, "2026-000200", d("2026-06-01"), "2026-000123", d("2026-04-01"), "一部解約のため"
	in.Lines = []Line{{Description: "返還・値引: 基本料金（年額）", Quantity: 1, UnitPrice: -5000, Amount: -5000, TaxRate: 10}}
	in.Rates, in.Subtotal, in.Tax, in.Total = TaxByRate(in.Lines), -5000, -500, -5500
	pdf, _ := writePDF(t, font, PDFDocument{Invoice: in, Issuer: testSettings})
	text := pdfText(t, pdf)
	for _, want := range []string{"適格返還請求書", "返還請求書番号2026-000200", "発行日2026年6月1日", "登録番号T7000012050002",
		"下記のとおり返還（値引）いたします。", "返還額（税込）-5,500円", "対象請求書2026-000123（2026年4月1日発行）", "理由一部解約のため",
		"10%対象-5,000円-500円"} {
		if !strings.Contains(text, want) {
			t.Errorf("credit note lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "お振込先") || strings.Contains(text, "お支払期限") {
		t.Errorf("a credit note asks for payment:\n%s", text)
	}
	checkInside(t, pdf)
}

// TestIssuedCopiesAndPrintBatch: the first copy handed out is the
// original and every later one says 再発行; the print batch holds the
// documents nobody got yet whose contractor has no email address.
func TestIssuedCopiesAndPrintBatch(t *testing.T) {
	t.Parallel()
	font := testFont(t)
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := t.Context()
		if _, err := b.SetIssuer(ctx, testSettings); err != nil {
			t.Fatal(err)
		}
		subscribe(t, b, "C1", "campaign-2023", "2026-04-01")
		subscribe(t, b, "C2", "campaign-2023", "2026-04-01")
		subscribe(t, b, "C3", "campaign-2023", "2026-04-01")
		run(t, b, "2026-04-01")
		if err := b.SetContact(ctx, "C3", "c3@example.co.jp"); err != nil {
			t.Fatal(err)
		}
		var first, second bytes.Buffer
		if _, err := b.IssuePDF(ctx, &first, font, "2026-000001", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.IssuePDF(ctx, &second, font, "2026-000001", ""); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(pdfText(t, first.Bytes()), "再発行") || !strings.Contains(pdfText(t, second.Bytes()), "再発行") {
			t.Error("want the first copy plain and the second marked 再発行")
		}
		pdf, numbers, rep, err := b.PrintBatch(ctx, font)
		if err != nil || fmt.Sprint(numbers) != "[2026-000002]" || rep.Pages != 1 {
			t.Fatalf("print batch %v, %+v, %v: want only C2's invoice (C1's was handed out, C3 has email)", numbers, rep, err)
		}
		if text := pdfText(t, pdf); !strings.Contains(text, "C2御中") || strings.Contains(text, "再発行") {
			t.Errorf("batch:\n%s", text)
		}
		if _, _, _, err := b.PrintBatch(ctx, font); !errors.Is(err, ErrNothingToPrint) {
			t.Errorf("second batch: %v", err)
		}
		ds, err := b.Deliveries(ctx, "2026-000001")
		if err != nil || len(ds) != 2 || ds[0].Reissue || !ds[1].Reissue || ds[0].Channel != ChannelPDF {
			t.Errorf("deliveries %+v, %v", ds, err)
		}
	})
}
